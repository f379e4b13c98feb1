"""End-to-end benchmark of `intake run` / `rerun` against a real Dovecot (issue 7).

For each size N: generate N submission mails (docx + text PDF with seal; some zip; optionally some
.doc), APPEND them to a fresh Dovecot user, then measure, each in its own Python process:
  1. the first run (wall, per-submission cost, split by stage, peak RSS of main process and a worker);
  2. a no-new-mail cron run through the CLI (`intake run --quiet`), against bare interpreter start-up;
  3. `rerun` of the whole range with nothing changed, and with --force.
Stage split: RunSummary.stage_seconds when run.py records it, else exclusive wall time measured here by
wrapping the stage functions before intake.run is imported (fetch, unpack, convert, parse, store,
review, workbook, summary, export; "other" is the rest). Seal check runs inside the parse workers, so it
is measured separately on a sample (parse_pdf with and without check_seal).

    python bench/bench_pipeline.py --sizes 100,1000            # figures on stdout
    python bench/bench_pipeline.py --sizes 10000 --fetch-store-only
    python bench/bench_pipeline.py --sizes 200 --profile        # + cProfile of the slowest stage
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import functools
import io
import json
import os
import pstats
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import asdict, is_dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PY = sys.executable
TZ8 = timezone(timedelta(hours=8))
DEADLINE = datetime(2024, 12, 17, 23, 59, 59, tzinfo=TZ8)
FIRST_DAY = datetime(2024, 11, 20, 9, 0, tzinfo=TZ8)


# ------------------------------------------------------------------------------------ mails


def make_mails(
    n: int, *, seed: int = 7, doc_share: float = 0.0, zip_share: float = 0.1
) -> Iterator[tuple[bytes, datetime]]:
    """N submission mails with their INTERNALDATEs: bench.generate when it exists, else our own."""
    try:
        from bench import generate  # type: ignore[attr-defined]
    except ImportError:
        generate = None
    if generate is not None and hasattr(generate, "generate_mails"):
        return iter(generate.generate_mails(n, seed=seed, doc_share=doc_share, zip_share=zip_share))
    return (_own_mail(i, seed, doc_share, zip_share) for i in range(n))


def _own_mail(i: int, seed: int, doc_share: float, zip_share: float) -> tuple[bytes, datetime]:
    import random
    import zipfile
    from email.message import EmailMessage
    from email.utils import format_datetime

    from samples.formgen import STYLES, build_form_docx, sample_fields
    from samples.pdfgen import pdf_from_fields

    rnd = random.Random(seed * 1_000_003 + i)
    fields = sample_fields(seed * 100_000 + i)
    docx = build_form_docx(fields, STYLES[i % len(STYLES)])
    pdf = pdf_from_fields(fields, seal=rnd.random() > 0.05)
    org = fields.get("declared_org") or f"申报单位{i}"
    when = FIRST_DAY + timedelta(minutes=37 * i % (27 * 24 * 60), seconds=i % 60)
    msg = EmailMessage()
    msg["From"] = f"{org} <unit{i}@example.cn>"
    msg["To"] = "hbzsgx@163.com"
    msg["Subject"] = f"{org}申报2025年专业技术人才知识更新工程项目"
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = f"<bench-{seed}-{i}@example.cn>"
    msg.set_content("您好，附件为我单位申报表（Word 版和盖章 PDF 版），请查收。")
    if rnd.random() < zip_share:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("申报表.docx", docx)
            zf.writestr("申报表（盖章）.pdf", pdf)
        msg.add_attachment(
            buf.getvalue(), maintype="application", subtype="zip", filename=f"{org}申报材料.zip"
        )
    else:
        word_name = f"{org}申报表.docx"
        if rnd.random() < doc_share:
            docx, word_name = _as_doc(docx), f"{org}申报表.doc"
        msg.add_attachment(docx, maintype="application", subtype="octet-stream", filename=word_name)
        msg.add_attachment(pdf, maintype="application", subtype="pdf", filename=f"{org}申报表（盖章）.pdf")
    return msg.as_bytes(), when


@functools.lru_cache(maxsize=1)
def _doc_template() -> bytes:
    """One legacy .doc made by LibreOffice, reused (converting per mail would dominate generation)."""
    from samples.formgen import build_form_docx, sample_fields

    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "form.docx"
        src.write_bytes(build_form_docx(sample_fields(1)))
        subprocess.run(
            ["soffice", "--headless", "--convert-to", "doc", "--outdir", tmp, str(src)],
            check=True,
            capture_output=True,
            timeout=120,
        )
        return (Path(tmp) / "form.doc").read_bytes()


def _as_doc(_docx: bytes) -> bytes:
    return _doc_template()


# ------------------------------------------------------------------------------------ dovecot


def start_dovecot() -> Any:
    from tests.dovecot import DOVECOT, DovecotServer

    if DOVECOT is None:
        raise SystemExit("bench_pipeline: dovecot is not installed (Debian package dovecot-imapd)")
    root = Path(tempfile.mkdtemp(prefix="intake-bench-dovecot-"))
    os.chmod(root, 0o755)
    server = DovecotServer(root)
    server.start()
    return server


def load_mailbox(server: Any, mails: Iterator[tuple[bytes, datetime]], chunk: int = 200) -> tuple[Any, float]:
    """APPEND the mails as they are generated (never all in memory); returns (user, megabytes)."""
    user = server.new_user()
    size, batch = 0, []
    for mail in mails:
        batch.append(mail)
        size += len(mail[0])
        if len(batch) >= chunk:
            server.append_many(user, "INBOX", batch)
            batch = []
    if batch:
        server.append_many(user, "INBOX", batch)
    return user, size / 1e6


def write_config(workdir: Path, server: Any, user: Any, *, workers: int) -> Path:
    data = workdir / "data"
    text = f"""
