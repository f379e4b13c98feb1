"""Next year's call is a config edit: a second schema variant loaded from `[notice]` reads a form the
default schema reads differently (a relabelled row, dates without a year), and the rules record it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from intake.config import ConfigError, build_config, load_config
from intake.run import build_rules
from parsers.docx_form import parse_docx
from tests.test_docx_layouts import docx, p, tbl, tc, tr

NEXT_YEAR = """
[mailbox]
kind = "maildir"
path = "mail"

[intake]
deadline = "2025-12-20T23:59:59+08:00"
training_end_limit = "2026-10-31"

[notice]
year = 2026
title = "专业技术人员知识更新工程2026年高级研修项目申请书"

[notice.labels]
project_name = ["培训项目名称"]
"organizer.name" = ["承办单位全称"]
"""

# A 2026 form: a title without the year in it, a relabelled row, 办班时间 written without a year.
FORM = docx(
    p("高级研修项目申请书"),
    p("申报单位：湖北省农业科学院"),
    tbl(
        tr(tc("培训项目名称"), tc("现代种业创新高级研修班", span=3)),
        tr(tc("办班时间"), tc("6月16日至20日"), tc("办班地点"), tc("武汉市")),
        tr(tc("选题所属行业领域"), tc("农业"), tc("选题所属行业主管部门"), tc("湖北省农业农村厅")),
        tr(tc("申报项目类别"), tc("☑财政资助项目  □自筹经费项目", span=3)),
        tr(tc("研修目的和作用"), tc("提升能力", span=3)),
        tr(tc("培训对象"), tc("中高级职称人员", span=3)),
    ),
)


def test_a_second_schema_variant_from_the_config(tmp_path: Path) -> None:
    (tmp_path / "mail").mkdir()
    (tmp_path / "config.toml").write_text(NEXT_YEAR, encoding="utf-8")
    config = load_config(tmp_path / "config.toml")
    assert config.schema.notice.year == 2026
    assert "培训项目名称" in config.schema.by_key["project_name"].labels

    next_year = parse_docx(FORM, "申请书.docx", config.schema)
    assert next_year.is_form and next_year.fields.project_name == "现代种业创新高级研修班"
    assert (next_year.fields.training_start, next_year.fields.training_end) == (
        date(2026, 6, 16),
        date(2026, 6, 20),
    )

    this_year = parse_docx(FORM, "申请书.docx")  # the built-in 2025 schema
    assert this_year.fields.project_name is None  # the relabelled row is not known
    assert this_year.fields.training_start == date(2025, 6, 16)

    default = build_config(
        {
            "mailbox": {"kind": "maildir", "path": "mail"},
            "intake": {"deadline": "2025-12-20T23:59:59+08:00", "training_end_limit": "2026-10-31"},
        },
        base_dir=tmp_path,
    )
    assert build_rules(config).version != build_rules(default).version  # a rerun re-reads the forms


@pytest.mark.parametrize(
    ("notice", "key"),
    [
        ({"year": 1999}, "notice.year"),
        ({"labels": {"no_such_field": ["x"]}}, "notice.labels.no_such_field"),
        ({"labels": {"training_start": ["开始"]}}, "notice.labels.training_start"),  # a part has no label
        ({"title": ""}, "notice.title"),
    ],
)
def test_bad_notice_keys_are_named(tmp_path: Path, notice: dict[str, object], key: str) -> None:
    data = {
        "mailbox": {"kind": "maildir", "path": "mail"},
        "intake": {"deadline": "2025-12-20T23:59:59+08:00", "training_end_limit": "2026-10-31"},
        "notice": notice,
    }
    with pytest.raises(ConfigError) as err:
        build_config(data, base_dir=tmp_path)
    assert err.value.key == key


def test_required_fields_must_be_schema_keys(tmp_path: Path) -> None:
    data = {
        "mailbox": {"kind": "maildir", "path": "mail"},
        "intake": {"deadline": "2025-12-20T23:59:59+08:00", "training_end_limit": "2026-10-31"},
        "rules": {"required_fields": ["project_name", "applicant.mobil"]},
    }
    with pytest.raises(ConfigError, match=r"applicant\.mobil") as err:
        build_config(data, base_dir=tmp_path)
    assert err.value.key == "rules.required_fields"
