"""What intake remembers: SQLite in data_dir, plus every file archived once under its content hash.

Layout of data_dir:
  intake.sqlite                 messages, attachments, forms, flags, runs, folder_state, files
  files/<h[:2]>/<sha256><ext>   each attachment / archive member / raw mail, once; <ext> comes from the
                                sniffed kind through an allowlist — a name from a mail is never a path
                                (the original name lives only in the database)

Reviewers' work read back from the workbook (core.decisions.ReviewState: 受理号, decisions, corrections,
their own columns) is kept in review_forms / review_decisions / corrections, so it survives a lost or
replaced workbook and reaches the export.

Writes are idempotent: saving a message whose result is unchanged touches nothing (so a re-run leaves
every row as it was); a changed result replaces the message's attachments, forms and flags in one
transaction.  Each message is committed on its own, so a crash loses at most the message in flight.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from core.decisions import (
    Correction,
    Decision,
    ReviewState,
    WorkbookStamp,
    cell_from_json,
    cell_to_json,
)
from core.documents import SUFFIXES
from core.fields import FormFields
from core.flags import Flag
from core.records import AttachmentRecord, FormRecord, MessageRecord, RunInfo
from intake.models import MessageRef
from reports.atomic import file_mode

__all__ = [
    "DB_NAME",
    "EXT_BY_KIND",
    "FormRow",
    "RecordView",
    "RunEnd",
    "RunRecord",
    "Store",
    "StoreError",
    "StoredIdentity",
    "form_id_for",
]

_HEX64 = re.compile(r"[0-9a-f]{64}")  # a digest becomes part of a path: only ever plain hex
DB_NAME = "intake.sqlite"
SCHEMA_VERSION = 3  # 3: forms.meta (how each field was read, OCR confidence) and ocr_cache (issue 12)
# 2: the notices ledger (intake.ledger), forms.link_kind / completed_* (resubmission
# links) and the runs' outcome columns; created on open, older stores upgrade in place
BUSY_TIMEOUT_S = 30.0  # how long to wait for another program's lock on the database before giving up


class StoreError(Exception):
    """The store cannot be used (not an intake database, or from a newer version): fatal, exit 1."""


EXT_BY_KIND = {**SUFFIXES, "other": ".bin", "eml": ".eml"}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id INTEGER PRIMARY KEY AUTOINCREMENT,
    mode TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT,
    rules_version TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'running',
    n_new INTEGER NOT NULL DEFAULT 0, n_changed INTEGER NOT NULL DEFAULT 0, n_failed INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS messages (
    key TEXT PRIMARY KEY, folder TEXT NOT NULL, uidvalidity INTEGER NOT NULL, uid INTEGER NOT NULL,
    message_id TEXT, raw_sha256 TEXT NOT NULL, raw_path TEXT NOT NULL,
    sender TEXT NOT NULL, subject TEXT NOT NULL, received_at TEXT NOT NULL, date_header TEXT,
    outcome TEXT NOT NULL, rules_version TEXT NOT NULL, result_hash TEXT NOT NULL,
    first_run INTEGER, last_changed_run INTEGER, extra TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS messages_identity ON messages (message_id, raw_sha256);
CREATE INDEX IF NOT EXISTS messages_folder ON messages (folder, uidvalidity, uid);
CREATE TABLE IF NOT EXISTS attachments (
    message_key TEXT NOT NULL, pos INTEGER NOT NULL, filename TEXT NOT NULL, sha256 TEXT NOT NULL,
    kind TEXT NOT NULL, size INTEGER NOT NULL, status TEXT NOT NULL, detail TEXT NOT NULL,
    parent TEXT, archive_path TEXT, PRIMARY KEY (message_key, pos)
);
CREATE TABLE IF NOT EXISTS forms (
    form_id TEXT PRIMARY KEY, message_key TEXT NOT NULL, pos INTEGER NOT NULL, sources TEXT NOT NULL,
    fields TEXT NOT NULL, pdf_seal TEXT NOT NULL, superseded_by TEXT, superseded_detail TEXT,
    link_kind TEXT, completed_by TEXT, completed_detail TEXT, completed_extra TEXT,
    meta TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS forms_message ON forms (message_key, pos);
CREATE TABLE IF NOT EXISTS flags (
    message_key TEXT NOT NULL, form_id TEXT NOT NULL DEFAULT '', pos INTEGER NOT NULL,
    code TEXT NOT NULL, detail TEXT NOT NULL, PRIMARY KEY (message_key, form_id, pos)
);
CREATE TABLE IF NOT EXISTS folder_state (
    folder TEXT NOT NULL, uidvalidity INTEGER NOT NULL, last_uid INTEGER NOT NULL,
    PRIMARY KEY (folder, uidvalidity)
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS moved (
    old_key TEXT PRIMARY KEY, folder TEXT NOT NULL, uidvalidity INTEGER NOT NULL, uid INTEGER NOT NULL,
    message_key TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS waiting (
    message_key TEXT NOT NULL, component TEXT NOT NULL, PRIMARY KEY (message_key, component)
);
CREATE TABLE IF NOT EXISTS ocr_cache (
    sha256 TEXT NOT NULL, reader TEXT NOT NULL, mode TEXT NOT NULL, pages TEXT NOT NULL,
    PRIMARY KEY (sha256, reader)
);
CREATE TABLE IF NOT EXISTS files (
    sha256 TEXT NOT NULL, path TEXT NOT NULL, size INTEGER NOT NULL, kind TEXT NOT NULL,
    PRIMARY KEY (sha256, path)
);
CREATE TABLE IF NOT EXISTS notices (
    identity TEXT PRIMARY KEY, message_key TEXT NOT NULL, kind TEXT NOT NULL, form_version TEXT NOT NULL,
    notice_message_id TEXT NOT NULL, recipient TEXT NOT NULL, channel TEXT NOT NULL, status TEXT NOT NULL,
    folder TEXT, uid INTEGER, at TEXT NOT NULL, error TEXT NOT NULL DEFAULT '',
    attempts INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS review_forms (
    form_id TEXT PRIMARY KEY, number INTEGER NOT NULL, written TEXT
);
CREATE TABLE IF NOT EXISTS review_decisions (
    form_id TEXT PRIMARY KEY, level TEXT, opinion TEXT, reviewer TEXT, extra TEXT NOT NULL DEFAULT '[]',
    project_name TEXT NOT NULL DEFAULT '', declared_org TEXT NOT NULL DEFAULT '', removed_at TEXT
);
CREATE TABLE IF NOT EXISTS corrections (
    form_id TEXT NOT NULL, path TEXT NOT NULL, value TEXT, machine TEXT, by TEXT NOT NULL DEFAULT '',
    at TEXT, PRIMARY KEY (form_id, path)
);
"""


