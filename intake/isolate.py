"""Parse untrusted documents in worker processes, each with a wall-clock timeout and a memory limit.

A hostile or broken file must not hang or kill a run (docs/pitfalls.md §9.2: python-docx loads a zip bomb's
members eagerly, 1.7 GB for a 0.85 MB file). So every document is parsed in a persistent worker
process; one that takes too long is killed ("解析超时"), one that runs out of its address-space limit
("文件过大") or crashes is replaced, and only that document fails. Results come back in input order.

Workers are forked (cheap on Linux: the parent's imports are shared copy-on-write) and reused across
`parse_all` calls; a small hand-written pool is used instead of concurrent.futures because a
ProcessPoolExecutor cannot kill the one worker that hangs without breaking the whole pool.
"""

from __future__ import annotations

import contextlib
import faulthandler
import gc
import logging
import multiprocessing
import multiprocessing.connection
import os
import resource
import signal
import sys
import time
import traceback
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields, is_dataclass, replace
from typing import Any

from core.documents import Document, DocumentError, ParsedForm
from core.schema import DEFAULT_SCHEMA, FormSchema
from parsers.registry import parse_document

__all__ = [
    "REASON_CRASH",
    "REASON_INTERNAL",
    "REASON_TIMEOUT",
    "REASON_TOO_BIG",
    "DocumentParser",
    "ParseStats",
]

log = logging.getLogger(__name__)

REASON_TIMEOUT = "解析超时"
REASON_TOO_BIG = "文件过大"
REASON_CRASH = "解析程序异常退出，无法读取该文件"
REASON_INTERNAL = "解析出错，无法读取该文件"

ParseFn = Callable[[Document], ParsedForm]
Result = ParsedForm | DocumentError

_MAX_TASKS_PER_WORKER = 500  # recycle now and then: Python heaps only grow
_JOIN_S = 2.0
_PR_SET_PDEATHSIG = 1  # linux/prctl.h
_PARENT_CHECK_S = 1.0  # how often an idle worker checks that its parent is alive


@dataclass
class ParseStats:
    """What the pool measured, for logs and bench/: seconds are summed worker-side parse times."""

    documents: int = 0
    failed: int = 0
    timeouts: int = 0
    crashes: int = 0
    seconds_by_kind: dict[str, float] = field(default_factory=dict)
    peak_worker_rss_kb: int = 0  # max ru_maxrss reported by any worker (KiB on Linux)
    workers_started: int = 0


# ---------------------------------------------------------------- worker side ----------


def _limit_memory(memory_mb: int) -> None:
    """RLIMIT_AS = what the forked worker already maps + memory_mb, so the limit is headroom for the
    parse itself whatever the parent had loaded (numpy and friends reserve large virtual areas)."""
    if memory_mb <= 0:
        return
    try:
        with open("/proc/self/statm") as f:
            mapped = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        mapped = 0
    limit = mapped + memory_mb * 1024 * 1024
    try:
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ValueError, OSError) as err:  # not fatal: the timeout still protects the run
        print(f"intake worker: cannot set RLIMIT_AS: {err}", file=sys.stderr)


