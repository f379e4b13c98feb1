"""DocumentParser: per-document isolation (timeout, memory limit, crashes) and order-preserving results.

The parse functions below are injected through the `parse_fn` hook; their behaviour is chosen by the
document's bytes, so one batch can mix good, hanging, bloating and crashing documents.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import pickle
import signal
import subprocess
import sys
import threading
import time
import types
from pathlib import Path

import pytest

from core.documents import Document, DocumentError, Evidence, ParsedForm, Source
from core.fields import FormFields
from intake.isolate import (
    REASON_CRASH,
    REASON_INTERNAL,
    REASON_TIMEOUT,
    REASON_TOO_BIG,
    DocumentParser,
)
from parsers.registry import parse_document


def doc(data: bytes, name: str | None = None, kind: str = "docx") -> Document:
    return Document(name or f"{data.decode()}.docx", kind, data, hashlib.sha256(data).hexdigest())


def fake_parse(d: Document) -> ParsedForm:
    action = d.data.decode()
    if action == "hang":
        time.sleep(60)
    elif action == "big":
        hog = bytearray(2048 * 1024 * 1024)  # 2 GiB: beyond any memory_mb used here
        hog[-1] = 1
    elif action == "segv":
        os.kill(os.getpid(), signal.SIGSEGV)
    elif action == "exit":
        os._exit(3)
    elif action == "bad":
        raise DocumentError("文件已损坏，无法打开", name=d.name)
    elif action == "bug":
        raise KeyError("parser bug")
    elif action.startswith("sleep"):
        time.sleep(float(action[5:]))
    elif action == "proxy":
        evidence = types.MappingProxyType({"project_name": Evidence("甲", Source.WORD)})
        return ParsedForm(d.name, d.kind, True, evidence=evidence)
    return ParsedForm(d.name, d.kind, True, FormFields(project_name=action, declared_org=str(os.getpid())))


def test_results_in_order_with_failures_isolated() -> None:
    batch = [doc(b"ok1"), doc(b"bad"), doc(b"sleep0.2"), doc(b"bug"), doc(b"ok2")]
    with DocumentParser(workers=2, timeout_s=20, parse_fn=fake_parse) as parser:
        results = parser.parse_all(batch)
    assert [r.fields.project_name for r in results if isinstance(r, ParsedForm)] == ["ok1", "sleep0.2", "ok2"]
    assert isinstance(results[1], DocumentError) and results[1].reason == "文件已损坏，无法打开"
    assert results[1].name == "bad.docx"
    assert isinstance(results[3], DocumentError) and results[3].reason == REASON_INTERNAL
    assert parser.stats.documents == 5 and parser.stats.failed == 2


def test_hang_times_out_and_run_continues() -> None:
    with DocumentParser(workers=1, timeout_s=1, parse_fn=fake_parse) as parser:
        results = parser.parse_all([doc(b"hang"), doc(b"ok")])
    assert isinstance(results[0], DocumentError) and results[0].reason == REASON_TIMEOUT
    assert isinstance(results[1], ParsedForm)
    assert parser.stats.timeouts == 1


def test_memory_blowup_is_too_big_and_worker_replaced() -> None:
    with DocumentParser(workers=1, timeout_s=20, memory_mb=200, parse_fn=fake_parse) as parser:
        results = parser.parse_all([doc(b"ok1"), doc(b"big"), doc(b"ok2")])
    assert isinstance(results[1], DocumentError) and results[1].reason == REASON_TOO_BIG
    assert isinstance(results[0], ParsedForm) and isinstance(results[2], ParsedForm)
    assert (
        results[0].fields.declared_org != results[2].fields.declared_org
    )  # a fresh worker after MemoryError


@pytest.mark.parametrize("action", [b"segv", b"exit"])
def test_crashed_worker_fails_only_its_document(action: bytes) -> None:
    with DocumentParser(workers=2, timeout_s=20, parse_fn=fake_parse) as parser:
        results = parser.parse_all([doc(b"ok1"), doc(action), doc(b"ok2"), doc(b"ok3")])
        again = parser.parse_all([doc(b"ok4")])
    assert isinstance(results[1], DocumentError) and results[1].reason == REASON_CRASH
    assert all(isinstance(r, ParsedForm) for r in results[:1] + results[2:] + again)
    assert parser.stats.crashes == 1 and parser.stats.workers_started == 3


def test_workers_run_in_parallel_and_persist_across_batches() -> None:
    with DocumentParser(workers=2, timeout_s=20, parse_fn=fake_parse) as parser:
        first = parser.parse_all([doc(b"sleep0.3"), doc(b"sleep0.3")])
        second = parser.parse_all([doc(b"a"), doc(b"b"), doc(b"c")])
    pids_first = {r.fields.declared_org for r in first}
    assert len(pids_first) == 2 and os.getpid() not in pids_first
    assert {r.fields.declared_org for r in second} <= pids_first
    assert parser.stats.workers_started == 2


def test_unpicklable_result_comes_back_as_plain_dict() -> None:
    with DocumentParser(workers=1, parse_fn=fake_parse) as parser:
        (result,) = parser.parse_all([doc(b"proxy")])
    assert isinstance(result, ParsedForm) and result.evidence == {"project_name": Evidence("甲", Source.WORD)}


def test_in_process_mode_never_raises() -> None:
    parser = DocumentParser(workers=0, parse_fn=fake_parse)
    results = parser.parse_all([doc(b"ok"), doc(b"bug"), doc(b"bad")])
    assert results[0].fields.declared_org == str(os.getpid())
    assert [r.reason for r in results[1:]] == [REASON_INTERNAL, "文件已损坏，无法打开"]


def test_progress_callback_sees_every_document() -> None:
    seen: list[int] = []
    with DocumentParser(workers=2, parse_fn=fake_parse) as parser:
        parser.parse_all([doc(b"a"), doc(b"bad"), doc(b"c")], on_done=seen.append)
    assert sorted(seen) == [0, 1, 2]


def test_unsupported_kind_is_a_document_error() -> None:
    with pytest.raises(DocumentError) as info:
        parse_document(doc(b"x", "a.zip", kind="zip"))
    assert "不支持" in info.value.reason


def test_results_survive_pickling() -> None:
    with DocumentParser(workers=1, parse_fn=fake_parse) as parser:
        results = parser.parse_all([doc(b"ok"), doc(b"bad")])
    form, err = pickle.loads(pickle.dumps(results))
    assert form == results[0]
    assert isinstance(err, DocumentError) and err.reason == results[1].reason


def test_empty_batch() -> None:
    with DocumentParser(workers=2, parse_fn=fake_parse) as parser:
        assert parser.parse_all([]) == []
        assert parser.stats.workers_started == 0


def test_real_docx_and_pdf_parse_the_same_in_a_worker() -> None:
    pytest.importorskip("parsers.docx_form", reason="parsers.docx_form has not landed yet")
    pytest.importorskip("parsers.pdf_form", reason="parsers.pdf_form has not landed yet")
    from samples.formgen import build_form_docx, sample_fields
    from samples.pdfgen import pdf_from_fields

    fields = sample_fields(3)
    docx, pdf = build_form_docx(fields), pdf_from_fields(fields)
    batch = [
        Document("申报表.docx", "docx", docx, hashlib.sha256(docx).hexdigest()),
        Document("申报表.pdf", "pdf", pdf, hashlib.sha256(pdf).hexdigest()),
        Document("坏.docx", "docx", b"PK\x03\x04broken", "x"),
    ]
    with DocumentParser(workers=2, timeout_s=60) as parser:
        in_workers = parser.parse_all(batch)
    in_process = DocumentParser(workers=0).parse_all(batch)
    assert in_workers[:2] == in_process[:2]
    assert [r.kind for r in in_workers[:2]] == ["docx", "pdf"] and all(r.is_form for r in in_workers[:2])
    assert in_workers[0].fields.to_json()["project_name"] == fields["project_name"]
    assert isinstance(in_workers[2], DocumentError) and in_workers[2].reason != REASON_INTERNAL


def _print_and_parse(d: Document) -> ParsedForm:
    print("worker says hello", file=sys.stderr, flush=True)
    logging.getLogger("parsers.test").warning("worker warning")
    return fake_parse(d)


class _LockedStream(io.StringIO):
    """A stream whose lock is held at fork time, as another thread's half-done write would leave it."""

    def __init__(self) -> None:
        super().__init__()
        self.lock = threading.Lock()

    def write(self, text: str) -> int:
        with self.lock:
            return super().write(text)

    def flush(self) -> None:  # multiprocessing flushes std streams before forking: keep that free
        pass