[mailbox]
kind = "imap"
host = "127.0.0.1"
port = {server.port}
security = "plain"
username = "{user.name}"
password_env = "{user.password_env}"
folders = ["INBOX"]
batch_size = 50

[intake]
deadline = "{DEADLINE.isoformat()}"
timezone = "Asia/Shanghai"
training_end_limit = "2025-10-31"
data_dir = "{data}"
workers = {workers}

[report]
workbook = "{data}/申报汇总.xlsx"
summary_html = "{data}/summary.html"
export_jsonl = "{data}/export.jsonl"
"""
    path = workdir / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


# ------------------------------------------------------------------------------------ child side


class StageClock:
    """Exclusive wall time per stage and thread: time inside a nested stage is not counted for its
    caller. Stages timed off the main thread (run.py parses batch N in a helper thread while batch N+1
    is fetched) are reported as "<stage> (bg)": they overlap the main thread's stages."""

    def __init__(self) -> None:
        self.totals: dict[str, float] = defaultdict(float)
        self.local = threading.local()
        self.lock = threading.Lock()

    def _state(self) -> tuple[list[str], list[float]]:
        if not hasattr(self.local, "stack"):
            self.local.stack, self.local.mark = [], [time.perf_counter()]
        return self.local.stack, self.local.mark

    def _add(self, stage: str, seconds: float) -> None:
        if threading.current_thread() is not threading.main_thread():
            stage += " (bg)"
        with self.lock:
            self.totals[stage] += seconds

    def enter(self, stage: str) -> None:
        stack, mark = self._state()
        now = time.perf_counter()
        if stack:
            self._add(stack[-1], now - mark[0])
        stack.append(stage)
        mark[0] = now

    def leave(self) -> None:
        stack, mark = self._state()
        now = time.perf_counter()
        self._add(stack.pop(), now - mark[0])
        mark[0] = now


CLOCK = StageClock()
WORKER_RSS_KB = [0]

