"""The [notify] section of config.toml: how receipts and 补正通知 are worded, drafted and (on purpose) sent.

The values and their defaults; intake.config checks the section like every other one (a wrong key or
value is a one-line ConfigError) and fills in the defaults that depend on the mailbox (the office's
address, the password variable), so the rest of the feature reads one resolved NotifyConfig.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

__all__ = [
    "ACTIONS",
    "DEFAULT_ACTIONS",
    "DEFAULT_LATE_TEXT",
    "UNKNOWN_ACTION",
    "NotifyConfig",
]

# What a notice does with a flag, per code:
#   fix        stated as a fact the applicant must correct (补正)
#   verify     worded "请核对": the evidence is uncertain (a box that could not be read, a seal not seen, OCR)
#   staff      not mentioned; the form is "received, staff will check" instead of 材料齐全
#   omit       not mentioned and no effect (context for reviewers only)
#   no_notice  the whole mail gets no notice (left to staff)
ACTIONS = ("fix", "verify", "staff", "omit", "no_notice")

DEFAULT_ACTIONS: Mapping[str, str] = {
    "late": "omit",  # worded by late_text, not as a fix item
    "missing_word": "fix",
    "missing_pdf": "fix",
    "missing_field": "fix",
    "funding_type_missing": "fix",
    "funding_type_multiple": "fix",
    "self_funding_source_missing": "fix",
    "scope_missing": "fix",
    "training_after_deadline": "fix",
    "no_attachment": "fix",
    "no_form_found": "fix",
    "unreadable_attachment": "fix",
    # detected automatically, could be wrong: the applicant is asked to check, not told
    "stamp_missing": "verify",
    "training_dates_unparsed": "verify",
    "word_pdf_mismatch": "verify",
    "choice_unclear": "verify",  # issue 11: a box that could not be read
    # what the office checks itself
    "stamp_unverifiable": "staff",
    "scan_only": "staff",
    "multiple_forms_in_pdf": "staff",
    "big_attachment_link": "staff",
    "form_problem": "staff",
    "training_length_unusual": "staff",
    "superseded": "omit",
    "completed": "omit",  # issue 11: a follow-up supplied the missing half; the joined form is what counts
    "merged": "omit",
    "component_missing": "staff",  # the office's server lacks a component: never the applicant's fault
    "message_too_large": "staff",
    "date_header_mismatch": "omit",
    "processing_failed": "no_notice",
}
# A code nobody configured (a newer parser's, an OCR value's): never stated as a fact.
UNKNOWN_ACTION = "staff"

DEFAULT_LATE_TEXT = (
    "您的邮件于 {{ received }}（北京时间，以邮件服务器收到时间为准）收到，已超过申报截止时间 {{ deadline }}。"
    "逾期材料是否受理，由我处研究后另行告知。"
)


@dataclass(frozen=True)
class NotifyConfig:
    mode: str = "draft"  # "draft": APPEND to the drafts folder | "smtp": send (only with --send / send)
    send: bool = False  # smtp mode: send without --send (cron)
    drafts_folder: str | None = None  # None: the folder flagged SPECIAL-USE \Drafts, else 草稿箱 / Drafts
    from_address: str = ""  # the office's address ("" until resolved from mailbox.username)
    from_name: str = "省人社厅专技处"
    office_addresses: tuple[str, ...] = ()  # other own addresses, never answered
    contact: str = ""  # the office's contact line at the end of every notice
    template: Path | None = None  # the office's own template; None: intake/templates/notice.txt.j2
    resubmit_deadline: datetime | None = None  # None: intake.deadline
    late_text: str = DEFAULT_LATE_TEXT  # jinja2 text; {{ received }}, {{ deadline }}
    actions: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_ACTIONS))
    smtp_host: str = "smtp.163.com"
    smtp_port: int = 465
    smtp_security: str = "ssl"  # "ssl" | "starttls"
    smtp_username: str = ""  # "" until resolved: from_address
    password_env: str = "INTAKE_IMAP_PASSWORD"  # the same 授权码 as IMAP unless set
    ca_file: Path | None = None
    verify_tls: bool = True
    timeout: float = 60.0

    def action(self, code: str) -> str:
        return self.actions.get(code, UNKNOWN_ACTION)

    @property
    def own_addresses(self) -> frozenset[str]:
        """Addresses whose mail is never answered (lower case)."""
        return frozenset(a.lower() for a in (self.from_address, *self.office_addresses) if a)