# Columns added to `runs` after schema 1 (added in place when missing; older versions ignore them).
_RUN_COLUMNS = (
    ("exit_code", "INTEGER"),
    ("fault", "TEXT"),  # intake.faults kind of the error that ended the run
    ("error", "TEXT"),  # its one-line message
    ("n_listed", "INTEGER NOT NULL DEFAULT 0"),
    ("n_processed", "INTEGER NOT NULL DEFAULT 0"),
    ("n_skipped", "INTEGER NOT NULL DEFAULT 0"),
)


@dataclass(frozen=True)
class RunRecord:
    """One row of `runs`, for `intake status`."""

    run_id: int
    mode: str
    started_at: datetime
    finished_at: datetime | None
    status: str  # running | ok | failed | aborted | fatal
    exit_code: int | None
    fault: str | None
    error: str | None
    n_new: int
    n_changed: int
    n_failed: int
    n_listed: int
    n_processed: int
    n_skipped: int


@dataclass(frozen=True)
class RunEnd:
    """How a run ended, as recorded by finish_run."""

    status: str
    exit_code: int
    n_new: int = 0
    n_changed: int = 0
    n_failed: int = 0
    n_listed: int = 0
    n_processed: int = 0
    n_skipped: int = 0
    fault: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class StoredIdentity:
    key: str
    raw_sha256: str
    rules_version: str


@dataclass(frozen=True)
class FormRow:
    """What review.supersessions needs of a stored form."""

    form_id: str
    message_key: str
    sender: str
    received_at: datetime
    fields: FormFields
    subject: str = ""
    sources: tuple[str, ...] = ()
    pdf_seal: str = "not_checked"
    flags: tuple[tuple[str, str], ...] = ()  # (code, detail) as stored


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def form_id_for(message_id: str | None, raw_sha256: str, sources: Sequence[str], pos: int) -> str:
    """Stable across re-runs and UIDVALIDITY changes: the mail's identity plus the form's documents."""
    text = "\0".join([message_id or "", raw_sha256, "\x1f".join(sources), str(pos)])
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:20]


