"""Review rules: every flag code reachable, edges of the deadline, supersession, rules version."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.documents import FormGroup, ParsedForm, PdfInfo, Problem, Seal
from core.fields import FormFields
from core.flags import SPECS, Flag, describe
from intake.review import (
    DEFAULT_REQUIRED_FIELDS,
    RULES_VERSION,
    FormKey,
    Rules,
    default_rules,
    explain_change,
    field_label,
    form_flags,
    form_level,
    message_flags,
    normalise_project,
    normalise_unit,
    superseded_flag,
    supersessions,
    training_days,
)

BJ = ZoneInfo("Asia/Shanghai")
RULES = default_rules()


def complete_fields() -> dict[str, Any]:
    party = {
        "name": "湖北省某某研究院",
        "contact": "张三",
        "office_phone": "027-87654321",
        "mobile": "13800000000",
        "fax": None,
        "address": "武汉市洪山区珞喻路1号",
    }
    return {
        "project_name": "长江流域综合治理高级研修班",
        "declared_org": "湖北省某某研究院",
        "declared_date": "2024-12-15",
        "training_dates": "2025年6月9日至6月13日",
        "training_start": "2025-06-09",
        "training_end": "2025-06-13",
        "training_location": "武汉",
        "industry_field": "水利",
        "industry_authority": "湖北省水利厅",
        "funding_type": "fiscal",
        "self_funding_source": None,
        "scope": {"national_strategy": True, "industry_demand": False, "digital_tech": False},
        "scope_notes": {"national_strategy": "长江经济带", "industry_demand": None, "digital_tech": None},
        "purpose": "提升专业技术人员能力",
        "content_and_format": "主题报告、现场教学",
        "experts": "院士1名",
        "trainees": "中高级职称人员50名",
        "applicant": dict(party),
        "organizer": {**party, "ce_base": "provincial", "ce_base_batch": None},
    }


def group(
    fields: dict[str, Any] | None = None,
    *,
    word: bool = True,
    pdf: bool = True,
    seal: str = "present",
    problems: tuple[Problem, ...] = (),
    word_problems: tuple[Problem, ...] = (),
) -> FormGroup:
    typed = FormFields.from_json(complete_fields() if fields is None else fields)
    w = ParsedForm("申报表.docx", "docx", True, typed, problems=word_problems) if word else None
    info = PdfInfo(pages=3, text_layer=True, scanned=False, seal=Seal(seal))
    p = ParsedForm("申报表.pdf", "pdf", True, typed, pdf=info) if pdf else None
    return FormGroup(word=w, pdf=p, fields=typed, problems=problems)


def codes(flags: list[Flag]) -> list[str]:
    return [f.code for f in flags]


def mflags(received_at: datetime, **kw: Any) -> list[Flag]:
    args: dict[str, Any] = {
        "received_at": received_at,
        "date_parsed": None,
        "n_attachments": 2,
        "n_forms": 1,
        "unreadable": (),
        "big_links": (),
        "rules": RULES,
    }
    args.update(kw)
    return message_flags(**args)


# ------------------------------------------------------------------ late


def test_last_second_is_on_time_and_next_second_is_late() -> None:
    assert "late" not in codes(mflags(datetime(2024, 12, 17, 23, 59, 59, tzinfo=BJ)))
    late = mflags(datetime(2024, 12, 18, 0, 0, 1, tzinfo=BJ))
    assert codes(late) == ["late"]
    assert late[0].detail == "2024-12-18 00:00"


def test_utc_receipt_on_deadline_day_is_late_and_shown_in_beijing_time() -> None:
    # 16:30 UTC on the 17th is 00:30 on the 18th in Beijing.
    flags = mflags(datetime(2024, 12, 17, 16, 30, tzinfo=UTC))
    assert Flag("late", "2024-12-18 00:30") in flags
    assert "late" not in codes(mflags(datetime(2024, 12, 17, 15, 30, tzinfo=UTC)))


def test_naive_receipt_time_is_refused_not_guessed() -> None:
    # A naive 16:30 (UTC host-local from imapclient) would look on time against 23:59:59.
    with pytest.raises(ValueError, match="timezone-aware"):
        mflags(datetime(2024, 12, 17, 16, 30))
    with pytest.raises(ValueError):
        Rules(deadline=datetime(2024, 12, 17, 23, 59, 59), tz=BJ, training_end_limit=date(2025, 10, 31))


def test_late_mail_applies_to_every_form() -> None:
    flags = mflags(datetime(2024, 12, 18, 0, 5, tzinfo=BJ), unreadable=[("a.docx", "文件已损坏")])
    assert codes(form_level(flags)) == ["late"]
    assert "逾期" in describe(form_level(flags)[0]) and "2024-12-18 00:05" in describe(flags[0])


# ------------------------------------------------------------------ other message flags


def test_no_attachment_and_no_form_found() -> None:
    on_time = datetime(2024, 12, 16, 10, 0, tzinfo=BJ)
    assert codes(mflags(on_time, n_attachments=0, n_forms=0)) == ["no_attachment"]
    assert codes(mflags(on_time, n_attachments=1, n_forms=0)) == ["no_form_found"]
    assert mflags(on_time) == []


def test_unreadable_attachment_per_item_and_big_link_is_not_no_attachment() -> None:
    on_time = datetime(2024, 12, 16, 10, 0, tzinfo=BJ)
    flags = mflags(on_time, unreadable=[("a.docx", "文件已损坏"), ("b.rar", "需要密码")])
    assert [f.detail for f in flags if f.code == "unreadable_attachment"] == [
        "a.docx: 文件已损坏",
        "b.rar: 需要密码",
    ]
    link = "https://mail.163.com/large-attachment-download/index.html?p=X"
    flags = mflags(on_time, n_attachments=0, n_forms=0, big_links=[link])
    assert flags == [Flag("big_attachment_link", link)]


def test_date_header_mismatch_beyond_margin_only() -> None:
    received = datetime(2024, 12, 18, 0, 30, tzinfo=BJ)
    close = received - timedelta(minutes=5)
    lying = datetime(2024, 12, 17, 14, 0, tzinfo=UTC)  # claims 22:00 Beijing
    assert "date_header_mismatch" not in codes(mflags(received, date_parsed=close))
    flags = mflags(received, date_parsed=lying)
    assert codes(flags) == ["late", "date_header_mismatch"]
    assert "22:00" in flags[1].detail and "00:30" in flags[1].detail
    wide = default_rules(date_header_margin=timedelta(hours=3))
    assert "date_header_mismatch" not in codes(mflags(received, date_parsed=lying, rules=wide))


# ------------------------------------------------------------------ form flags


def test_complete_form_has_no_flags() -> None:
    assert form_flags(group(), RULES) == []


def test_missing_word_and_missing_pdf() -> None:
    assert codes(form_flags(group(word=False), RULES)) == ["missing_word"]
    assert codes(form_flags(group(pdf=False), RULES)) == ["missing_pdf"]


def test_missing_field_detail_is_the_form_label() -> None:
    fields = complete_fields()
    fields["training_location"] = "  "
    fields["applicant"]["contact"] = None
    flags = form_flags(group(fields), RULES)
    details = [f.detail for f in flags if f.code == "missing_field"]
    assert details == [field_label("training_location"), field_label("applicant.contact")]
    assert "办班地点" in details[0] and "联系人" in details[1] and "申报单位" in details[1]


def test_required_fields_config_is_honoured() -> None:
    fields = complete_fields()
    fields["experts"] = None
    fields["applicant"]["fax"] = None
    assert "missing_field" in codes(form_flags(group(fields), RULES))
    relaxed = default_rules(required_fields=tuple(f for f in DEFAULT_REQUIRED_FIELDS if f != "experts"))
    assert "missing_field" not in codes(form_flags(group(fields), relaxed))
    strict = default_rules(required_fields=(*DEFAULT_REQUIRED_FIELDS, "applicant.fax"))
    assert [f.detail for f in form_flags(group(fields), strict)] == [
        field_label("experts"),
        field_label("applicant.fax"),
    ]


def test_phone_is_one_of_office_or_mobile() -> None:
    fields = complete_fields()
    fields["applicant"]["office_phone"] = None
    assert form_flags(group(fields), RULES) == []
    fields["applicant"]["mobile"] = ""
    flags = form_flags(group(fields), RULES)
    assert codes(flags) == ["missing_field"]
    assert "办公电话" in flags[0].detail and "手机" in flags[0].detail and "申报单位" in flags[0].detail


def test_phone_groups_can_be_explicit_paths() -> None:
    fields = complete_fields()
    fields["organizer"].update(office_phone=None, mobile=None)
    assert codes(form_flags(group(fields), RULES)) == ["missing_field"]
    only_applicant = default_rules(phone_any_of=("applicant.office_phone|applicant.mobile",))
    assert form_flags(group(fields), only_applicant) == []


def test_funding_type_rules() -> None:
    fields = complete_fields()
    fields["funding_type"] = None
    listed = default_rules(required_fields=(*RULES.required_fields, "funding_type"))
    assert codes(form_flags(group(fields), listed)) == ["funding_type_missing"]  # listed, yet reported once
    assert codes(form_flags(group(fields), RULES)) == ["funding_type_missing"]
    multi = group(fields, word_problems=(Problem("funding_type_multiple", "财政资助项目 / 自筹经费项目"),))
    assert codes(form_flags(multi, RULES)) == ["funding_type_multiple"]
    fields["funding_type"] = "self_funded"
    assert codes(form_flags(group(fields), RULES)) == ["self_funding_source_missing"]
    fields["self_funding_source"] = "单位自有资金"
    assert form_flags(group(fields), RULES) == []


def test_scope_missing() -> None:
    fields = complete_fields()
    fields["scope"] = {"national_strategy": False, "industry_demand": False, "digital_tech": False}
    assert codes(form_flags(group(fields), RULES)) == ["scope_missing"]
    fields["scope"] = None
    assert codes(form_flags(group(fields), RULES)) == ["scope_missing"]


def test_training_dates_unparsed_and_after_limit() -> None:
    fields = complete_fields()
    fields.update(training_dates="明年下半年", training_start=None, training_end=None)
    assert form_flags(group(fields), RULES) == [Flag("training_dates_unparsed", "明年下半年")]
    fields.update(
        training_dates="2025年10月28日-11月1日", training_start="2025-10-28", training_end="2025-11-01"
    )
    assert form_flags(group(fields), RULES) == [Flag("training_after_deadline", "2025-11-01")]
    fields.update(training_end="2025-10-31")
    assert form_flags(group(fields), RULES) == []


def test_training_length_only_flagged_when_configured() -> None:
    fields = complete_fields()
    fields.update(training_start="2025-06-01", training_end="2025-06-10")
    assert form_flags(group(fields), RULES) == []
    strict = default_rules(expected_training_days={"min": 4, "max": 5})
    assert codes(form_flags(group(fields), strict)) == ["training_length_unusual"]
    assert codes(form_flags(group(), strict)) == []
    # Levels from the notice are "about" lengths: national 5, provincial 4 → 3..6 days accepted.
    levels = default_rules(expected_training_days={"national": 5, "provincial": 4})
    assert form_flags(group(fields), levels)[0].detail.startswith("10 天")
    fields.update(training_end="2025-06-06")
    assert form_flags(group(fields), levels) == []
    fields.update(training_end="2025-06-07")
    assert codes(form_flags(group(fields), levels)) == ["training_length_unusual"]


def test_stamp_missing_and_unverifiable() -> None:
    assert form_flags(group(seal="absent"), RULES) == [Flag("stamp_missing", "申报表.pdf")]
    assert form_flags(group(seal="unknown"), RULES) == [Flag("stamp_unverifiable", "申报表.pdf")]
    assert form_flags(group(seal="not_checked"), RULES) == []


def test_scan_only_gives_one_flag_not_a_wall_of_missing_fields() -> None:
    scan = ParsedForm(
        "盖章扫描件.pdf", "pdf", True, pdf=PdfInfo(pages=2, text_layer=False, scanned=True, seal=Seal.PRESENT)
    )
    assert form_flags(FormGroup(word=None, pdf=scan, fields=FormFields()), RULES) == [
        Flag("missing_word"),
        Flag("scan_only", "盖章扫描件.pdf"),
    ]
    with_word = FormGroup(word=ParsedForm("a.docx", "docx", True), pdf=scan, fields=FormFields())
    assert "missing_field" in codes(form_flags(with_word, RULES))  # the Word file was readable


def test_pairing_and_parser_problems_are_carried() -> None:
    g = group(
        problems=(Problem("word_pdf_mismatch", "项目名称"),),
        word_problems=(Problem("missing_field", "传真"), Problem("weird_layout", "表格拆分")),
    )
    flags = form_flags(g, RULES)
    assert Flag("word_pdf_mismatch", "项目名称") in flags
    assert Flag("missing_field", "传真") in flags
    assert Flag("form_problem", "weird_layout: 表格拆分") in flags
    assert all(describe(f) for f in flags)  # every code is in the catalogue


def test_empty_fields_do_not_crash() -> None:
    flags = form_flags(FormGroup(word=None, pdf=None, fields=FormFields()), RULES)
    expected = {"missing_word", "missing_pdf", "missing_field", "funding_type_missing", "scope_missing"}
    assert expected <= set(codes(flags))


def test_training_days_inclusive() -> None:
    def days(start: str, end: str | None) -> int | None:
        return training_days(FormFields.from_json({"training_start": start, "training_end": end}))

    assert days("2025-06-09", "2025-06-13") == 5
    assert days("2025-06-09", "2025-06-09") == 1
    assert days("2025-06-30", "2025-07-03") == 4
    assert days("2025-06-09", None) is None
    assert days("2025-06-13", "2025-06-09") is None


# ------------------------------------------------------------------ supersession


def key(
    fid: str,
    msg: str,
    sender: str,
    day: int,
    org: str | None,
    project: str | None,
    applicant: str | None = None,
) -> FormKey:
    return FormKey(fid, msg, sender, datetime(2024, 12, day, 10, 0, tzinfo=BJ), org, project, applicant)


def test_same_unit_same_project_newer_supersedes_older() -> None:
    a = key("a", "m1", "x@163.com", 10, "湖北某某科技有限公司（盖章）", "数字技术高级研修班")
    b = key("b", "m2", "other@qq.com", 12, "湖北某某科技 有限公司", "数字技术 高级研修班")
    assert supersessions([a, b]) == {"a": "b"}


def test_full_width_and_noise_normalised() -> None:
    assert normalise_unit("湖北ＡＢＣ科技有限公司(盖章)") == normalise_unit("湖北abc科技")


def test_same_sender_same_project_is_enough() -> None:
    a = key("a", "m1", "张三 <ZS@163.com>", 10, "武汉大学", "智能制造研修班")
    b = key("b", "m2", "zs@163.com", 11, "武汉大学继续教育学院", "智能制造研修班")
    assert supersessions([a, b]) == {"a": "b"}


def test_different_projects_or_different_units_not_superseded() -> None:
    a = key("a", "m1", "x@163.com", 10, "甲单位", "智能制造研修班")
    b = key("b", "m2", "x@163.com", 11, "甲单位", "区块链研修班")
    c = key("c", "m3", "y@163.com", 12, "乙单位", "智能制造研修班")
    assert supersessions([a, b, c]) == {}
    assert (
        supersessions(
            [key("d", "m4", "x@163.com", 10, "甲", None), key("e", "m5", "x@163.com", 11, "甲", None)]
        )
        == {}
    )


def test_forms_of_one_mail_never_supersede_each_other() -> None:
    a = key("a", "m1", "rsj@163.com", 10, "甲单位", "智能制造研修班")
    b = key("b", "m1", "rsj@163.com", 10, "乙单位", "智能制造研修班")
    assert supersessions([a, b]) == {}


def test_chain_resolves_to_newest_in_any_order() -> None:
    a = key("a", "m1", "x@163.com", 10, "甲单位", "智能制造研修班")
    b = key("b", "m2", "y@qq.com", 11, "甲单位", "智能制造研修班")
    c = key("c", "m3", "y@qq.com", 13, "甲单位办公室", "智能制造研修班")  # linked to b by sender only
    expected = {"a": "c", "b": "c"}
    for perm in itertools.permutations([a, b, c]):
        assert supersessions(list(perm)) == expected


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 4),
            st.sampled_from(["a@x.cn", "b@x.cn", "c@x.cn"]),
            st.sampled_from(["甲单位", "乙单位（盖章）", "", None]),
            st.sampled_from(["项目一", "项目 一", "项目二", None]),
            st.integers(1, 9),
        ),
        min_size=0,
        max_size=12,
    ),
    st.randoms(),
)
def test_supersession_invariants(rows: list[tuple[int, str, str | None, str | None, int]], rnd: Any) -> None:
    keys = [
        key(f"f{i}", f"m{msg}", sender, day + 9, org, project)
        for i, (msg, sender, org, project, day) in enumerate(rows)
    ]
    result = supersessions(keys)
    shuffled = list(keys)
    rnd.shuffle(shuffled)
    assert supersessions(shuffled) == result
    by_id = {k.form_id: k for k in keys}
    for old, new in result.items():
        a, b = by_id[old], by_id[new]
        assert a.message_key != b.message_key and a.received_at <= b.received_at
        assert normalise_project(a.project_name) == normalise_project(b.project_name) != ""
        assert new not in result  # chains resolve to the newest


def test_superseded_flag_names_newer_time() -> None:
    newer = key("b", "m2", "x@163.com", 12, "甲", "项目")
    assert superseded_flag(newer, RULES) == Flag("superseded", "新版于 2024-12-12 10:00 收到")


# ------------------------------------------------------------------ rules version


def test_rules_version_changes_with_any_parameter() -> None:
    base = default_rules()
    assert base.version.startswith(RULES_VERSION + "+")
    assert default_rules().version == base.version
    variants = [
        default_rules(deadline=datetime(2024, 12, 18, 23, 59, 59, tzinfo=BJ)),
        default_rules(training_end_limit=date(2025, 11, 30)),
        default_rules(required_fields=DEFAULT_REQUIRED_FIELDS[:-1]),
        default_rules(phone_any_of=()),
        default_rules(date_header_margin=timedelta(hours=3)),
        default_rules(expected_training_days={"min": 4, "max": 5}),
    ]
    versions = {v.version for v in variants}
    assert base.version not in versions and len(versions) == len(variants)


def test_explain_change_names_the_changed_parameter() -> None:
    old = default_rules()
    new = default_rules(training_end_limit=date(2025, 11, 30))
    lines = explain_change(old.version, old.params(), new)
    assert lines[0] == f"审核规则已更新：{old.version} → {new.version}"
    assert lines[1:] == ["办班完成期限：2025-10-31 → 2025-11-30"]
    assert explain_change(new.version, new.params(), new) == []
    assert len(explain_change("2024.12-r0+deadbeef", None, new)) == 1  # old parameters unknown
    fewer = default_rules(required_fields=old.required_fields[:-1])
    assert (
        explain_change(old.version, old.params(), fewer)[1] == "必填栏目：去掉 承办单位信息·是否继续教育基地"
    )


def test_naive_date_header_is_read_as_utc() -> None:
    received = datetime(2024, 12, 16, 10, 0, tzinfo=BJ)  # 02:00 UTC
    assert mflags(received, date_parsed=datetime(2024, 12, 16, 2, 0)) == []
    assert codes(mflags(received, date_parsed=datetime(2024, 12, 16, 10, 0))) == ["date_header_mismatch"]


def test_flag_catalogue_covers_every_code_review_emits() -> None:
    emitted = {
        "late",
        "no_attachment",
        "no_form_found",
        "unreadable_attachment",
        "big_attachment_link",
        "date_header_mismatch",
        "missing_word",
        "missing_pdf",
        "missing_field",
        "funding_type_missing",
        "funding_type_multiple",
        "self_funding_source_missing",
        "scope_missing",
        "training_after_deadline",
        "training_dates_unparsed",
        "stamp_missing",
        "stamp_unverifiable",
        "word_pdf_mismatch",
        "superseded",
        "training_length_unusual",
        "form_problem",
        "scan_only",
    }
    assert emitted <= set(SPECS)