# (module, attribute path, stage). Patched before intake.run is imported, so `from x import f` binds
# the wrapper. A missing target is skipped: modules land at different times.
TARGETS = [
    ("intake.mailbox", "ImapMailbox.fetch", "fetch"),
    ("intake.mailbox", "ImapMailbox.list_uids", "fetch"),
    ("intake.mime", "parse_mail", "unpack"),
    ("intake.archive", "expand", "unpack"),
    ("parsers.convert", "convert_to_docx", "convert"),
    ("intake.isolate", "DocumentParser.parse_all", "parse"),
    ("parsers.docx_form", "parse_docx", "parse"),
    ("parsers.pdf_form", "parse_pdf", "parse"),
    ("parsers.pairing", "pair_documents", "review"),
    ("intake.review", "form_flags", "review"),
    ("intake.review", "message_flags", "review"),
    ("intake.review", "supersessions", "review"),
    ("reports.workbook", "write_workbook", "workbook"),
    ("reports.summary", "write_summary", "summary"),
    ("reports.export", "write_export", "export"),
]
STORE_CLASS = ("intake.store", "Store")


ERRORS: list[str] = []
TOLERATED = ("workbook", "summary", "export")  # a writer mid-edit must not cost the other figures


def _timed(fn: Callable[..., Any], stage: str) -> Callable[..., Any]:
    import inspect

    if inspect.isgeneratorfunction(fn):

        @functools.wraps(fn)
        def gen_wrapper(*args: Any, **kwargs: Any) -> Iterator[Any]:
            CLOCK.enter(stage)
            try:
                it = fn(*args, **kwargs)
            finally:
                CLOCK.leave()
            while True:
                CLOCK.enter(stage)
                try:
                    item = next(it)
                except StopIteration:
                    return
                finally:
                    CLOCK.leave()
                yield item

        return gen_wrapper

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        CLOCK.enter(stage)
        try:
            return fn(*args, **kwargs)
        except Exception as err:
            if stage not in TOLERATED:
                raise
            ERRORS.append(f"{stage}: {type(err).__name__}: {err}"[:300])
            return None
        finally:
            CLOCK.leave()

    return wrapper


def _patch(module_name: str, attr_path: str, stage: str) -> bool:
    import importlib

    try:
        owner: Any = importlib.import_module(module_name)
    except Exception:  # noqa: BLE001 - a clock the code in use does not offer is left out
        return False
    *parents, name = attr_path.split(".")
    for p in parents:
        owner = getattr(owner, p, None)
        if owner is None:
            return False
    fn = getattr(owner, name, None)
    if fn is None or not callable(fn):
        return False
    setattr(owner, name, _timed(fn, stage))
    return True


def install_clocks() -> list[str]:
    patched = [f"{m}.{a}" for m, a, s in TARGETS if _patch(m, a, s)]
    try:
        import importlib
        import inspect

        store_cls = getattr(importlib.import_module(STORE_CLASS[0]), STORE_CLASS[1])
        for name, fn in list(vars(store_cls).items()):
            # plain methods only: a staticmethod wrapped as a function would be handed `self`
            if inspect.isfunction(fn) and not name.startswith("__"):
                setattr(store_cls, name, _timed(fn, "store"))
                patched.append(f"Store.{name}")
    except Exception:  # noqa: BLE001 - a clock the code in use does not offer is left out
        pass
    try:
        from intake.isolate import DocumentParser

        original_close = DocumentParser.close

        def close(self: Any) -> None:
            WORKER_RSS_KB[0] = max(WORKER_RSS_KB[0], self.stats.peak_worker_rss_kb)
            original_close(self)

        DocumentParser.close = close  # type: ignore[method-assign]
    except Exception:  # noqa: BLE001 - a clock the code in use does not offer is left out
        pass
    return patched


