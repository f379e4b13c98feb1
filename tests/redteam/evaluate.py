"""Run the product on the evaluation set as its users do and score what it says.

- Document tier: every document through `intake.parsing.parse_files` (what `intake parse` runs: .doc
  converted by LibreOffice, each file parsed in the worker pool), then the review rules on it alone
  (`pair_documents` + `form_flags`, as a run does for a mail carrying that one file).  Flags about the
  mail (missing_word / missing_pdf) are not counted here; the run tier counts them.
- Run tier: every case as a mail in a Maildir (tests.redteam.mails), one `intake run` (a subprocess with
  a config), scored on export.jsonl: each mail's forms and flags against the case's expectations.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from tests.redteam.build import documents
from tests.redteam.cases import CASES, Case
from tests.redteam.model import DOCUMENT_IGNORED, Expect, Score, score, squeeze

TZ = ZoneInfo("Asia/Shanghai")


def rules() -> Any:
    """The rules of config.example.toml (deadline, end of training, 5/4 days)."""
    from intake.review import Rules

    return Rules(
        deadline=datetime(2024, 12, 17, 23, 59, 59, tzinfo=TZ),
        tz=TZ,
        training_end_limit=date(2025, 10, 31),
        expected_training_days={"national": 5, "provincial": 4},
    )


@dataclass
class DocResult:
    name: str
    case: Case | None
    kind: str  # "word" | "pdf" | "negative"
    is_form: bool
    fields: dict[str, Any] | None
    flags: list[tuple[str, str]]
    score: Score
    error: str = ""


@dataclass
class Tier:
    results: list[DocResult] = field(default_factory=list)
    total: Score = field(default_factory=Score)
    negatives_ok: int = 0
    negatives_n: int = 0
    negatives_wrong: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def _flags_of(form: Any) -> list[tuple[str, str]]:
    from intake.review import form_flags
    from parsers.pairing import pair_documents

    pairing = pair_documents([*form.forms()])
    out: list[tuple[str, str]] = []
    for g in pairing.groups:
        out += [(f.code, f.detail) for f in form_flags(g, rules())]
    return out


def document_tier(folder: Path, only: Iterable[str] | None = None) -> Tier:
    """Parse every document of the set and score it alone."""
    from core.documents import DocumentError
    from intake.parsing import parse_files

    have = documents(folder)
    wanted = set(only) if only is not None else None
    jobs: list[tuple[str, Case | None, str, Path]] = []
    tier = Tier()
    for c in CASES:
        if wanted is not None and c.id not in wanted:
            continue
        for kind, name in (("word", f"{c.id}_w"), ("pdf", f"{c.id}_p")):
            if (kind == "word" and not c.word) or (kind == "pdf" and not c.pdf):
                continue
            path = next((p for n, p in have.items() if n.startswith(name + ".")), None)
            if path is None:
                tier.skipped.append(f"{name} ({c.word if kind == 'word' else c.pdf}: writer missing)")
                continue
            jobs.append((path.name, c, kind, path))
    if wanted is None:
        for n, p in have.items():
            if n.startswith("neg_"):
                jobs.append((n, None, "negative", p))
    results = parse_files([p for *_, p in jobs])
    for (name, c, kind, _), (_doc, outcome) in zip(jobs, results, strict=True):
        if isinstance(outcome, DocumentError):
            res = DocResult(
                name,
                c,
                kind,
                False,
                None,
                [],
                Score(),
                error=outcome.reason if hasattr(outcome, "reason") else str(outcome),
            )
        else:
            fields = outcome.fields.to_json() if outcome.is_form else None
            flags = _flags_of(outcome) if outcome.is_form else []
            res = DocResult(name, c, kind, outcome.is_form, fields, flags, Score())
        if c is None:
            tier.negatives_n += 1
            if not res.is_form:
                tier.negatives_ok += 1
            else:
                tier.negatives_wrong.append(f"{name}: read as a 申报表")
            tier.results.append(res)
            continue
        expect = c.expect(has_word=kind == "word", has_pdf=kind == "pdf")
        if not res.is_form:
            # a form not recognised: every field wrong, every flag missed
            res.score = score(name, expect, None, [], ignore_codes=DOCUMENT_IGNORED)
            res.score.wrong_fields.insert(0, f"{name}: not read as a 申报表 ({res.error or 'is_form false'})")
        else:
            res.score = score(name, expect, res.fields, res.flags, ignore_codes=DOCUMENT_IGNORED)
        tier.total.add(res.score)
        tier.results.append(res)
    return tier


# ---------------------------------------------------------------- run tier


@dataclass(frozen=True)
class MailExpect:
    """What one mail of the run tier should come out as."""

    key: str  # the mail's file name in the Maildir
    forms: tuple[tuple[str, Expect], ...]  # (project name as written, expectation) per form
    message_flags: frozenset[str] = frozenset()
    superseded: tuple[str, ...] = ()  # projects of this mail replaced by a later mail


def run_intake(maildir: Path, work: Path) -> Path:
    """`intake run` on the Maildir with a config like config.example.toml; the export's path."""
    data = work / "data"
    config = work / "config.toml"
    config.write_text(
        f"""[mailbox]
kind = "maildir"
path = "{maildir}"
folders = ["INBOX"]

[intake]
deadline = "2024-12-17T23:59:59+08:00"
timezone = "Asia/Shanghai"
training_end_limit = "2025-10-31"
data_dir = "{data}"

[rules.expected_training_days]
national = 5
provincial = 4

[report]
workbook = "{data}/申报汇总.xlsx"
summary_html = "{data}/summary.html"
export_jsonl = "{data}/export.jsonl"
""",
        encoding="utf-8",
    )
    exe = Path(sys.executable).parent / "intake"
    env = {**os.environ, "INTAKE_IMAP_PASSWORD": "unused"}
    proc = subprocess.run(
        [str(exe), "run", "--quiet", "--config", str(config)],
        capture_output=True,
        text=True,
        env=env,
        timeout=1800,
    )
    if proc.returncode not in (0, 3):
        raise RuntimeError(f"intake run failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return data / "export.jsonl"


def _name_key(name: str | None) -> str:
    return squeeze(name or "") or ""


def run_tier(export: Path, expects: list[MailExpect], by_key: dict[str, str]) -> Tier:
    """Score export.jsonl.  `by_key`: the Maildir file name → its Message-ID (to find each mail)."""
    tier = Tier()
    rows = [json.loads(line) for line in export.read_text(encoding="utf-8").splitlines() if line.strip()]
    by_mid = {r["message_id"]: r for r in rows}
    for exp in expects:
        row = by_mid.get(by_key[exp.key])
        name = exp.key
        if row is None:
            s = Score()
            s.wrong_fields.append(f"{name}: mail missing from the export")
            tier.total.add(s)
            continue
        msg_flags = [(f["code"], f.get("detail", "")) for f in row.get("flags", [])]
        s = score(name, Expect({}, frozenset((c, "") for c in exp.message_flags)), {}, msg_flags)
        tier.total.add(s)
        forms = list(row.get("forms", []))
        for project, e in exp.forms:
            match = next(
                (
                    f
                    for f in forms
                    if _name_key((f.get("fields") or {}).get("project_name")) == _name_key(project)
                ),
                None,
            )
            if match is None and len(forms) == 1 and len(exp.forms) == 1:
                match = forms[0]
            if match is None:
                s = score(f"{name}/{project}", e, None, [])
                s.wrong_fields.insert(0, f"{name}: no form for {project}")
                tier.total.add(s)
                continue
            forms.remove(match)
            flags = [(f["code"], f.get("detail", "")) for f in match.get("flags", [])]
            if (
                project in exp.superseded
                and not match.get("superseded_by")
                and not any(c == "superseded" for c, _ in flags)
            ):
                flags.append(("not_superseded", ""))
            s = score(f"{name}/{project}", e, match.get("fields"), flags)
            tier.total.add(s)
            tier.results.append(DocResult(name, None, "mail", True, match.get("fields"), flags, s))
        for extra in forms:  # forms nobody expected (a cover letter read as a form ...)
            s = Score()
            for f in extra.get("flags", []):
                s.flags_fp += 1
                s.false_flags.append(f"{name}: {f['code']} on an unexpected form {extra.get('sources')}")
            s.wrong_fields.append(f"{name}: unexpected form {extra.get('sources')}")
            tier.total.add(s)
    return tier
