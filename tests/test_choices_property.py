"""Random fillings of whole forms: any values, a marking style drawn per choice cell, any table layout —
the Word reader returns exactly what was filled in (writers: tests/writers, not the project's own)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from parsers.docx_form import parse_docx
from tests.writers import values, wordml

STYLES = sorted(wordml.MARK_STYLES)


@settings(max_examples=80, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    marks=st.tuples(*(st.sampled_from(STYLES) for _ in range(3))),
    layout=st.sampled_from(wordml.LAYOUTS),
)
def test_random_fillings_read_back(seed: int, marks: tuple[str, str, str], layout: str) -> None:
    v = values.values(seed)
    form = parse_docx(wordml.form_docx(v, marks, layout), "随机.docx")
    assert form.is_form, form.note
    assert form.fields.to_json() == v
    assert not [p for p in form.problems if p.code == "choice_unclear"]