class Store:
    """The SQLite store of one data_dir (created on first use)."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.db_path = self.data_dir / DB_NAME
        self.db = sqlite3.connect(self.db_path, timeout=BUSY_TIMEOUT_S)
        self._check_version()
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA foreign_keys=ON")
        with self.db:
            self.db.executescript(_SCHEMA)
            self._add_columns()
            self.db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def _add_columns(self) -> None:
        """A store written by schema 1 gains the resubmission-link columns (empty: recomputed each run) and
        the runs' outcome columns."""
        have = {row[1] for row in self.db.execute("PRAGMA table_info(forms)")}
        for column in ("link_kind", "completed_by", "completed_detail", "completed_extra"):
            if column not in have:
                self.db.execute(f"ALTER TABLE forms ADD COLUMN {column} TEXT")
        present = {row[1] for row in self.db.execute("PRAGMA table_info(runs)")}
        for name, decl in _RUN_COLUMNS:
            if name not in present:
                self.db.execute(f"ALTER TABLE runs ADD COLUMN {name} {decl}")
        if "meta" not in have:  # schema 3: how each field was read (ocr_cache comes from _SCHEMA)
            self.db.execute("ALTER TABLE forms ADD COLUMN meta TEXT NOT NULL DEFAULT '{}'")

    def _check_version(self) -> None:
        try:
            version = int(self.db.execute("PRAGMA user_version").fetchone()[0])
        except sqlite3.DatabaseError as err:
            self.db.close()
            raise StoreError(
                f"the store {self.db_path} is damaged or not an intake store (SQLite says: {err}): restore "
                "it from a backup, or move it aside and the next run rebuilds it from the mailbox"
            ) from err
        if version > SCHEMA_VERSION:
            self.db.close()
            raise StoreError(
                f"{self.db_path} was written by a newer intake (schema {version}); upgrade intake"
            )

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def copy_to(self, data_dir: Path) -> Store:
        """A full copy of the database in another data_dir (dry runs work on it). Files are not copied."""
        other = Store(data_dir)
        self.db.backup(other.db)
        return other

    # ---------------------------------------------------------------- files

    def archive(self, data: bytes, kind: str, sha256: str | None = None) -> str:
        """Write `data` once under its hash (`sha256` when the caller already has it); returns the path
        relative to data_dir."""
        digest = sha256 if sha256 and _HEX64.fullmatch(sha256) else hashlib.sha256(data).hexdigest()
        rel = self._file_path(digest, kind)
        target = self.data_dir / rel
        if not target.exists():
            with self._temp_file(target) as (fh, _tmp):
                fh.write(data)
        return self._record_file(digest, rel, len(data), kind)

    def archive_file(self, source: Path, kind: str, sha256: str, *, move: bool = False) -> str:
        """Archive a file already on disk (a large message's spool file) without reading it into memory;
        with `move` the source is renamed into place (it must be on the same file system, as data_dir/tmp
        is), else copied.  Returns the path relative to data_dir."""
        if not _HEX64.fullmatch(sha256):
            raise ValueError("not a sha256 hex digest")
        rel = self._file_path(sha256, kind)
        target = self.data_dir / rel
        size = source.stat().st_size
        if target.exists():
            if move:
                source.unlink()
        elif move:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.chmod(source, file_mode())
            os.replace(source, target)
        else:
            with self._temp_file(target) as (fh, _tmp), source.open("rb") as src:
                shutil.copyfileobj(src, fh, 1 << 20)
        return self._record_file(sha256, rel, size, kind)

    @staticmethod
    def _file_path(digest: str, kind: str) -> str:
        return f"files/{digest[:2]}/{digest}{EXT_BY_KIND.get(kind, '.bin')}"

    @contextmanager
    def _temp_file(self, target: Path) -> Iterator[tuple[Any, Path]]:
        """A temporary file in data_dir/tmp, moved to `target` when the block ends; removed, leaving
        nothing behind, when it fails (a full disk)."""
        tmp_dir = self.data_dir / "tmp"
        tmp_dir.mkdir(exist_ok=True)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=tmp_dir, prefix="archive-")
        tmp = Path(name)
        try:
            with os.fdopen(fd, "wb") as fh:
                yield fh, tmp
            os.chmod(tmp, file_mode())
            os.replace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def _record_file(self, digest: str, rel: str, size: int, kind: str) -> str:
        # No commit of its own: the row rides with the next message's transaction (the file is on disk
        # already; a row lost in a crash is re-added when the content is archived again).
        self.db.execute("INSERT OR IGNORE INTO files VALUES (?,?,?,?)", (digest, rel, size, kind))
        return rel

    # ---------------------------------------------------------------- OCR cache

    def ocr_pages(self, sha256: str, reader: str) -> tuple[str, list[Any]] | None:
        """(mode, pages as JSON) that `reader` (an OCR reader version) made of the file with this hash."""
        row = self.db.execute(
            "SELECT mode, pages FROM ocr_cache WHERE sha256=? AND reader=?", (sha256, reader)
        ).fetchone()
        return (row[0], json.loads(row[1])) if row else None

    def save_ocr_pages(self, sha256: str, reader: str, mode: str, pages: Sequence[Any]) -> None:
        """Remember a file's OCR (a full reading is never replaced by a header-only one)."""
        old = self.ocr_pages(sha256, reader)
        if old is not None and old[0] == "full" and mode != "full":
            return
        with self.db:
            self.db.execute(
                "INSERT OR REPLACE INTO ocr_cache VALUES (?,?,?,?)",
                (sha256, reader, mode, _dumps(list(pages))),
            )

    # ---------------------------------------------------------------- runs

    def start_run(self, mode: str, rules_version: str, started_at: datetime) -> int:
        with self.db:
            cur = self.db.execute(
                "INSERT INTO runs (mode, started_at, rules_version) VALUES (?,?,?)",
                (mode, started_at.isoformat(), rules_version),
            )
        return int(cur.lastrowid or 0)

    def finish_run(
        self,
        run_id: int,
        finished_at: datetime,
        *,
        status: str,
        n_new: int = 0,
        n_changed: int = 0,
        n_failed: int = 0,
        end: RunEnd | None = None,
    ) -> None:
        e = end or RunEnd(status, 0, n_new, n_changed, n_failed)
        with self.db:
            self.db.execute(
                "UPDATE runs SET finished_at=?, status=?, n_new=?, n_changed=?, n_failed=?, exit_code=?, "
                "fault=?, error=?, n_listed=?, n_processed=?, n_skipped=? WHERE run_id=?",
                (
                    finished_at.isoformat(),
                    e.status,
                    e.n_new,
                    e.n_changed,
                    e.n_failed,
                    e.exit_code if end is not None else None,
                    e.fault,
                    e.error,
                    e.n_listed,
                    e.n_processed,
                    e.n_skipped,
                    run_id,
                ),
            )

    def runs(self, mode: str | None = None, limit: int = 1000) -> list[RunRecord]:
        """The latest runs first (of `mode` only, when given)."""
        rows = self.db.execute(
            "SELECT run_id, mode, started_at, finished_at, status, exit_code, fault, error, n_new, n_changed, "
            "n_failed, n_listed, n_processed, n_skipped FROM runs WHERE (? IS NULL OR mode=?) "
            "ORDER BY run_id DESC LIMIT ?",
            (mode, mode, limit),
        )
        return [
            RunRecord(
                r[0],
                r[1],
                datetime.fromisoformat(r[2]),
                datetime.fromisoformat(r[3]) if r[3] else None,
                *r[4:],
            )
            for r in rows
        ]

    def last_run(self, *, changed_only: bool = False) -> RunInfo | None:
        """The latest run (with changed_only: the latest that stored something new or changed — what a
        rebuilt report should call "this run", since cron runs without new mail change nothing)."""
        where = "WHERE n_new > 0 OR n_changed > 0" if changed_only else ""
        row = self.db.execute(
            f"SELECT run_id, started_at, finished_at, rules_version FROM runs {where} ORDER BY run_id DESC LIMIT 1"
        ).fetchone()
        if row is None:
            return None
        new = self._keys("SELECT key FROM messages WHERE first_run=?", row[0])
        changed = self._keys("SELECT key FROM messages WHERE last_changed_run=?", row[0])
        failed = self._keys("SELECT key FROM messages WHERE outcome='failed' AND last_changed_run=?", row[0])
        return RunInfo(
            row[0],
            datetime.fromisoformat(row[1]),
            datetime.fromisoformat(row[2]) if row[2] else None,
            row[3],
            new,
            changed,
            failed,
        )

    def _keys(self, sql: str, *args: Any) -> frozenset[str]:
        return frozenset(r[0] for r in self.db.execute(sql, args))

    # ---------------------------------------------------------------- folder state

    def last_uid(self, folder: str, uidvalidity: int) -> int:
        row = self.db.execute(
            "SELECT last_uid FROM folder_state WHERE folder=? AND uidvalidity=?", (folder, uidvalidity)
        ).fetchone()
        return int(row[0]) if row else 0

    def set_last_uid(self, folder: str, uidvalidity: int, uid: int) -> None:
        with self.db:
            self.db.execute(
                "INSERT INTO folder_state VALUES (?,?,?) ON CONFLICT (folder, uidvalidity) "
                "DO UPDATE SET last_uid=max(last_uid, excluded.last_uid)",
                (folder, uidvalidity, uid),
            )

    def folder_state(self, folder: str) -> tuple[int, int] | None:
        """(uidvalidity, last_uid) most recently recorded for `folder`."""
        row = self.db.execute(
            "SELECT uidvalidity, last_uid FROM folder_state WHERE folder=? ORDER BY rowid DESC LIMIT 1",
            (folder,),
        ).fetchone()
        return (int(row[0]), int(row[1])) if row else None

    def known_uids(self, folder: str, uidvalidity: int) -> set[int]:
        """UIDs of stored messages in this folder, and of places stored messages have moved away from."""
        rows = self.db.execute(
            "SELECT uid FROM messages WHERE folder=? AND uidvalidity=? "
            "UNION SELECT uid FROM moved WHERE folder=? AND uidvalidity=?",
            (folder, uidvalidity, folder, uidvalidity),
        )
        return {int(r[0]) for r in rows}

    # ---------------------------------------------------------------- messages

    def get_identity(self, key: str) -> StoredIdentity | None:
        row = self.db.execute(
            "SELECT key, raw_sha256, rules_version FROM messages WHERE key=?", (key,)
        ).fetchone()
        return StoredIdentity(*row) if row else None

    def find_by_identity(
        self, message_id: str | None, raw_sha256: str, *, exclude: str | None = None
    ) -> str | None:
        """The key of a stored message with this Message-ID and these bytes (other than `exclude`): the
        same mail, wherever it was when it was stored (another folder, another UID or UIDVALIDITY)."""
        row = self.db.execute(
            "SELECT key FROM messages WHERE message_id IS ? AND raw_sha256=? AND key IS NOT ? ORDER BY key LIMIT 1",
            (message_id, raw_sha256, exclude),
        ).fetchone()
        return row[0] if row else None

    def rekey(self, old_key: str, ref: MessageRef) -> None:
        """Point a stored message at where it is now (moved to another configured folder, re-appended with
        a new UID, or a new UIDVALIDITY); results unchanged.  The old place is remembered as the same
        mail (`moved_to`), so a source that lists it again (a copy left behind) does not bring it back."""
        new_key = ref.key
        if new_key == old_key:
            return
        old = self.message_source(old_key)
        with self.db:
            self.db.execute(
                "UPDATE messages SET key=?, folder=?, uidvalidity=?, uid=? WHERE key=?",
                (new_key, ref.folder, ref.uidvalidity, ref.uid, old_key),
            )
            for table in ("attachments", "forms", "flags", "waiting"):
                self.db.execute(f"UPDATE {table} SET message_key=? WHERE message_key=?", (new_key, old_key))
            self.db.execute("UPDATE moved SET message_key=? WHERE message_key=?", (new_key, old_key))
            self.db.execute("DELETE FROM moved WHERE old_key=?", (new_key,))
            if old is not None:
                was = old[0]
                self.db.execute(
                    "INSERT OR REPLACE INTO moved VALUES (?,?,?,?,?)",
                    (old_key, was.folder, was.uidvalidity, was.uid, new_key),
                )
            self._mark_dirty()

    def moved_to(self, key: str) -> str | None:
        """The key of the stored message that was once at `key` and has moved since."""
        row = self.db.execute("SELECT message_key FROM moved WHERE old_key=?", (key,)).fetchone()
        return row[0] if row else None

    def save_message(
        self, record: MessageRecord, *, raw_sha256: str, raw_path: str, rules_version: str, run_id: int
    ) -> bool:
        """Insert or replace one message's results in one transaction; False when nothing changed."""
        result_hash = _result_hash(record)
        row = self.db.execute(
            "SELECT result_hash, first_run, raw_sha256, rules_version FROM messages WHERE key=?",
            (record.key,),
        ).fetchone()
        if row and (row[0], row[2], row[3]) == (result_hash, raw_sha256, rules_version):
            return False
        first_run = row[1] if row else run_id
        with self.db:
            self._delete_results(record.key)
            self.db.execute(
                "INSERT INTO messages VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    record.key,
                    record.folder,
                    record.uidvalidity,
                    record.uid,
                    record.message_id,
                    raw_sha256,
                    raw_path,
                    record.sender,
                    record.subject,
                    record.received_at.isoformat(),
                    record.date_header,
                    record.outcome,
                    rules_version,
                    result_hash,
                    first_run,
                    run_id,
                    _dumps(dict(record.extra)),
                ),
            )
            self._insert_results(record)
            self._mark_dirty()
        return True

    # ---------------------------------------------------------------- messages waiting for a component

    def set_waiting(self, key: str, components: Iterable[str]) -> None:
        """The optional components (intake.tools keys) the message's attachments wait for; none: it waits
        for nothing.  Committed with the message (call it inside save_message's transaction's run)."""
        with self.db:
            self.db.execute("DELETE FROM waiting WHERE message_key=?", (key,))
            self.db.executemany(
                "INSERT INTO waiting VALUES (?,?)", [(key, c) for c in sorted(set(components))]
            )

    def waiting(self, component: str | None = None) -> dict[str, list[str]]:
        """component → keys of the messages waiting for it (only `component`, when given)."""
        found: dict[str, list[str]] = {}
        rows = self.db.execute(
            "SELECT component, message_key FROM waiting WHERE ? IS NULL OR component=? ORDER BY message_key",
            (component, component),
        )
        for comp, key in rows:
            found.setdefault(comp, []).append(key)
        return found

    def message_source(self, key: str) -> tuple[MessageRef, datetime, str] | None:
        """Where a stored message was, its receipt time and its archived raw mail (relative path)."""
        row = self.db.execute(
            "SELECT folder, uidvalidity, uid, received_at, raw_path FROM messages WHERE key=?", (key,)
        ).fetchone()
        if row is None:
            return None
        return MessageRef(row[0], row[1], row[2]), datetime.fromisoformat(row[3]), row[4]

    def failed_count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM messages WHERE outcome='failed'").fetchone()[0])

    def _delete_results(self, key: str) -> None:
        for table, column in (
            ("messages", "key"),
            ("attachments", "message_key"),
            ("forms", "message_key"),
            ("flags", "message_key"),
        ):
            self.db.execute(f"DELETE FROM {table} WHERE {column}=?", (key,))

    def _insert_results(self, r: MessageRecord) -> None:
        self.db.executemany(
            "INSERT INTO attachments VALUES (?,?,?,?,?,?,?,?,?,?)",
            [
                (r.key, i, a.filename, a.sha256, a.kind, a.size, a.status, a.detail, a.parent, a.archive_path)
                for i, a in enumerate(r.attachments)
            ],
        )
        self.db.executemany(
            "INSERT OR REPLACE INTO forms VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [
                (f.form_id, r.key, i, _dumps(list(f.sources)), _dumps(f.fields.to_json()), f.pdf_seal)
                + (None,) * 6
                + (_dumps(_form_meta(f)),)
                for i, f in enumerate(r.forms)
            ],
        )
        rows = [(r.key, "", i, fl.code, fl.detail) for i, fl in enumerate(r.flags)]
        for f in r.forms:
            rows += [
                (r.key, f.form_id, i, fl.code, fl.detail)
                for i, fl in enumerate(f.flags)
                if fl.code not in _LINK_FLAGS
            ]  # supersession and completion are recomputed across the store
        self.db.executemany("INSERT INTO flags VALUES (?,?,?,?,?)", rows)

    # ---------------------------------------------------------------- supersessions

    def form_owner(self, form_id: str) -> str | None:
        """The key of the message that carries a form."""
        row = self.db.execute("SELECT message_key FROM forms WHERE form_id=?", (form_id,)).fetchone()
        return str(row[0]) if row else None

    def form_rows(self) -> list[FormRow]:
        rows = self.db.execute(
            "SELECT f.form_id, f.message_key, m.sender, m.received_at, f.fields, m.subject, f.sources, "
            "f.pdf_seal FROM forms f JOIN messages m ON m.key = f.message_key "
            "ORDER BY m.received_at, f.message_key, f.pos"
        )
        codes = _group(self.db.execute("SELECT form_id, code, detail FROM flags WHERE form_id != ''"))
        return [
            FormRow(
                r[0],
                r[1],
                r[2],
                datetime.fromisoformat(r[3]),
                FormFields.from_json(json.loads(r[4])),
                r[5],
                tuple(json.loads(r[6])),
                r[7],
                tuple((c[1], c[2]) for c in codes.get(r[0], ())),
            )
            for r in rows
        ]

    def set_supersessions(self, newer: Mapping[str, tuple[str, str]]) -> int:
        """Apply a full mapping form_id → (newer form_id, flag detail); forms not in it are current.
        Returns how many forms changed."""
        return self.set_links(
            {fid: ("superseded", other, detail, {}) for fid, (other, detail) in newer.items()}
        )

    def set_links(self, links: Mapping[str, tuple[str, str, str, Mapping[str, Any]]]) -> int:
        """Apply a full mapping form_id → (kind, other form_id, flag detail, extra) from
        intake.resubmission: "superseded" / "merged" (the form is no longer current; merged: it completed
        another), "completed" (extra: the follow-up's sources, seal and seal flags).  Forms not in it are
        current and whole.  Returns how many forms changed."""
        current = {
            r[0]: tuple(r[1:])
            for r in self.db.execute(
                "SELECT form_id, superseded_by, superseded_detail, link_kind, completed_by, completed_detail, "
                "completed_extra FROM forms"
            )
        }
        changes = []
        for fid, old in current.items():
            kind, other, detail, extra = links.get(fid, (None, None, None, {}))
            new: tuple[str | None, ...]
            if kind in ("superseded", "merged"):
                new = (other, detail, kind, None, None, None)
            elif kind == "completed":
                new = (None, None, kind, other, detail, _dumps(dict(extra)))
            else:
                new = (None, None, None, None, None, None)
            if new != old:
                changes.append((*new, fid))
        with self.db:
            self.db.executemany(
                "UPDATE forms SET superseded_by=?, superseded_detail=?, link_kind=?, completed_by=?, "
                "completed_detail=?, completed_extra=? WHERE form_id=?",
                changes,
            )
            if changes:
                self._mark_dirty()
        return len(changes)

    # ---------------------------------------------------------------- outputs up to date?

    def _mark_dirty(self) -> None:
        # In the same transaction as the change: a crash before the outputs are rebuilt leaves the
        # mark, and the next run (even one without new mail) rebuilds them.
        self.db.execute("INSERT OR REPLACE INTO meta VALUES ('outputs_stale', '1')")

    def outputs_stale(self) -> bool:
        row = self.db.execute("SELECT value FROM meta WHERE key='outputs_stale'").fetchone()
        return bool(row and row[0] == "1")

    def mark_outputs_current(self) -> None:
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('outputs_stale', '0')")

    # ---------------------------------------------------------------- reviewers' work

    def review_state(self) -> ReviewState:
        """What reviewers added, as of the workbook last written (empty before the first one)."""
        numbers: dict[str, int] = {}
        written: dict[str, str] = {}
        for fid, number, digest in self.db.execute("SELECT form_id, number, written FROM review_forms"):
            numbers[fid] = int(number)
            if digest:
                written[fid] = digest
        decisions = {
            r[0]: Decision(
                _cell(r[1]),
                _cell(r[2]),
                _cell(r[3]),
                tuple(cell_from_json(v) for v in json.loads(r[4])),
                r[5],
                r[6],
                datetime.fromisoformat(r[7]) if r[7] else None,
            )
            for r in self.db.execute("SELECT * FROM review_decisions")
        }
        corrections = {
            (r[0], r[1]): Correction(
                r[0], r[1], _cell(r[2]), _cell(r[3]), r[4], datetime.fromisoformat(r[5]) if r[5] else None
            )
            for r in self.db.execute("SELECT * FROM corrections")
        }
        meta = dict(self.db.execute("SELECT key, value FROM meta WHERE key LIKE 'review_%'").fetchall())
        stamp = json.loads(meta.get("review_stamp", "null"))
        return ReviewState(
            numbers=numbers,
            decisions=decisions,
            corrections=corrections,
            extra_headers=tuple(json.loads(meta.get("review_extra_headers", "[]"))),
            written=written,
            stamp=WorkbookStamp(*stamp) if stamp else None,
        )

    def save_review_state(self, state: ReviewState) -> None:
        """Replace the kept reviewers' work with `state` (one transaction)."""
        with self.db:
            for table in ("review_forms", "review_decisions", "corrections"):
                self.db.execute(f"DELETE FROM {table}")
            self.db.executemany(
                "INSERT INTO review_forms VALUES (?,?,?)",
                [(fid, n, state.written.get(fid)) for fid, n in state.numbers.items()],
            )
            self.db.executemany(
                "INSERT INTO review_decisions VALUES (?,?,?,?,?,?,?,?)",
                [
                    (
                        fid,
                        _dumps(cell_to_json(d.level)),
                        _dumps(cell_to_json(d.opinion)),
                        _dumps(cell_to_json(d.reviewer)),
                        _dumps([cell_to_json(v) for v in d.extra]),
                        d.project_name,
                        d.declared_org,
                        d.removed_at.isoformat() if d.removed_at else None,
                    )
                    for fid, d in state.decisions.items()
                ],
            )
            self.db.executemany(
                "INSERT INTO corrections VALUES (?,?,?,?,?,?)",
                [
                    (
                        c.form_id,
                        c.path,
                        _dumps(cell_to_json(c.value)),
                        _dumps(cell_to_json(c.machine)),
                        c.by,
                        c.at.isoformat() if c.at else None,
                    )
                    for c in state.corrections.values()
                ],
            )
            stamp = [state.stamp.mtime_ns, state.stamp.size] if state.stamp else None
            for key, value in (("review_extra_headers", list(state.extra_headers)), ("review_stamp", stamp)):
                self.db.execute("INSERT OR REPLACE INTO meta VALUES (?,?)", (key, _dumps(value)))

    def runs_started(self) -> list[tuple[int, datetime]]:
        """(run_id, started_at) of every run, oldest first."""
        return [
            (int(r[0]), datetime.fromisoformat(r[1]))
            for r in self.db.execute("SELECT run_id, started_at FROM runs ORDER BY run_id")
        ]

    def keys_first_stored_since(self, run_id: int) -> frozenset[str]:
        """Messages first stored by run `run_id` or a later one."""
        return self._keys("SELECT key FROM messages WHERE first_run >= ?", run_id)

    # ---------------------------------------------------------------- reading

    def load_records(self, keys: Iterable[str] | None = None) -> list[MessageRecord]:
        """Every stored message (or those in `keys`), sorted by (received_at, key) for reports."""
        return list(self.records(keys))

    def records(self, keys: Iterable[str] | None = None) -> RecordView:
        """The same records as load_records, streamed: each pass over the view runs fresh queries and
        holds one batch of messages, so the reports can read the store several times without keeping
        every record in memory (~4.5 KB per message)."""
        return RecordView(self, frozenset(keys) if keys is not None else None)

    def _ordered_keys(self, wanted: frozenset[str] | None) -> list[str]:
        # received_at is ISO text with its own offset: order by the instant in Python (small keys only).
        rows = [
            (datetime.fromisoformat(r[1]).timestamp(), r[0])
            for r in self.db.execute("SELECT key, received_at FROM messages")
            if wanted is None or r[0] in wanted
        ]
        rows.sort()
        return [key for _, key in rows]

    def _batch(self, keys: Sequence[str]) -> list[MessageRecord]:
        marks = ",".join("?" * len(keys))
        msgs = {
            m[0]: m
            for m in self.db.execute(
                "SELECT key, message_id, folder, uidvalidity, uid, sender, subject, received_at, date_header, "
                f"outcome, first_run, extra FROM messages WHERE key IN ({marks})",
                keys,
            )
        }
        atts = _group(
            self.db.execute(
                f"SELECT * FROM attachments WHERE message_key IN ({marks}) ORDER BY message_key, pos", keys
            )
        )
        forms = _group(
            self.db.execute(
                f"SELECT * FROM forms WHERE message_key IN ({marks}) ORDER BY message_key, pos", keys
            ),
            column=1,
        )
        flags = _group_flags(
            self.db.execute(
                f"SELECT * FROM flags WHERE message_key IN ({marks}) ORDER BY message_key, form_id, pos", keys
            )
        )
        return [
            self._record(msgs[k], datetime.fromisoformat(msgs[k][7]), atts, forms, flags)
            for k in keys
            if k in msgs
        ]

    def _record(
        self,
        m: Sequence[Any],
        received: datetime,
        atts: Mapping[str, list[Any]],
        forms: Mapping[str, list[Any]],
        flags: Mapping[tuple[str, str], list[Flag]],
    ) -> MessageRecord:
        key = m[0]
        attachments = tuple(
            AttachmentRecord(a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9]) for a in atts.get(key, [])
        )
        form_records = tuple(_form_record(f, flags.get((key, f[0]), [])) for f in forms.get(key, []))
        return MessageRecord(
            key=key,
            message_id=m[1],
            folder=m[2],
            uidvalidity=m[3],
            uid=m[4],
            sender=m[5],
            subject=m[6],
            received_at=received,
            date_header=m[8],
            attachments=attachments,
            forms=form_records,
            flags=tuple(flags.get((key, ""), [])),
            outcome=m[9],
            first_run=m[10],
            extra=json.loads(m[11]),
        )

    def dump(self) -> Iterator[str]:
        """Every row of the result tables as text, deterministically ordered (tests, debugging)."""
        for table in (
            "messages",
            "attachments",
            "forms",
            "flags",
            "folder_state",
            "files",
            "meta",
            "moved",
            "waiting",
        ):
            for row in sorted(self.db.execute(f"SELECT * FROM {table}"), key=repr):
                yield f"{table}\t{row!r}"


