"""Per form, a printable A4 review page (审核页/第0012号.html): every field in the form's own layout,
reviewer corrections marked with the machine's reading, the flags, the seal verdict, links to the Word
and PDF originals, and boxes for a handwritten decision — what a review meeting prints.

Plain HTML (jinja2, autoescaped, inline CSS, no scripts): opens in any browser from the workbook's row
link, prints on A4 (CSS @page), and works from any copy of the reports folder (relative links).  A page
is rewritten only when its text changed; pages of forms no longer listed are removed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import jinja2

from core.schema import SCOPE_OPTIONS
from reports.atomic import atomic_write_bytes
from reports.cells import chinese_date, clean_text, naive_local
from reports.projects import SEAL_LABELS, FormView
from reports.table import flag_text

__all__ = ["PAGES_DIR", "PageWriter", "page_path"]

PAGES_DIR = "审核页"
_MANIFEST = ".pages.json"  # page file → digest of what it shows
_PAGE_VERSION = 3  # bump when the template or the rendering of values changes
_TEMPLATES = Path(__file__).parent / "templates"


def page_path(number: int) -> str:
    """The page's path relative to the reports folder."""
    return f"{PAGES_DIR}/第{number:04d}号.html"


def href(path: str | None, up: int = 0) -> str | None:
    """A relative POSIX path as a link from a page `up` folders below the reports folder."""
    return quote("../" * up + path) if path else None


@dataclass(frozen=True)
class _Cell:
    text: str
    css: str = ""
    was: str = ""
    long: bool = False


def _text(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, date):
        return chinese_date(value)
    return clean_text(str(value))  # no control characters in HTML (a Word line break \x0b: a new line)


def _cell(v: FormView, path: str, long: bool = False) -> _Cell:
    value = v.shown.get(path)
    c = v.corrected.get(path)
    text = _text(value)
    css = "fix" if c is not None else ("" if text else "empty")
    return _Cell(text or "（未填写）", css, _text(c.machine) or "（空）" if c is not None else "", long)


_UNIT_KEYS = ("name", "contact", "office_phone", "mobile", "fax", "address")


def _unit(v: FormView, section: str) -> dict[str, _Cell | None]:
    out: dict[str, _Cell | None] = {k: _cell(v, f"{section}.{k}") for k in _UNIT_KEYS}
    out["ce_base"] = _cell(v, "organizer.ce_base") if section == "organizer" else None
    return out


@cache
def _template() -> jinja2.Template:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("review_page.html")


class PageWriter:
    """Writes the review pages of one regeneration under `out_dir`/审核页."""

    def __init__(self, out_dir: Path, *, tz: ZoneInfo, title: str, workbook_name: str) -> None:
        self.dir = out_dir / PAGES_DIR
        self.tz = tz
        self.title = title
        self.workbook_href = quote(f"../{workbook_name}")
        self.written: set[str] = set()
        self._old = self._load_manifest()
        self._new: dict[str, str] = {}

    def _load_manifest(self) -> dict[str, str]:
        try:
            data = json.loads((self.dir / _MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def _key(self, v: FormView) -> str:
        """What the page shows, as a digest: an unchanged page is neither rendered nor written."""
        m = v.row.message
        parts = (
            _PAGE_VERSION,
            self.title,
            self.workbook_href,
            v.number,
            tuple(v.shown.items()),
            tuple((p, c.machine) for p, c in sorted(v.corrected.items())),
            tuple(v.flags),
            v.status,
            v.row.form.pdf_seal,
            v.word,
            v.pdf,
            v.successor,
            m.received_at.isoformat(),
            m.sender,
        )
        return hashlib.blake2b(repr(parts).encode("utf-8", "replace"), digest_size=12).hexdigest()

    def context(self, v: FormView) -> dict[str, Any]:
        m = v.row.message
        fields = {p: _cell(v, p, long=p in _LONG) for p in _PATHS}
        scope = [
            {
                "box": "☑" if v.row.form.fields.get(f"scope.{o.value}") is True else "□",
                "name": o.name,
                "note": _cell(v, f"scope_notes.{o.value}"),
            }
            for o in SCOPE_OPTIONS
        ]
        word_name = v.word.rsplit("/", 1)[-1] if v.word else ""
        pdf_name = v.pdf.rsplit("/", 1)[-1] if v.pdf else ""
        return {
            "number": v.number,
            "title": self.title,
            "project": fields["project_name"].text,
            "declared_org": fields["declared_org"].text,
            "declared_date": fields["declared_date"].text,
            "f": fields,
            "scope": scope,
            "units": [("申报单位信息", _unit(v, "applicant")), ("承办单位信息", _unit(v, "organizer"))],
            "received": f"{chinese_date(naive_local(m.received_at, self.tz), time=True)}",
            "sender": m.sender,
            "status": v.status,
            "superseded": f"已被第 {v.successor} 号替代" if v.successor else "",
            "seal": "PDF公章：" + SEAL_LABELS.get(v.row.form.pdf_seal, "未检查"),
            "problems": [flag_text(f) for f in v.flags],
            "word_href": href(v.word, 1),
            "pdf_href": href(v.pdf, 1),
            "word_name": word_name,
            "pdf_name": pdf_name,
            "workbook_href": self.workbook_href,
        }

    def write(self, v: FormView) -> str:
        """Write (or leave as it is) the page of `v`; returns its path relative to the reports folder."""
        rel = page_path(v.number)
        target = self.dir.parent / rel
        key = self._key(v)
        if self._old.get(target.name) != key or not target.exists():
            page = _template().render(p=self.context(v)).encode("utf-8", "replace")
            atomic_write_bytes(target, page, durable=False)
        self._new[target.name] = key
        self.written.add(target.name)
        return rel

    def prune(self) -> None:
        """Remove pages of forms no longer listed (only files this writer names: 第NNNN号.html) and
        record what each page shows."""
        if not self.dir.is_dir():
            return
        atomic_write_bytes(self.dir / _MANIFEST, json.dumps(self._new, sort_keys=True).encode())
        for p in self.dir.glob("第*号.html"):
            if p.name not in self.written:
                p.unlink(missing_ok=True)


_LONG = ("purpose", "content_and_format", "experts", "trainees")
_PATHS = (
    "project_name",
    "declared_org",
    "declared_date",
    "training_dates",
    "training_location",
    "industry_field",
    "industry_authority",
    "funding_type",
    "self_funding_source",
    *_LONG,
)
