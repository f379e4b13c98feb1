"""The catalogue of flags: a stable code for machines, a Chinese sentence for reviewers.

Every flag the pipeline can raise is listed here once.  `describe(flag)` gives the sentence a reviewer
reads in the workbook and the HTML summary; the export carries `code` and `detail`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True)
class Flag:
    """A finding for reviewers. `code` is stable (export); `describe` gives its Chinese sentence."""

    code: str
    detail: str = ""


class Severity(StrEnum):
    ERROR = "error"  # the application cannot be accepted as it is (late, no form, rule break)
    WARNING = "warning"  # a reviewer must look (missing field, no seal, mismatch)
    INFO = "info"  # context (superseded, date header differs)


@dataclass(frozen=True)
class FlagSpec:
    code: str
    title: str  # short Chinese label for a column or a count
    sentence: str  # Chinese sentence; "{detail}" is replaced by the flag's detail
    severity: Severity
    scope: str  # "message" | "form"


_SPECS = (
    FlagSpec(
        "late", "逾期", "逾期提交：邮件服务器收到时间为 {detail}，已过申报截止时间", Severity.ERROR, "message"
    ),
    FlagSpec("missing_word", "缺Word版", "缺少 Word 版申报表", Severity.WARNING, "form"),
    FlagSpec("missing_pdf", "缺PDF版", "缺少盖章扫描 PDF 版申报表", Severity.WARNING, "form"),
    FlagSpec("missing_field", "缺填项", "未填写：{detail}", Severity.WARNING, "form"),
    FlagSpec(
        "funding_type_missing",
        "未选项目类别",
        "申报项目类别未勾选（财政资助项目 / 自筹经费项目须选一项）",
        Severity.WARNING,
        "form",
    ),
    FlagSpec(
        "funding_type_multiple",
        "项目类别多选",
        "申报项目类别同时勾选了财政资助和自筹经费（仅可单选）",
        Severity.ERROR,
        "form",
    ),
    FlagSpec(
        "self_funding_source_missing",
        "未填自筹来源",
        "选择了自筹经费项目，但未填写自筹经费来源",
        Severity.WARNING,
        "form",
    ),
    FlagSpec(
        "choice_unclear",
        "勾选无法判断",
        "勾选无法确定，请核对：{detail}",
        Severity.WARNING,
        "form",
    ),
    FlagSpec("scope_missing", "未选选题范围", "是否符合选题范围：三项均未勾选", Severity.WARNING, "form"),
    FlagSpec(
        "training_after_deadline",
        "办班晚于期限",
        "办班结束日期 {detail} 晚于规定的完成期限",
        Severity.ERROR,
        "form",
    ),
    FlagSpec(
        "training_dates_unparsed",
        "办班时间无法识别",
        "办班时间无法识别：“{detail}”",
        Severity.WARNING,
        "form",
    ),
    FlagSpec("stamp_missing", "未见公章", "PDF 中未检测到红色公章{detail}", Severity.WARNING, "form"),
    FlagSpec(
        "stamp_unverifiable",
        "公章无法核验",
        "PDF 为黑白/灰度扫描或无法渲染，公章无法自动核验{detail}",
        Severity.INFO,
        "form",
    ),
    FlagSpec(
        "word_pdf_mismatch",
        "Word与PDF不一致",
        "Word 版与 PDF 版内容不一致：{detail}",
        Severity.WARNING,
        "form",
    ),
    FlagSpec(
        "superseded",
        "已被新版替代",
        "同一单位同一项目已重新提交，本条已被替代：{detail}",
        Severity.INFO,
        "form",
    ),
    FlagSpec(
        "completed",
        "已补齐",
        "缺少的 Word / PDF 已由后续邮件补发，合为一份申报：{detail}",
        Severity.INFO,
        "form",
    ),
    FlagSpec(
        "merged",
        "补发材料",
        "本邮件为补发材料，已并入同一申报：{detail}",
        Severity.INFO,
        "form",
    ),
    FlagSpec("no_attachment", "无附件", "邮件没有附件", Severity.ERROR, "message"),
    FlagSpec("no_form_found", "未找到申报表", "邮件附件中没有找到申报表{detail}", Severity.ERROR, "message"),
    FlagSpec("unreadable_attachment", "附件无法读取", "附件无法读取：{detail}", Severity.WARNING, "message"),
    FlagSpec(
        "date_header_mismatch",
        "发信时间不符",
        "邮件头的发信时间与服务器收到时间不符（以收到时间为准）：{detail}",
        Severity.INFO,
        "message",
    ),
    FlagSpec(
        "big_attachment_link",
        "超大附件链接",
        "邮件正文含超大附件下载链接，需人工下载（链接会过期）：{detail}",
        Severity.WARNING,
        "message",
    ),
    FlagSpec(
        "scan_only",
        "仅有扫描件",
        "只有 PDF 扫描件（无文字层），各栏目无法自动读取，请人工核对{detail}",
        Severity.WARNING,
        "form",
    ),
    FlagSpec(
        "ocr_read",
        "扫描件OCR识别",
        "只有扫描件，各栏目由 OCR 识别，请核对原件{detail}",
        Severity.WARNING,
        "form",
    ),
    FlagSpec(
        "training_length_unusual", "办班天数异常", "办班天数与通知要求不符：{detail}", Severity.INFO, "form"
    ),
    FlagSpec(
        "multiple_forms_in_pdf",
        "PDF含多份申报表",
        "PDF 中合并了多个单位的申报表（{detail}），只读取了第一份，其余请人工核对",
        Severity.WARNING,
        "form",
    ),
    FlagSpec("form_problem", "解析提示", "申报表解析提示：{detail}", Severity.INFO, "form"),
    FlagSpec(
        "processing_failed", "处理失败", "处理该邮件时出错，请人工查看：{detail}", Severity.ERROR, "message"
    ),
    # The office's side, not the applicant's: worded so that nobody reads it as "the unit sent nothing".
    FlagSpec(
        "component_missing",
        "需安装组件",
        "本机尚未安装 {detail}，相关附件暂未读取——这不是申报单位的问题；办公室安装该组件后，下次运行会自动重新处理本邮件",
        Severity.WARNING,
        "message",
    ),
    FlagSpec(
        "message_too_large",
        "邮件过大未下载",
        "邮件过大（{detail}），超过设置的上限，未下载处理，请在网页邮箱中查看；如需处理，请调高 max_message_mb 后重新运行",
        Severity.WARNING,
        "message",
    ),
)

SPECS: dict[str, FlagSpec] = {s.code: s for s in _SPECS}


def spec(code: str) -> FlagSpec:
    """The spec of a known code; an unknown code is a programming error and raises KeyError."""
    return SPECS[code]


def describe(flag: Flag) -> str:
    """The Chinese sentence for a flag, with its detail filled in."""
    text = spec(flag.code).sentence
    if "{detail}" in text:
        detail = flag.detail
        if (
            flag.code in ("stamp_missing", "stamp_unverifiable", "no_form_found", "scan_only", "ocr_read")
            and detail
        ):
            detail = f"（{detail}）"
        return text.replace("{detail}", detail)
    return f"{text}（{flag.detail}）" if flag.detail else text
