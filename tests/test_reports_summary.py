"""The HTML summary: escaping, counts, new/changed/flagged sections, self-contained output."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from core.flags import Flag
from reports.summary import render_summary, write_summary
from tests.test_reports_factory import TZ, make_form, make_message, make_run

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def _messages() -> list:
    ok = make_message(0)
    hostile = make_message(1, subject=HOSTILE, flags=(Flag("no_attachment"),), forms=(), attachments=())
    form = make_form(
        "INBOX/1/3", 2, flags=(Flag("missing_field", "applicant.mobile"),), project_name="<b>粗体</b>项目"
    )
    flagged = make_message(2, forms=(form,))
    failed = make_message(
        3,
        forms=(),
        attachments=(),
        outcome="failed",
        flags=(Flag("processing_failed", "x"),),
        subject="坏邮件\udcff",
    )
    return [ok, hostile, flagged, failed]


def test_hostile_subject_is_escaped() -> None:
    html = render_summary(_messages(), make_run(), tz=TZ)
    assert "<script>" not in html and "<img src=x" not in html and "<b>粗体" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "&lt;b&gt;粗体&lt;/b&gt;项目" in html


def test_sections_counts_and_new_changed() -> None:
    run = make_run(new=frozenset({"INBOX/1/1"}), changed=frozenset({"INBOX/1/3"}))
    html = render_summary(_messages(), run, tz=TZ)
    new = html.split("新收到的申报")[1].split("<h2>")[0]
    assert "数字经济与产业升级高级研修班0" in new and "粗体" not in new
    changed = html.split("本次有变化的申报")[1].split("<h2>")[0]
    assert "粗体" in changed and "研修班0" not in changed
    flagged = html.split("需要关注的申报表")[1].split("<h2>")[0]
    assert "未填写：申报单位手机" in flagged
    mails = html.split("有问题或处理失败的邮件")[1].split("<h2>")[0]
    assert "处理失败" in mails and "邮件没有附件" in mails
    assert re.search(r'<div class="n">4</div><div class="l">邮件总数', html)
    assert re.search(r'<div class="n">1</div><div class="l">处理失败邮件', html)


def test_written_self_contained(tmp_path: Path) -> None:
    out = tmp_path / "申报汇总.html"
    write_summary(out, _messages(), make_run(), tz=TZ)
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and 'charset="utf-8"' in html
    assert not re.search(r'(src|href)=["\']?(https?:)?//', html)  # nothing fetched from elsewhere
    assert "<script" not in html
    assert [p.name for p in tmp_path.iterdir()] == ["申报汇总.html"]


def test_links_the_workbook_beside_it(tmp_path: Path) -> None:
    out = tmp_path / "summary.html"
    write_summary(out, _messages(), make_run(), tz=TZ, workbook=tmp_path / "申报 汇总.xlsx")
    assert '<a href="%E7%94%B3%E6%8A%A5%20%E6%B1%87%E6%80%BB.xlsx">' in out.read_text(encoding="utf-8")
    write_summary(out, _messages(), make_run(), tz=TZ, workbook=tmp_path / "elsewhere" / "w.xlsx")
    assert '<a href="elsewhere/w.xlsx">' in out.read_text(encoding="utf-8")


def test_new_since_grouped_by_unit_with_links(tmp_path: Path) -> None:
    from reports.workbook import FormLinks

    second = replace(make_form("INBOX/1/3", 0), form_id="F0100")  # same unit, another project
    msgs = [make_message(0), make_message(1), make_message(2, forms=(second,))]
    links = {
        "F0000": FormLinks(
            7, "审核页/第0007号.html", "原件/单位/项目/申报表.docx", "原件/单位/项目/申报表.pdf"
        )
    }
    out = tmp_path / "summary.html"
    write_summary(
        out,
        msgs,
        make_run(),
        tz=TZ,
        workbook=tmp_path / "w.xlsx",
        links=links,
        new_keys=frozenset({"INBOX/1/1", "INBOX/1/3"}),
        new_since="12月11日 08:00 的运行",
    )
    html = out.read_text(encoding="utf-8")
    new = html.split("新收到的申报")[1].split("<h2>")[0]
    assert "自12月11日 08:00 的运行以来，2 份" in new
    # both forms of 宜昌市第0人民医院 under one unit cell; the other unit's form is not new
    assert new.count('class="unit"') == 1 and 'rowspan="2"' in new and "宜昌市第1人民医院" not in new
    assert 'href="%E5%AE%A1%E6%A0%B8%E9%A1%B5/%E7%AC%AC0007%E5%8F%B7.html"' in new
    assert new.count(".docx") == 1 and new.count(".pdf") == 1  # the form with archived originals