_BATCH = 500  # messages per query: well under SQLite's bound-parameter limit, ~2 MB of records


class RecordView:
    """A re-iterable, streaming view of stored messages in receipt order ((received_at, key), as
    load_records); len() counts them without loading any."""

    in_receipt_order = True  # reports.rows.receipt_ordered takes it as it is (no pass to check)

    def __init__(self, store: Store, wanted: frozenset[str] | None) -> None:
        self._store = store
        self._wanted = wanted

    def __iter__(self) -> Iterator[MessageRecord]:
        keys = self._store._ordered_keys(self._wanted)
        for start in range(0, len(keys), _BATCH):
            yield from self._store._batch(keys[start : start + _BATCH])

    def __len__(self) -> int:
        if self._wanted is None:
            return int(self._store.db.execute("SELECT count(*) FROM messages").fetchone()[0])
        return len(self._store._ordered_keys(self._wanted))


_LINK_FLAGS = frozenset({"superseded", "merged", "completed"})
_HALF_FLAGS = frozenset({"missing_word", "missing_pdf"})


def _form_meta(f: FormRecord) -> dict[str, Any]:
    return {"field_sources": dict(f.field_sources), "confidence": dict(f.confidence)}


def _form_record(f: Sequence[Any], flags: list[Flag]) -> FormRecord:
    superseded_by, link_kind = f[6], f[8]
    meta = json.loads(f[12]) if len(f) > 12 and f[12] else {}
    sources, seal = tuple(json.loads(f[3])), f[5]
    if superseded_by:
        if link_kind == "merged":  # its half joined the earlier form: nothing is missing any more
            flags = [fl for fl in flags if fl.code not in _HALF_FLAGS]
        flags = [*flags, Flag("merged" if link_kind == "merged" else "superseded", f[7] or "")]
    elif f[9]:  # completed by a follow-up: both halves now, with the follow-up's files and seal
        extra = json.loads(f[11] or "{}")
        flags = [fl for fl in flags if fl.code not in _HALF_FLAGS]
        flags += [Flag(code, detail) for code, detail in extra.get("flags", [])]
        flags.append(Flag("completed", f[10] or ""))
        sources += tuple(x for x in extra.get("sources", []) if x not in sources)
        seal = extra.get("pdf_seal") or seal if seal == "not_checked" else seal
    return FormRecord(
        form_id=f[0],
        message_key=f[1],
        sources=sources,
        fields=FormFields.from_json(json.loads(f[4])),
        flags=tuple(flags),
        superseded_by=superseded_by,
        pdf_seal=seal,
        field_sources=meta.get("field_sources", {}),
        confidence=meta.get("confidence", {}),
    )


