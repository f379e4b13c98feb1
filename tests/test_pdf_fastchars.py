"""The fast character path in parsers.pdf_text must build exactly the dicts pdfplumber builds."""

from __future__ import annotations

import io

import pdfplumber
import pytest

from parsers import pdf_text
from samples.formgen import sample_fields
from samples.pdfgen import pdf_from_fields


def _chars(data: bytes, fast: bool) -> list[list[dict]]:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        pages = [pdf_text._with_fast_chars(p) if fast else p for p in pdf.pages]
        return [list(p.chars) for p in pages]


@pytest.mark.parametrize("seed", [1, 7, 23])
def test_fast_character_dicts_equal_pdfplumbers(seed: int) -> None:
    data = pdf_from_fields(sample_fields(seed))
    slow, fast = _chars(data, fast=False), _chars(data, fast=True)
    assert sum(len(p) for p in slow) > 100
    assert fast == slow


def test_a_page_whose_first_character_differs_falls_back_to_pdfplumber(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = pdf_from_fields(sample_fields(3))
    real = pdf_text._CharFastPath._char
    calls = {"fast": 0}

    def skewed(self: pdf_text._CharFastPath, obj: object) -> dict | None:
        calls["fast"] += 1
        built = real(self, obj)
        return None if built is None else {**built, "text": built["text"] + "?"}  # as if pdfplumber changed

    monkeypatch.setattr(pdf_text._CharFastPath, "_char", skewed)
    got = _chars(data, fast=True)
    monkeypatch.undo()
    assert got == _chars(data, fast=False)
    assert calls["fast"] == len(got)  # one comparison per page, then pdfplumber's own code
