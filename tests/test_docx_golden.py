"""Golden tests: each .docx in tests/golden/ beside the JSON of what it must parse to.

The JSON holds the values the form was *filled with* (the truth), not what the parser once returned.
Regenerate on purpose only, after changing a case or the generator:

    /work/venv/bin/python tests/test_docx_golden.py --regen
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from core.fields import FormFields
from parsers.docx_form import parse_docx
from samples.formgen import (
    DATE_FORMATS,
    STYLES,
    build_cover_letter_docx,
    build_form_docx,
    format_training_dates,
    sample_fields,
)

GOLDEN = Path(__file__).parent / "golden"


def _none_ticked(f: dict[str, Any]) -> None:
    f["funding_type"] = None
    f["self_funding_source"] = None


def _both_ticked(f: dict[str, Any]) -> None:
    f["funding_type"] = None  # both boxes ticked: no single category can be reported


def _empty(f: dict[str, Any]) -> None:
    for key in (
        "declared_org",
        "declared_date",
        "training_location",
        "experts",
        "trainees",
        "content_and_format",
    ):
        f[key] = None
    f["applicant"]["fax"] = None
    f["organizer"].update(fax=None, mobile=None, ce_base=None, ce_base_batch=None)
    f["scope"] = dict.fromkeys(f["scope"], False)
    f["scope_notes"] = dict.fromkeys(f["scope_notes"])


def _unparsed(f: dict[str, Any]) -> None:
    f.update(training_dates="2025年6月中旬（具体时间待定）", training_start=None, training_end=None)


def _self_funded_no_source(f: dict[str, Any]) -> None:
    f.update(funding_type="self_funded", self_funding_source=None)


def _dates_as(fmt: str) -> Callable[[dict[str, Any]], None]:
    def mutate(f: dict[str, Any]) -> None:
        from datetime import date

        start, end = date.fromisoformat(f["training_start"]), date.fromisoformat(f["training_end"])
        f["training_dates"] = format_training_dates(start, end, fmt)

    return mutate


def _national(f: dict[str, Any]) -> None:
    f["organizer"].update(ce_base="national", ce_base_batch=7)


# name: (seed, style, options, mutate, expected problem codes)
Case = tuple[int, str, dict[str, Any], Callable[[dict[str, Any]], None] | None, list[str]]
CASES: dict[str, Case] = {
    **{f"style_{s}": (100 + i, s, {}, None, []) for i, s in enumerate(STYLES)},
    "glyph_both_ticked": (201, "glyph", {"tick_both_funding": True}, _both_ticked, ["funding_type_multiple"]),
    "glyph_none_ticked": (202, "glyph", {}, _none_ticked, []),
    "glyph_empty_fields": (203, "glyph", {}, _empty, []),
    "hints_kept_empty_fields": (204, "hints_kept", {}, _empty, []),
    "glyph_dates_unparsed": (205, "glyph", {}, _unparsed, ["training_dates_unparsed"]),
    "glyph_self_funded_no_source": (206, "glyph", {}, _self_funded_no_source, []),
    "content_control_glyph_lies": (207, "content_control", {"sdt_glyph": "☒"}, None, []),
    "legacy_formfield_val_true": (208, "legacy_formfield", {"formfield_val": "true"}, _national, []),
    "tick_typed_square": (209, "tick_typed", {"tick_char": "■"}, _national, []),
    "tick_typed_check": (210, "tick_typed", {"tick_char": "✔"}, None, []),
    "split_table_wingdings": (211, "split_table", {"box_style": "wingdings_sym"}, _national, []),
    "one_cell_wingdings2": (212, "label_value_one_cell", {"box_style": "wingdings2_font"}, None, []),
    "deleted_options_none": (213, "deleted_options", {}, _none_ticked, []),
    "deleted_options_empty_box_kept": (215, "deleted_options", {"keep_box": True}, _national, []),
    "extra_rows_content_control": (214, "extra_rows", {"box_style": "content_control"}, None, []),
    **{f"dates_{fmt}": (300 + i, "glyph", {}, _dates_as(fmt), []) for i, fmt in enumerate(DATE_FORMATS)},
}
COVER_LETTER = "关于申报2025年高级研修项目的函\n湖北省人力资源和社会保障厅：\n现将我单位申报材料报送贵厅，请审核。\n联系人：张伟  电话：027-87654321"


def _expected(name: str) -> dict[str, Any]:
    seed, style, options, mutate, problems = CASES[name]
    fields = sample_fields(seed)
    if mutate is not None:
        mutate(fields)
    return {"style": style, "options": options, "is_form": True, "fields": fields, "problems": problems}


# Cases also saved through LibreOffice (.docx → .doc → .docx): heavier XML written by another program.
LIBREOFFICE_CASES = (
    "style_glyph",
    "style_wingdings_sym",
    "style_legacy_formfield",
    "style_content_control",
    "split_table_wingdings",
)


def _through_libreoffice(names: tuple[str, ...]) -> None:
    import shutil
    import subprocess
    import tempfile

    exe = shutil.which("soffice")
    if exe is None:
        print("soffice not found: LibreOffice-written golden files not regenerated")
        return
    with tempfile.TemporaryDirectory() as tmp:
        base = [exe, f"-env:UserInstallation={Path(tmp, 'profile').as_uri()}", "--headless", "--norestore"]
        srcs = [str(GOLDEN / f"{n}.docx") for n in names]
        subprocess.run(
            [*base, "--convert-to", "doc", "--outdir", tmp, *srcs], capture_output=True, timeout=300
        )
        docs = [str(Path(tmp, f"{n}.doc")) for n in names]
        out = Path(tmp, "docx")
        subprocess.run(
            [*base, "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(out), *docs],
            capture_output=True,
            timeout=300,
        )
        for n in names:
            exp = json.loads((GOLDEN / f"{n}.json").read_text("utf-8"))
            exp["written_by"] = "LibreOffice (.docx -> .doc -> .docx)"
            (GOLDEN / f"lo_{n}.docx").write_bytes((out / f"{n}.docx").read_bytes())
            (GOLDEN / f"lo_{n}.json").write_text(
                json.dumps(exp, ensure_ascii=False, indent=1) + "\n", "utf-8"
            )


def regenerate() -> None:
    GOLDEN.mkdir(exist_ok=True)
    for name in CASES:
        exp = _expected(name)
        (GOLDEN / f"{name}.docx").write_bytes(build_form_docx(exp["fields"], exp["style"], **exp["options"]))
        (GOLDEN / f"{name}.json").write_text(json.dumps(exp, ensure_ascii=False, indent=1) + "\n", "utf-8")
    (GOLDEN / "cover_letter.docx").write_bytes(build_cover_letter_docx(COVER_LETTER))
    cover = {"style": None, "options": {}, "is_form": False, "fields": FormFields().to_json(), "problems": []}
    (GOLDEN / "cover_letter.json").write_text(json.dumps(cover, ensure_ascii=False, indent=1) + "\n", "utf-8")
    _through_libreoffice(LIBREOFFICE_CASES)


GOLDEN_NAMES = sorted(p.stem for p in GOLDEN.glob("*.json"))


@pytest.mark.parametrize("name", GOLDEN_NAMES)
def test_golden(name: str) -> None:
    expected = json.loads((GOLDEN / f"{name}.json").read_text("utf-8"))
    form = parse_docx((GOLDEN / f"{name}.docx").read_bytes(), f"{name}.docx")
    assert form.is_form == expected["is_form"], form.note
    assert form.fields.to_json() == expected["fields"]
    assert sorted(p.code for p in form.problems) == sorted(expected["problems"])


def test_every_style_has_a_golden_file() -> None:
    styles = {json.loads(p.read_text("utf-8"))["style"] for p in GOLDEN.glob("*.json")}
    assert set(STYLES) <= styles


def test_every_style_is_described() -> None:
    from samples.formgen import STYLE_NOTES

    assert set(STYLE_NOTES) == set(STYLES)


def test_golden_files_match_their_cases() -> None:
    """A changed case without --regen would leave stale files; the generator must still agree with them."""
    for name in CASES:
        assert json.loads((GOLDEN / f"{name}.json").read_text("utf-8")) == json.loads(
            json.dumps(_expected(name), ensure_ascii=False)
        ), name


if __name__ == "__main__":
    if "--regen" not in sys.argv:
        sys.exit("refusing to overwrite golden files without --regen")
    regenerate()
    print(f"wrote {len(CASES) + 1} golden cases to {GOLDEN}")