def _jsonable(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return _jsonable(asdict(value))
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value[:20]]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def skip_parsing() -> None:
    """Fetch + store only (the 10,000 run): every document comes back as 'not a form' at once."""
    from core.documents import ParsedForm
    from intake.isolate import DocumentParser

    def parse_all(self: Any, docs: Any, **_kw: Any) -> list[Any]:
        return [ParsedForm(d.name, d.kind, False, note="bench: parse skipped") for d in docs]

    DocumentParser.parse_all = parse_all  # type: ignore[method-assign]


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def child_main(args: argparse.Namespace) -> None:
    """Run one run_intake in this process and write its figures as JSON to args.out."""
    if args.fetch_store_only:
        skip_parsing()
    patched = install_clocks()
    from intake.config import load_config
    from intake.run import run_intake

    config = load_config(Path(args.config))
    kwargs: dict[str, Any] = {"mode": args.mode, "force": args.force}
    if args.mode == "rerun":
        kwargs.update(since=date(2024, 1, 1), until=date(2026, 1, 1))
    profiler = cProfile.Profile() if args.profile else None
    cpu_before = _cpu(resource.RUSAGE_SELF)  # count the run, not this process's imports
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    summary = run_intake(config, **kwargs)
    if profiler:
        profiler.disable()
    wall = time.perf_counter() - started
    stages = getattr(summary, "stage_seconds", None) or {}
    own = dict(CLOCK.totals)
    own["other (incl. waiting for parse)" if any(k.endswith("(bg)") for k in own) else "other"] = max(
        0.0, wall - sum(v for k, v in own.items() if not k.endswith("(bg)"))
    )
    out = {
        "wall_s": wall,
        "summary": _jsonable(summary),
        "exit_code": getattr(summary, "exit_code", None),
        "loadavg": os.getloadavg(),
        "stage_seconds_run": stages,
        "stage_seconds_bench": own,
        "patched": patched,
        "errors": ERRORS,
        "main_maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "main_cpu_s": _cpu(resource.RUSAGE_SELF) - cpu_before,
        "children_cpu_s": _cpu(resource.RUSAGE_CHILDREN),
        "children_maxrss_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
        "worker_peak_rss_kb": WORKER_RSS_KB[0],
    }
    if profiler:
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(35)
        out["profile"] = text.getvalue()
    Path(args.out).write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")


# ------------------------------------------------------------------------------------ parent side