def test_worker_writes_even_if_stderr_was_locked_at_fork(monkeypatch: pytest.MonkeyPatch) -> None:
    """run.py parses in a helper thread while the main thread (or a progress bar's thread) may be in
    the middle of a write to stderr: the forked worker inherits that lock held and must not hang on it."""
    own_log = logging.getLogger("intake.isolate")  # the parent's log must not reach the locked stream
    monkeypatch.setattr(own_log, "propagate", False)
    monkeypatch.setattr(own_log, "handlers", [logging.NullHandler()])
    stream = _LockedStream()
    monkeypatch.setattr(sys, "stderr", stream)
    stream.lock.acquire()
    try:
        with DocumentParser(workers=1, timeout_s=5, parse_fn=_print_and_parse) as parser:
            (result,) = parser.parse_all([doc(b"ok")])
    finally:
        stream.lock.release()
    assert isinstance(result, ParsedForm), result


_ORPHAN_SCRIPT = """
import sys, time
from intake.isolate import DocumentParser
parser = DocumentParser(workers=1, timeout_s=30).__enter__()
parser._grow(1)
print(parser._pool[0].process.pid, flush=True)
time.sleep(60)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as fh:  # a zombie waiting for init to reap it is gone too
        return fh.read().split()[2] != "Z"


def test_workers_do_not_outlive_a_killed_main_process() -> None:
    """kill -9 of the main process (cron run killed) must not leave parser workers behind."""
    main = subprocess.Popen(
        [sys.executable, "-c", _ORPHAN_SCRIPT],
        stdout=subprocess.PIPE,
        text=True,
        cwd=str(Path(__file__).resolve().parents[1]),
    )
    assert main.stdout is not None
    worker_pid = int(main.stdout.readline())
    assert _alive(worker_pid)
    main.kill()
    main.wait()
    deadline = time.monotonic() + 5
    while _alive(worker_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(worker_pid)
