"""The red team's evaluation set (tests/redteam): 申报表 filled the way units fill them, written by writers
that share no code with the readers, read the way users read them.

- one test per case: its Word and PDF documents through `intake parse`'s path (LibreOffice for .doc, the
  worker pool), each compared with the fields and flags a reviewer expects;
- the documents that are not forms (cover letter, 推荐汇总表, 实施方案, the notice, the blank form) ignored;
- one `intake run` over a Maildir of all the mails (pairs, halves, a zip, a late mail, a correction, a
  补发, three units' forms forwarded together, a mail without a form), scored on export.jsonl.

The documents are written once per change of tests/redteam (cached in tests/redteam/.cache, gitignored).
A writer missing on the machine (Chromium) leaves its documents out, with the reason.  What still fails
is listed in tests/redteam/known.py with why; those tests are strict xfails.  Figures: bench/bench_redteam.py.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.redteam import build, evaluate, mails
from tests.redteam.cases import CASES
from tests.redteam.known import KNOWN, KNOWN_RUN

pytestmark = [
    pytest.mark.libreoffice,
    pytest.mark.slow,
    pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice (soffice) not installed"),
]


@pytest.fixture(scope="session")
def redteam_folder() -> Path:
    return build.build()


@pytest.fixture(scope="session")
def document_tier(redteam_folder: Path) -> evaluate.Tier:
    return evaluate.document_tier(redteam_folder)


def _by_case(tier: evaluate.Tier) -> dict[str, list[evaluate.DocResult]]:
    out: dict[str, list[evaluate.DocResult]] = {}
    for r in tier.results:
        if r.case is not None:
            out.setdefault(r.case.id, []).append(r)
    return out


def _params() -> Iterator[object]:
    for c in CASES:
        names = [f"{c.id}_w" if c.word else "", f"{c.id}_p" if c.pdf else ""]
        reasons = [KNOWN[n] for n in names if n in KNOWN]
        marks = [pytest.mark.xfail(reason="; ".join(reasons), strict=True)] if reasons else []
        yield pytest.param(c.id, id=f"{c.id}-{c.style.name}", marks=marks)


@pytest.mark.parametrize("case_id", list(_params()))
def test_case(case_id: str, document_tier: evaluate.Tier) -> None:
    results = _by_case(document_tier).get(case_id, [])
    skipped = [s for s in document_tier.skipped if s.startswith(case_id)]
    if skipped and (not results or any(s.split(" ")[0] in KNOWN for s in skipped)):
        pytest.skip("writer missing on this machine: " + ", ".join(skipped))
    problems = [
        line for r in results for line in (*r.score.wrong_fields, *r.score.false_flags, *r.score.missed_flags)
    ]
    assert not problems, "\n".join(problems)


def test_documents_that_are_not_forms_are_ignored(document_tier: evaluate.Tier) -> None:
    assert document_tier.negatives_n >= 10
    assert not document_tier.negatives_wrong, document_tier.negatives_wrong


def test_a_run_over_the_mails(redteam_folder: Path, tmp_path: Path) -> None:
    expects, mids = mails.build_maildir(redteam_folder, tmp_path / "Maildir")
    export = evaluate.run_intake(tmp_path / "Maildir", tmp_path)
    tier = evaluate.run_tier(export, expects, mids)
    lines = [*tier.total.wrong_fields, *tier.total.false_flags, *tier.total.missed_flags]
    unexpected = [
        line for line in lines if not any(line.startswith(k) or f".{k}." in line for k in KNOWN_RUN)
    ]
    assert not unexpected, "\n".join(unexpected)
    stale = [k for k in KNOWN_RUN if not any(f".{k}." in line or line.startswith(k) for line in lines)]
    assert not stale, f"listed in KNOWN_RUN but passing now: {stale}"