def _cell(text: str | None) -> Any:
    return cell_from_json(json.loads(text)) if text is not None else None


def _group(rows: Iterable[Sequence[Any]], column: int = 0) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for row in rows:
        out.setdefault(row[column], []).append(row)
    return out


def _group_flags(rows: Iterable[Sequence[Any]]) -> dict[tuple[str, str], list[Flag]]:
    out: dict[tuple[str, str], list[Flag]] = {}
    for key, form_id, _pos, code, detail in rows:
        out.setdefault((key, form_id), []).append(Flag(code, detail))
    return out


def _result_hash(r: MessageRecord) -> str:
    """A hash of everything a message's results contain (not which run produced them)."""
    body = _dumps(
        {
            "ref": [
                r.key,
                r.message_id,
                r.sender,
                r.subject,
                r.received_at.isoformat(),
                r.date_header,
                r.outcome,
            ],
            "attachments": [list(vars(a).values()) for a in r.attachments],
            "forms": [
                [
                    f.form_id,
                    list(f.sources),
                    f.fields.to_json(),
                    f.pdf_seal,
                    _form_meta(f),
                    [[x.code, x.detail] for x in f.flags if x.code not in _LINK_FLAGS],
                ]
                for f in r.forms
            ],
            "flags": [[x.code, x.detail] for x in r.flags],
            "extra": dict(r.extra),
        }
    )
    return hashlib.sha256(body.encode()).hexdigest()