def run_child(
    config: Path, mode: str, *, force: bool = False, profile: bool = False, fetch_store_only: bool = False
) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as tmp:
        out = tmp.name
    cmd = [PY, __file__, "--child", "--config", str(config), "--mode", mode, "--out", out]
    cmd += ["--force"] if force else []
    cmd += ["--profile"] if profile else []
    cmd += ["--fetch-store-only"] if fetch_store_only else []
    started = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0 or not Path(out).stat().st_size:
        raise RuntimeError(f"{mode} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    result = json.loads(Path(out).read_text(encoding="utf-8"))
    os.unlink(out)
    result["process_s"] = elapsed
    return result


def time_command(cmd: list[str], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, capture_output=True, check=False)
        best = min(best, time.perf_counter() - started)
    return best


def cron_run(config: Path) -> dict[str, float]:
    """No-new-mail run through the CLI, against bare start-up and `import intake.cli`."""
    bare = time_command([PY, "-c", "pass"])
    imports = time_command([PY, "-c", "import intake.cli"])
    cli = [PY, "-c", "import sys; from intake.cli import main; sys.argv[0] = 'intake'; main()"]
    started = time.perf_counter()
    proc = subprocess.run(
        [*cli, "run", "--config", str(config), "--quiet"], cwd=ROOT, capture_output=True, text=True
    )
    cron = time.perf_counter() - started
    return {
        "python_startup_s": bare,
        "import_cli_s": imports,
        "cron_run_s": cron,
        "beyond_startup_s": cron - bare,
        "exit_code": proc.returncode,
        "stderr": proc.stderr[-500:],
    }


def stage_table(result: dict[str, Any]) -> dict[str, float]:
    return result["stage_seconds_run"] or result["stage_seconds_bench"]


def fmt_stages(stages: dict[str, float], n: int) -> str:
    order = sorted(stages.items(), key=lambda kv: -kv[1])
    return ", ".join(f"{k} {v:.2f}s ({1000 * v / max(n, 1):.1f} ms/sub)" for k, v in order if v >= 0.005)


def seal_share(n: int = 40) -> dict[str, float] | None:
    """parse_pdf with and without the seal check, in process, on n generated PDFs (CPU ms per PDF)."""
    try:
        from parsers.pdf_form import parse_pdf
    except ImportError:
        return None
    from samples.formgen import sample_fields
    from samples.pdfgen import pdf_from_fields

    pdfs = [pdf_from_fields(sample_fields(9000 + i)) for i in range(n)]
    best = {False: float("inf"), True: float("inf")}
    for _round in range(3):  # alternate and keep the best round: the box is shared and noisy
        for check in (False, True):
            started = time.process_time()
            for i, data in enumerate(pdfs):
                with contextlib.suppress(Exception):
                    parse_pdf(data, f"{i}.pdf", check_seal=check)
            best[check] = min(best[check], time.process_time() - started)
    out = {"without_seal_ms": 1000 * best[False] / n, "with_seal_ms": 1000 * best[True] / n}
    out["seal_ms"] = out["with_seal_ms"] - out["without_seal_ms"]
    return out


def components(server: Any, user: Any, n: int, workers: int) -> dict[str, Any]:
    """Without run.py: fetch (ImapMailbox) → parse_mail → expand → DocumentParser, timed stage by stage."""
    from core.documents import Document
    from intake.isolate import DocumentParser
    from intake.mailbox import ImapMailbox
    from intake.mime import parse_mail

    try:
        from intake.archive import expand
    except ImportError:
        expand = None
    clock: dict[str, float] = defaultdict(float)
    docs: list[Document] = []
    mark = time.perf_counter()
    with ImapMailbox(server.mailbox_config(user, batch_size=50)) as box:
        listing = box.list_uids("INBOX")
        clock["fetch"] += time.perf_counter() - mark
        mark = time.perf_counter()
        for raw in box.fetch("INBOX", listing.uids):
            now = time.perf_counter()
            clock["fetch"] += now - mark
            docs.extend(_documents(parse_mail(raw.data), expand))
            mark = time.perf_counter()
            clock["unpack"] += mark - now
    counts: dict[str, int] = defaultdict(int)
    for d in docs:
        counts[d.kind] += 1
    parseable = [d for d in docs if d.kind in ("docx", "pdf")]
    mark = time.perf_counter()
    with DocumentParser(workers=workers) as parser:
        results = parser.parse_all(parseable)
        stats = parser.stats
    clock["parse"] = time.perf_counter() - mark
    failed = [r for r in results if isinstance(r, Exception)]
    reasons: dict[str, int] = defaultdict(int)
    for r in failed:
        reasons[getattr(r, "reason", str(r))[:60]] += 1
    return {
        "stages": dict(clock),
        "documents": dict(counts),
        "failed": len(failed),
        "reasons": dict(reasons),
        "worker_seconds_by_kind": stats.seconds_by_kind,
        "worker_peak_rss_kb": stats.peak_worker_rss_kb,
        "main_maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "main_cpu_s": _cpu(resource.RUSAGE_SELF),
        "children_cpu_s": _cpu(resource.RUSAGE_CHILDREN),
        "messages": len(listing.uids),
    }


def _documents(mail: Any, expand: Any) -> Iterator[Any]:
    import hashlib

    from core.documents import Document
    from parsers.sniff import sniff_kind

    for att in mail.attachments:
        if expand is not None:
            for item in expand(att.filename, att.data):
                if item.data is not None and item.kind in ("docx", "pdf"):
                    yield Document(item.name, item.kind, item.data, item.sha256, item.parent)
            continue
        kind = sniff_kind(att.data)
        if kind in ("docx", "pdf"):
            yield Document(att.filename, kind, att.data, hashlib.sha256(att.data).hexdigest())


def profile_parse(n: int, args: argparse.Namespace, top: int = 25) -> None:
    """cProfile of the parse stage, in process, on the documents of n generated mails, per kind."""
    from intake.isolate import parse_document
    from intake.mime import parse_mail

    try:
        from intake.archive import expand
    except ImportError:
        expand = None
    docs = [
        d
        for raw, _ in make_mails(n, doc_share=0.0, zip_share=args.zip_share)
        for d in _documents(parse_mail(raw), expand)
    ]
    for kind in ("docx", "pdf"):
        batch = [d for d in docs if d.kind == kind]
        if not batch:
            continue
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        for d in batch:
            with contextlib.suppress(Exception):
                parse_document(d)
        profiler.disable()
        per = 1000 * (time.perf_counter() - started) / len(batch)
        print(
            f"\n== parse profile: {len(batch)} {kind}, {per:.1f} ms each under cProfile "
            f"(load avg {os.getloadavg()[0]:.1f})",
            flush=True,
        )
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(top)
        print("\n".join(line for line in text.getvalue().splitlines() if line.strip())[:6000], flush=True)


def components_size(server: Any, n: int, args: argparse.Namespace) -> dict[str, Any]:
    started = time.perf_counter()
    user, mbytes = load_mailbox(server, make_mails(n, doc_share=args.doc_share, zip_share=args.zip_share))
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    result = components(server, user, n, args.workers)
    wall = time.perf_counter() - started
    result.update(n=n, load_s=load_s, mail_mb=mbytes, wall_s=wall)
    print(
        f"\n== components, N = {n}: generated + APPENDed {mbytes:.0f} MB in {load_s:.1f}s; "
        f"fetch+unpack+parse {wall:.2f}s ({1000 * wall / n:.1f} ms/submission)",
        flush=True,
    )
    print(f"    stages: {fmt_stages(result['stages'], n)}", flush=True)
    print(f"    documents {result['documents']}, failed {result['failed']} {result['reasons']}", flush=True)
    print(
        f"    worker CPU by kind: { {k: round(v, 2) for k, v in result['worker_seconds_by_kind'].items()} }; "
        f"peak RSS main {result['main_maxrss_kb'] / 1024:.0f} MB, worker "
        f"{result['worker_peak_rss_kb'] / 1024:.0f} MB",
        flush=True,
    )
    return result


def bench_size(server: Any, n: int, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    workdir = work / f"n{n}"
    workdir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    user, mbytes = load_mailbox(server, make_mails(n, doc_share=args.doc_share, zip_share=args.zip_share))
    load_s = time.perf_counter() - started
    config = write_config(workdir, server, user, workers=args.workers)
    report: dict[str, Any] = {"n": n, "load_s": load_s, "mail_mb": mbytes}
    print(f"\n== N = {n}: generated + APPENDed {mbytes:.0f} MB of mail in {load_s:.1f}s", flush=True)
    first = run_child(config, "run", profile=args.profile, fetch_store_only=args.fetch_store_only)
    report["first"] = first
    _print_run("first run", first, n)
    if args.fetch_store_only:
        return report
    report["cron"] = cron_run(config)
    c = report["cron"]
    print(
        f"  no-new-mail cron run: {c['cron_run_s']:.2f}s (python start-up {c['python_startup_s']:.2f}s, "
        f"import intake.cli {c['import_cli_s']:.2f}s → {c['beyond_startup_s']:.2f}s beyond start-up; "
        f"exit {c['exit_code']})",
        flush=True,
    )
    mail, when = next(make_mails(1, seed=99, doc_share=0.0, zip_share=0.0))
    server.append(user, "INBOX", mail, when)
    report["one new mail"] = run_child(config, "run")
    _print_run("cron run with one new mail", report["one new mail"], n)
    for label, force in (("rerun unchanged", False), ("rerun --force", True))[: 1 if args.no_force else 2]:
        result = run_child(config, "rerun", force=force)
        report[label] = result
        _print_run(label, result, n, first_wall=first["wall_s"])
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    return report


def _print_run(label: str, r: dict[str, Any], n: int, first_wall: float | None = None) -> None:
    share = f" = {100 * r['wall_s'] / first_wall:.1f}% of the first run" if first_wall else ""
    code = r.get("exit_code")
    counts = (
        {k: r["summary"].get(k) for k in ("processed", "skipped", "new", "failed")}
        if isinstance(r["summary"], dict)
        else {}
    )
    print(
        f"  {label}: {r['wall_s']:.2f}s wall ({1000 * r['wall_s'] / n:.1f} ms/submission){share}; "
        f"process {r['process_s']:.2f}s; exit_code {code} {counts}; load avg {r['loadavg'][0]:.1f}",
        flush=True,
    )
    if r["stage_seconds_run"]:
        print(f"    stages (RunSummary.stage_seconds): {fmt_stages(r['stage_seconds_run'], n)}", flush=True)
    print(f"    stages (bench clocks): {fmt_stages(r['stage_seconds_bench'], n)}", flush=True)
    main_cpu, workers_cpu = r["main_cpu_s"], r["children_cpu_s"]
    print(
        f"    CPU: main {main_cpu:.2f}s + workers {workers_cpu:.2f}s → quiet 2-core estimate "
        f"≥ {max(main_cpu, (main_cpu + workers_cpu) / 2):.2f}s wall",
        flush=True,
    )
    print(
        f"    peak RSS main {r['main_maxrss_kb'] / 1024:.0f} MB, worker {r['worker_peak_rss_kb'] / 1024:.0f} MB "
        f"(largest child incl. soffice {r['children_maxrss_kb'] / 1024:.0f} MB)",
        flush=True,
    )
    if r.get("errors"):
        print(f"    NOTE errors tolerated by the bench: {r['errors']}", flush=True)
    if r.get("profile"):
        print(r["profile"], flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="100,1000", help="comma-separated N (default 100,1000)")
    parser.add_argument("--workers", type=int, default=2, help="parser processes (default 2: the target box)")
    parser.add_argument("--doc-share", type=float, default=0.0, help="share of mails with a legacy .doc")
    parser.add_argument("--zip-share", type=float, default=0.1, help="share of mails with a zip")
    parser.add_argument(
        "--fetch-store-only",
        action="store_true",
        help="only the first run, documents not parsed (fetch, unpack, store, reports: for 10,000)",
    )
    parser.add_argument("--no-force", action="store_true", help="skip the rerun --force (long at 10,000)")
    parser.add_argument("--profile", action="store_true", help="cProfile the main process of the first run")
    parser.add_argument(
        "--components",
        action="store_true",
        help="fetch → parse_mail → expand → DocumentParser only (no run.py, no store/reports)",
    )
    parser.add_argument(
        "--profile-parse",
        type=int,
        default=0,
        metavar="N",
        help="cProfile parse_docx/parse_pdf in process on N generated mails, then exit",
    )
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--json", help="also write all figures to this JSON file")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--config", help=argparse.SUPPRESS)
    parser.add_argument("--mode", default="run", help=argparse.SUPPRESS)
    parser.add_argument("--force", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child_main(args)
        return 0
    if args.profile_parse:
        profile_parse(args.profile_parse, args)
        return 0
    print(f"bench_pipeline: {os.cpu_count()} CPUs, workers={args.workers}, python {sys.version.split()[0]}")
    seal = None if args.fetch_store_only else seal_share()
    if seal:
        print(
            f"seal check (in process, text PDF, CPU time): {seal['without_seal_ms']:.1f} ms/PDF without, "
            f"{seal['with_seal_ms']:.1f} ms/PDF with → seal {seal['seal_ms']:.1f} ms/PDF"
        )
    server = start_dovecot()
    work = Path(tempfile.mkdtemp(prefix="intake-bench-"))
    reports = []
    try:
        for n in (int(s) for s in args.sizes.split(",") if s.strip()):
            if args.components:
                reports.append(components_size(server, n, args))
            else:
                reports.append(bench_size(server, n, args, work))
    finally:
        server.stop()
        shutil.rmtree(server.root, ignore_errors=True)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    if args.json:
        Path(args.json).write_text(json.dumps({"seal": seal, "sizes": reports}, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
