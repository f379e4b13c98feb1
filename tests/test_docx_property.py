"""Property tests: random fillings, written in a random applicant style, read back exactly."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.schema import DEFAULT_SCHEMA
from parsers.docx_form import parse_docx
from parsers.labels import labels_for
from samples.formgen import BOX_STYLES, STYLES, build_form_docx, sample_fields

# Values that do not themselves look like a label or a box: no label's first character, no box glyphs.
_ALPHABET = "".join(
    c
    for c in "研修班高级人才技术创新发展湖北武汉宜昌光谷数字农业水利医疗（）—0123456789ABCxyz·"
    if c not in labels_for(DEFAULT_SCHEMA).first_chars
)
_value = st.text(alphabet=_ALPHABET, min_size=1, max_size=30).map(str.strip).filter(bool)

_BLANKABLE = (
    "project_name",
    "training_location",
    "industry_field",
    "industry_authority",
    "purpose",
    "content_and_format",
    "experts",
    "trainees",
    "declared_org",
    "declared_date",
)
_UNIT_KEYS = ("name", "contact", "office_phone", "mobile", "fax", "address")


@st.composite
def fillings(draw: st.DrawFn) -> tuple[dict[str, Any], str, dict[str, Any]]:
    fields = copy.deepcopy(sample_fields(draw(st.integers(0, 10_000))))
    for key in draw(st.sets(st.sampled_from(_BLANKABLE), max_size=4)):
        fields[key] = None
    for unit in ("applicant", "organizer"):
        for key in draw(st.sets(st.sampled_from(_UNIT_KEYS), max_size=2)):
            fields[unit][key] = None
    if draw(st.booleans()):
        fields["project_name"] = draw(_value)
        fields["applicant"]["name"] = draw(_value)
    if draw(st.integers(0, 4)) == 0:
        fields.update(funding_type=None, self_funding_source=None)
    if draw(st.integers(0, 4)) == 0:
        fields.update(training_dates=None, training_start=None, training_end=None)
    if draw(st.integers(0, 5)) == 0:
        fields["organizer"].update(ce_base=None, ce_base_batch=None)
    style = draw(st.sampled_from(STYLES))
    options: dict[str, Any] = {}
    if style not in BOX_STYLES:
        options["box_style"] = draw(st.sampled_from([s for s in BOX_STYLES if s != "deleted_options"]))
    if style == "tick_typed" or options.get("box_style") == "tick_typed":
        options["tick_char"] = draw(st.sampled_from(["√", "■", "✔", "☒"]))
    return fields, style, options


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fillings())
def test_round_trip(case: tuple[dict[str, Any], str, dict[str, Any]]) -> None:
    fields, style, options = case
    form = parse_docx(build_form_docx(fields, style, **options), "f.docx")
    assert form.is_form
    assert form.fields.to_json() == fields
    assert not form.problems


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from(STYLES))
def test_both_funding_boxes_ticked_is_a_problem_not_a_guess(seed: int, style: str) -> None:
    fields = sample_fields(seed)
    form = parse_docx(build_form_docx(fields, style, tick_both_funding=True), "f.docx")
    codes = [p.code for p in form.problems]
    if style == "deleted_options":  # both kept: boxes deleted too, so both read as chosen
        assert form.fields.to_json()["funding_type"] is None
        return
    assert codes == ["funding_type_multiple"] and form.fields.to_json()["funding_type"] is None


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from(STYLES))
def test_raw_pairs_hold_every_written_value(seed: int, style: str) -> None:
    fields = sample_fields(seed)
    form = parse_docx(build_form_docx(fields, style), "f.docx")
    values = {v for _, v in form.raw_pairs}
    assert fields["project_name"] in values
    assert fields["applicant"]["contact"] in values and fields["organizer"]["contact"] in values
