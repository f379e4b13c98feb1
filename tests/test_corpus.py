"""The table-driven test over the choice corpus: marking styles × choice fields × (.docx, .doc via
LibreOffice, PDF), plus table layouts, other writers and the cases whose flags must be raised.

Every file is written by tests/writers (raw WordprocessingML, python-docx, reportlab, the real LibreOffice),
never by the project's own code; each case's truth is what the writer filled in (tests/corpus).
"""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from tests import corpus
from tests.writers import office

CASES = corpus.cases()
NEEDS_LO = [c for c in CASES if c.fmt == "doc" or (c.fmt == "pdf" and c.writer != "reportlab")]


@pytest.fixture(scope="session")
def files() -> Mapping[str, bytes]:
    wanted = CASES if office.soffice() else [c for c in CASES if c not in NEEDS_LO]
    return corpus.converted(wanted, corpus.build(wanted))


def _case_param(c: corpus.Case) -> object:
    marks = [pytest.mark.libreoffice, pytest.mark.slow] if c in NEEDS_LO else []
    return pytest.param(c, id=c.name, marks=marks)


@pytest.mark.parametrize("case", [_case_param(c) for c in CASES])
def test_case(case: corpus.Case, files: Mapping[str, bytes]) -> None:
    if case.name not in files:
        pytest.skip(
            "LibreOffice (soffice) not installed" if not office.soffice() else "LibreOffice wrote nothing"
        )
    got = corpus.read(case, files[case.name])
    want = corpus.expected_fields(case)
    assert got.is_form, got.note
    for key in corpus.CHOICE_KEYS:
        assert corpus.get(got.fields, key) == corpus.get(want, key), key
    assert got.fields["scope_notes"] == want["scope_notes"]
    assert got.fields["self_funding_source"] == want["self_funding_source"]
    assert got.fields == want  # and every other field of the form
    assert {code for code, _ in got.flags} == set(case.expected_flags), got.flags


def test_corpus_covers_every_style_and_format() -> None:
    from tests.writers import wordml

    styles = {c.style for c in CASES if c.writer == "wordml"}
    assert set(wordml.MARK_STYLES) <= styles
    assert {c.fmt for c in CASES} == {"docx", "doc", "pdf"}
    assert {c.writer for c in CASES} == {"wordml", "pydocx", "reportlab"}