def _plain(value: Any) -> Any:
    """A picklable copy: mappings (a MappingProxyType is not picklable) become dicts, recursively."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    if is_dataclass(value) and not isinstance(value, type):
        return replace(value, **{f.name: _plain(getattr(value, f.name)) for f in fields(value) if f.init})
    return value


def _run_one(parse_fn: ParseFn, doc: Document) -> tuple[Any, ...]:
    """Parse one document; the outcome travels as a plain tuple (an exception's cause and traceback may
    hold unpicklable objects: they stay here, a formatted trace goes back for the log)."""
    try:
        return ("ok", parse_fn(doc.loaded()))
    except DocumentError as err:
        return ("err", err.reason, err.name or doc.name, None)
    except MemoryError:
        return ("err", REASON_TOO_BIG, doc.name, "MemoryError")
    except RecursionError:
        return ("err", REASON_INTERNAL, doc.name, "RecursionError: document nested too deeply")
    except Exception:  # noqa: BLE001 - the worker side of the trap: a parser bug costs one document
        return ("err", REASON_INTERNAL, doc.name, traceback.format_exc(limit=20))


def _send(conn: Any, message: tuple[Any, ...]) -> None:
    try:
        conn.send(message)
    except (TypeError, AttributeError, ValueError) as err:  # unpicklable result: retry as plain data
        if message[0] != "ok":
            raise
        try:
            conn.send(("ok", _plain(message[1]), *message[2:]))
        except Exception:  # noqa: BLE001 - whatever pickling raises, the parent gets an answer
            conn.send(("err", REASON_INTERNAL, "", f"result not picklable: {err}", *message[-2:]))


def _fresh_output() -> None:
    """Give the worker its own stderr/stdout and drop inherited file/stream log handlers.

    The worker may be forked while another thread of the parent (run.py's pipeline, a progress bar)
    is half-way through a write: the inherited stream objects then carry a lock that no thread of
    the worker will ever release, and the first warning a parser logs would hang until the timeout.
    Fresh objects on duplicated descriptors have no such history. The parent logs every outcome."""
    for name, fd in (("stdout", 1), ("stderr", 2)):
        try:
            stream = open(os.dup(fd), "w", encoding="utf-8", errors="backslashreplace", buffering=1)  # noqa: SIM115 - the worker's stream for its whole life
        except OSError:
            continue
        setattr(sys, name, stream)
    root = logging.getLogger()
    # Handlers that look sys.stderr up on each record (intake.logs) are safe; the rest keep the
    # parent's stream objects. Dropped without close(): closing would take the same stuck lock.
    root.handlers = [
        h
        for h in root.handlers
        if getattr(h, "_intake_handler", False) and not isinstance(h, logging.FileHandler)
    ]


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL this worker when its parent dies (prctl PR_SET_PDEATHSIG).

    A kill -9 of the main process must not leave workers behind: a forked worker also holds the
    parent's end of its own pipe, so it would never see EOF.  Elsewhere `_wait_for_task` polls."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _wait_for_task(conn: Any, parent_pid: int) -> bool:
    """Block until a task arrives; False once the parent is gone (re-parented to another pid)."""
    while not conn.poll(_PARENT_CHECK_S):
        if os.getppid() != parent_pid:
            return False
    return True


def _worker_main(conn: Any, parse_fn: ParseFn, memory_mb: int, parent_pid: int) -> None:
    _die_with_parent()
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        return
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _fresh_output()
    faulthandler.disable()  # a crash is reported by the parent (exit code); no dump on shared stderr
    _limit_memory(memory_mb)
    while True:
        try:
            if not _wait_for_task(conn, parent_pid):
                return
            doc = conn.recv()
        except (EOFError, OSError):
            return
        if doc is None:
            return
        started = time.perf_counter()
        outcome = _run_one(parse_fn, doc)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        _send(conn, (*outcome, time.perf_counter() - started, rss))
        if outcome[0] == "err" and outcome[1] == REASON_TOO_BIG:
            return  # after MemoryError the heap may be in a poor state: start afresh


# ---------------------------------------------------------------- parent side ----------


@dataclass
class _Worker:
    process: Any
    conn: Any
    tasks: int = 0
    index: int | None = None  # the document it is parsing, if busy
    deadline: float = 0.0


def _decode(message: tuple[Any, ...], doc: Document) -> tuple[Result, str | None]:
    if message[0] == "ok":
        return message[1], None
    _tag, reason, name, detail = message[:4]
    return DocumentError(reason, name=name or doc.name), detail


class DocumentParser:
    """`with DocumentParser() as p: results = p.parse_all(docs)` — never raises for a document.

    workers=None → os.cpu_count(); workers=0 → parse in this process (debugging, tiny runs: no timeout
    or memory limit, but exceptions are still turned into DocumentError).
    Documents are read by parsers.registry (`schema`: the form and this year's notice); `parse_fn` (a
    hook for tests) replaces it.
    """

    def __init__(
        self,
        workers: int | None = None,
        timeout_s: float = 60,
        memory_mb: int = 1024,
        *,
        schema: FormSchema = DEFAULT_SCHEMA,
        parse_fn: ParseFn | None = None,
        max_tasks_per_worker: int = _MAX_TASKS_PER_WORKER,
    ) -> None:
        self.workers = (os.cpu_count() or 1) if workers is None else max(0, workers)
        self.timeout_s = timeout_s
        self.memory_mb = memory_mb
        self.parse_fn: ParseFn = parse_fn or _Dispatch(schema)
        self.max_tasks = max(1, max_tasks_per_worker)
        self.stats = ParseStats()
        self._pool: list[_Worker] = []
        self._seen_errors: set[str] = set()
        methods = multiprocessing.get_all_start_methods()
        self._ctx = multiprocessing.get_context("fork" if "fork" in methods else None)

    # -- context manager --
    def __enter__(self) -> DocumentParser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for worker in self._pool:
            self._stop(worker, graceful=worker.index is None)
        self._pool.clear()

    # -- public --
    def parse_all(
        self, docs: Sequence[Document], *, on_done: Callable[[int], None] | None = None
    ) -> list[Result]:
        """One result per document, same order; `on_done(i)` is called as each finishes (progress)."""
        if not docs:
            return []
        if self.workers == 0:
            return [self._in_process(i, d, on_done) for i, d in enumerate(docs)]
        return self._in_workers(docs, on_done)

    # -- in process --
    def _in_process(self, i: int, doc: Document, on_done: Callable[[int], None] | None) -> Result:
        started = time.perf_counter()
        result, detail = _decode(_run_one(self.parse_fn, doc), doc)
        self._account(doc, result, detail, time.perf_counter() - started, 0)
        if on_done:
            on_done(i)
        return result

    # -- in workers --
    def _in_workers(self, docs: Sequence[Document], on_done: Callable[[int], None] | None) -> list[Result]:
        results: list[Result | None] = [None] * len(docs)
        queue = deque(range(len(docs)))
        self._grow(min(self.workers, len(docs)))
        while queue or any(w.index is not None for w in self._pool):
            self._dispatch(queue, docs, results, on_done)
            self._collect(docs, results, on_done)
        return [
            r if r is not None else DocumentError(REASON_INTERNAL, name=d.name)
            for r, d in zip(results, docs, strict=False)
        ]

    def _grow(self, n: int) -> None:
        for worker in [w for w in self._pool if not w.process.is_alive()]:
            self._stop(worker, graceful=False)
            self._pool.remove(worker)
        while len(self._pool) < n:
            self._pool.append(self._spawn())

    def _spawn(self) -> _Worker:
        parent_conn, child_conn = self._ctx.Pipe(duplex=True)
        process = self._ctx.Process(
            target=_worker_main,
            args=(child_conn, self.parse_fn, self.memory_mb, os.getpid()),
            daemon=True,
            name="intake-parse",
        )
        # Objects the parent already has go to the permanent generation in the child, so its garbage
        # collector never writes to (and so never copies) the pages it shares with the parent.
        gc.freeze()
        try:
            process.start()
        finally:
            gc.unfreeze()
        child_conn.close()
        self.stats.workers_started += 1
        return _Worker(process, parent_conn)

    def _dispatch(
        self,
        queue: deque[int],
        docs: Sequence[Document],
        results: list[Result | None],
        on_done: Callable[[int], None] | None,
    ) -> None:
        for slot, worker in enumerate(self._pool):
            if not queue:
                return
            if worker.index is not None:
                continue
            if worker.tasks >= self.max_tasks or not worker.process.is_alive():
                self._stop(worker, graceful=True)
                worker = self._pool[slot] = self._spawn()
            i = queue.popleft()
            try:
                worker.conn.send(docs[i])
            except (BrokenPipeError, EOFError, OSError):  # died while idle: replace, retry once
                self._stop(worker, graceful=False)
                worker = self._pool[slot] = self._spawn()
                worker.conn.send(docs[i])
            except Exception as err:  # noqa: BLE001 - the document itself cannot be sent (pickling)
                self._finish(
                    i,
                    docs[i],
                    DocumentError(REASON_INTERNAL, name=docs[i].name),
                    repr(err),
                    0.0,
                    0,
                    results,
                    on_done,
                )
                continue
            worker.index, worker.deadline, worker.tasks = (
                i,
                time.monotonic() + self.timeout_s,
                worker.tasks + 1,
            )

    def _collect(
        self, docs: Sequence[Document], results: list[Result | None], on_done: Callable[[int], None] | None
    ) -> None:
        busy = [w for w in self._pool if w.index is not None]
        if not busy:
            return
        timeout = max(0.0, min(w.deadline for w in busy) - time.monotonic())
        handles = [w.conn for w in busy] + [w.process.sentinel for w in busy]
        ready = set(multiprocessing.connection.wait(handles, timeout=timeout))
        now = time.monotonic()
        for slot, worker in enumerate(self._pool):
            if worker.index is None:
                continue
            i = worker.index
            if worker.conn in ready or worker.process.sentinel in ready:
                self._receive(slot, worker, docs, results, on_done)
            elif now >= worker.deadline:
                log.warning("parse of %s exceeded %.0f s: worker killed", docs[i].name, self.timeout_s)
                self.stats.timeouts += 1
                self._stop(worker, graceful=False)
                self._pool[slot] = self._spawn()
                self._finish(
                    i,
                    docs[i],
                    DocumentError(REASON_TIMEOUT, name=docs[i].name),
                    None,
                    self.timeout_s,
                    0,
                    results,
                    on_done,
                )

    def _receive(
        self,
        slot: int,
        worker: _Worker,
        docs: Sequence[Document],
        results: list[Result | None],
        on_done: Callable[[int], None] | None,
    ) -> None:
        i = worker.index
        assert i is not None
        message = None
        try:
            if worker.conn.poll():
                message = worker.conn.recv()
        except Exception:  # noqa: BLE001 - EOF or a truncated message from a dying worker
            message = None
        if message is None:
            self._crashed(slot, worker, docs[i], i, results, on_done)
            return
        worker.index = None
        result, detail = _decode(message, docs[i])
        self._finish(i, docs[i], result, detail, message[-2], message[-1], results, on_done)
        if not worker.process.is_alive() or (
            isinstance(result, DocumentError) and result.reason == REASON_TOO_BIG
        ):
            self._stop(worker, graceful=False)
            self._pool[slot] = self._spawn()

    def _crashed(
        self,
        slot: int,
        worker: _Worker,
        doc: Document,
        i: int,
        results: list[Result | None],
        on_done: Callable[[int], None] | None,
    ) -> None:
        worker.process.join(_JOIN_S)
        code = worker.process.exitcode
        self.stats.crashes += 1
        # A SIGKILL we did not send is the kernel's OOM killer: the file needs more memory than we have.
        reason = REASON_TOO_BIG if code == -signal.SIGKILL else REASON_CRASH
        log.warning("parse worker died (exit code %s) on %s", code, doc.name)
        self._stop(worker, graceful=False)
        self._pool[slot] = self._spawn()
        self._finish(
            i, doc, DocumentError(reason, name=doc.name), f"worker exit code {code}", 0.0, 0, results, on_done
        )

    def _finish(
        self,
        i: int,
        doc: Document,
        result: Result,
        detail: str | None,
        seconds: float,
        rss: int,
        results: list[Result | None],
        on_done: Callable[[int], None] | None,
    ) -> None:
        results[i] = result
        self._account(doc, result, detail, seconds, rss)
        if on_done:
            on_done(i)

    def _account(self, doc: Document, result: Result, detail: str | None, seconds: float, rss: int) -> None:
        s = self.stats
        s.documents += 1
        s.seconds_by_kind[doc.kind] = s.seconds_by_kind.get(doc.kind, 0.0) + seconds
        s.peak_worker_rss_kb = max(s.peak_worker_rss_kb, rss)
        if isinstance(result, DocumentError):
            s.failed += 1
            log.info("document %s unreadable: %s", doc.name, result.reason)
            if detail and "Traceback" in detail:
                last = detail.strip().splitlines()[-1]
                if last in self._seen_errors:  # the same bug on every document: one trace is enough
                    log.debug("parser error on %s: %s", doc.name, last)
                else:
                    self._seen_errors.add(last)
                    log.warning("parser error on %s:\n%s", doc.name, detail)
            elif detail:
                log.debug("document %s: %s", doc.name, detail)

    def _stop(self, worker: _Worker, *, graceful: bool) -> None:
        process = worker.process
        if graceful and process.is_alive():
            with contextlib.suppress(OSError, EOFError):
                worker.conn.send(None)
            process.join(_JOIN_S)
        if process.is_alive():
            process.kill()
            process.join(_JOIN_S)
        worker.conn.close()
        worker.index = None


@dataclass(frozen=True)
class _Dispatch:
    """parsers.registry.parse_document with the schema bound (the parsers are imported with this module,
    so every forked worker starts with them loaded, shared copy-on-write)."""

    schema: FormSchema

    def __call__(self, doc: Document) -> ParsedForm:
        return parse_document(doc, self.schema)
