"""Row helpers: region and unit-type guesses, training length, display values, flag text, safe text."""

from __future__ import annotations

from datetime import date

import pytest

from core.fields import CeBase, FormFields, Funding, Unit
from core.flags import Flag
from reports.cells import clean_text, line_count, text_width
from reports.table import (
    FIELD_COLUMNS,
    display_value,
    flag_text,
    guess_region,
    guess_unit_type,
    training_days,
)


@pytest.mark.parametrize(
    ("name", "address", "expected"),
    [
        ("宜昌市中心人民医院", None, "宜昌市"),
        ("华中科技大学", "武汉市洪山区珞喻路1037号", "武汉市"),
        ("湖北省地质局", None, "省直"),
        ("湖北省人力资源和社会保障厅", "武汉市武昌区中北路", "省直"),  # a provincial department, in Wuhan
        ("湖北大学", "武汉市武昌区友谊大道368号", "省直"),
        ("湖北省武汉市第一中学", None, "武汉市"),
        ("恩施土家族苗族自治州林业局", None, "恩施州"),
        ("某某科技有限公司", None, "未知"),
        ("襄阳市农业科学院", "武汉市", "襄阳市"),  # the name wins over the address
    ],
)
def test_guess_region(name: str, address: str | None, expected: str) -> None:
    assert guess_region(FormFields(applicant=Unit(name=name, address=address))) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("武汉大学", "高等院校"),
        ("湖北省农业科学院", "科研院所"),
        ("东风汽车集团有限公司", "企业"),
        ("湖北省交通规划设计院股份有限公司", "企业"),
        ("宜昌市中心人民医院", "医疗卫生机构"),
        ("某某", "未知"),
    ],
)
def test_guess_unit_type(name: str, expected: str) -> None:
    assert guess_unit_type(FormFields(applicant=Unit(name=name))) == expected


def test_training_days_counts_both_ends_and_refuses_odd_dates() -> None:
    def days(start: str, end: str | None) -> int | None:
        return training_days(FormFields.from_json({"training_start": start, "training_end": end}))

    assert days("2025-05-12", "2025-05-16") == 5
    assert days("2025-05-16", "2025-05-12") is None
    assert days("5月12日", None) is None


def test_display_values() -> None:
    cols = {c.path: c for c in FIELD_COLUMNS}
    stored = FormFields.from_json(
        {"training_start": "2025-05-12", "training_end": "明年五月", "applicant": {"mobile": 13907171234}}
    )
    assert display_value(cols["training_start"], stored.training_start) == date(2025, 5, 12)
    assert display_value(cols["training_end"], stored.training_end) is None  # not a date: not kept as one
    assert display_value(cols["funding_type"], Funding.SELF_FUNDED) == "自筹经费项目"
    assert display_value(cols["scope.digital_tech"], True) == "☑ 是"
    assert display_value(cols["scope.digital_tech"], False) == "□ 否"
    assert display_value(cols["organizer.ce_base"], CeBase.NATIONAL) == "国家级继续教育基地"
    assert display_value(cols["applicant.mobile"], stored.applicant.mobile) == "13907171234"
    assert display_value(cols["purpose"], "") is None


def test_flag_text_uses_form_labels_and_survives_unknown_codes() -> None:
    assert flag_text(Flag("missing_field", "applicant.office_phone")) == "未填写：申报单位办公电话"
    assert flag_text(Flag("missing_field", "申报单位信息·联系人")) == "未填写：申报单位信息·联系人"
    assert flag_text(Flag("brand_new_code", "x")) == "其他问题：x"  # the code itself is on 技术信息


def test_clean_text_and_widths() -> None:
    assert clean_text("a\x00b\x0bc\ud800\ufffe\r\nd") == "ab\nc\nd"
    assert len(clean_text("长" * 40_000)) == 32_000
    assert text_width("申报abc") == 7 and text_width("ab\n申报表") == 6
    assert line_count("申" * 10, 10) == 2 and line_count("a\nb", 10) == 2
