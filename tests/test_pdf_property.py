"""Property test: random fillings of the form survive pdf_from_fields → parse_pdf unchanged."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from core.schema import DEFAULT_SCHEMA, FIELDS, norm_label
from parsers.labels import labels_for
from parsers.pdf_form import parse_pdf
from samples.formgen import sample_fields
from samples.pdfgen import pdf_from_fields

_CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
_PUNCT = st.sampled_from(list("，。；、（）《》“”：0123456789ABCxyz-./ "))
_WORD = st.text(st.one_of(_CJK, _CJK, _CJK, _PUNCT), min_size=1, max_size=40)


def _clean(text: str) -> str | None:
    # What any reader returns: no blank lines, no spaces at line ends, nothing that looks like a label.
    lines = [" ".join(line.split()) for line in text.split("\n")]
    out = "\n".join(line for line in lines if line)
    return out or None


_LABELS = {norm_label(label) for spec in FIELDS for label in spec.labels} | {"申报单位信息", "承办单位信息"}
# A value that is itself one of the form's labels ("传 真" typed as a contact), also with a star or a short
# bracketed note the parser accepts on labels ("办班时间（开始）"), cannot be told from a label.
_PARA = _WORD.map(lambda s: s.strip()).filter(
    lambda s: len(s) > 0 and norm_label(s) not in _LABELS and not labels_for(DEFAULT_SCHEMA).lookup(s)
)
_LONG = st.lists(_PARA.map(lambda s: s + "。"), min_size=1, max_size=6).map("\n".join)


def _breaks(text: str) -> set[int]:
    """Where the paragraph breaks fall, counted in characters of the text without them."""
    out, n = set(), 0
    for ch in text:
        if ch == "\n":
            out.add(n)
        else:
            n += 1
    return out


def _same_paragraphs(got: str | None, want: str | None) -> bool:
    """Same text, and every break found is a real one.  A paragraph whose last line happens to fill the
    cell exactly cannot show its break (it looks like a wrap: see pdf_text._is_paragraph_break), so a
    break may be missed — never invented."""
    if got is None or want is None:
        return got == want
    return got.replace("\n", "") == want.replace("\n", "") and _breaks(got) <= _breaks(want)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
)  # no shrinking: the suite stays short
@given(
    seed=st.integers(0, 10_000),
    name=_PARA,
    org=_PARA,
    purpose=_LONG,
    experts=_LONG,
    contact=_PARA,
    fax=st.one_of(st.none(), st.from_regex(r"0[0-9]{2,3}-[0-9]{7,8}", fullmatch=True)),
)
def test_random_values_round_trip(
    seed: int, name: str, org: str, purpose: str, experts: str, contact: str, fax: str | None
) -> None:
    fields: dict[str, Any] = copy.deepcopy(sample_fields(seed))
    fields["project_name"] = _clean(name)
    fields["applicant"]["name"] = _clean(org)
    fields["purpose"] = _clean(purpose)
    fields["experts"] = _clean(experts)
    fields["organizer"]["contact"] = _clean(contact)
    fields["applicant"]["fax"] = fax
    got = parse_pdf(pdf_from_fields(fields), "p.pdf").fields.to_json()
    assert got["project_name"] == fields["project_name"]
    assert got["applicant"]["name"] == fields["applicant"]["name"]
    assert _same_paragraphs(got["purpose"], fields["purpose"])
    assert _same_paragraphs(got["experts"], fields["experts"])
    assert got["organizer"]["contact"] == fields["organizer"]["contact"]
    assert got["applicant"]["fax"] == fax
    assert got["funding_type"] == fields["funding_type"] and got["scope"] == fields["scope"]
