"""Benchmark: write the review workbook (and the HTML summary and export) for N forms.

    /work/venv/bin/python bench/bench_workbook.py [--forms 1000 10000] [--no-tracemalloc]

Each measurement runs in its own child process, so the process peak RSS (ru_maxrss) belongs to that
step alone: the figure printed is the child's peak RSS and its growth over the RSS it had once the
records were built (records are what run.py holds anyway; the workbook should add a flat amount).
Wall and CPU seconds are printed (CPU is the steadier figure on a shared machine).  Python peak
memory (tracemalloc) is measured in a further child, because tracing slows the run down.

Figures on the shared 2-core machine (2026-11-28), before = normal-mode workbook (commit df8a86b),
after = streamed workbook and export:

  step (N forms)             before: CPU s / RSS growth / Python peak   after: CPU s / RSS growth / Python peak
  workbook first, 1,000          2.31 s /  +43 MiB /  36.9 MiB             1.16 s /  +6 MiB /  2.8 MiB
  workbook regenerate, 1,000     2.50 s /  +43 MiB /  36.9 MiB             1.13 s /  +5 MiB /  2.9 MiB
  export, 1,000                  0.07 s /   +9 MiB /  10.5 MiB             0.05 s /  +0 MiB /  0.2 MiB
  workbook first, 10,000        22.36 s / +409 MiB / 360.3 MiB            11.28 s / +56 MiB / 22.2 MiB
  workbook regenerate, 10,000   26.03 s / +409 MiB / 360.4 MiB            11.39 s / +56 MiB / 22.2 MiB
  (regenerate 'after' includes the quick reviewer-column reader: reading notes 7.9 s -> 1.0 s at 10,000)
  export, 10,000                 0.63 s / +105 MiB / 104.8 MiB             0.54 s /  +1 MiB /  1.4 MiB

Issue 14 (2026-12-02, load ~3; workbook with 原件/ and 审核页/, public openpyxl API only):
workbook_first 2.9-3.3 s, workbook_regenerate 1.65-1.9 s (the store's state: the file not read),
workbook_reviewed 2.4-2.6 s (a reviewer saved it: read back with openpyxl), store_reports 3.3 s
regenerating / 4.7 s first; df3a6cf regenerate 1.36-1.40 s in the same minutes.

store_reports: intake.run.write_reports (workbook + summary + export, what `run`/`report` call) on a real
store filled through Store.save_message, in a process that holds no records of its own (base 54 MiB).
Before = Store.load_records() list (commit 8200e6e); after = Store.records() streaming view, reports
reading it in passes, summary written as generated:

  N        before: CPU s / peak RSS (growth)      after: CPU s / peak RSS (growth)
  1,000      1.33 s /  74 MiB (+21)                 2.07 s /  68 MiB (+14)
  10,000    13.78 s / 209 MiB (+155)               20.43 s / 118 MiB (+64)
  (after, one writer per process at 10,000: export 63 MiB, summary 87, workbook 112: what still grows
  is inside the workbook writer, not records; the extra CPU is the store read once per pass, ~0.5 s)
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.fields import FormFields
from core.flags import Flag
from core.records import AttachmentRecord, FormRecord, MessageRecord, RunInfo
from samples.formgen import sample_fields

TZ = ZoneInfo("Asia/Shanghai")
_FLAG_CYCLE = (
    (),
    (Flag("missing_field", "applicant.mobile"),),
    (Flag("stamp_missing"),),
    (Flag("funding_type_missing"), Flag("scope_missing")),
    (),
)
STEPS = ("workbook_first", "workbook_regenerate", "workbook_reviewed", "summary", "export", "store_reports")


def _fields(i: int) -> FormFields:
    """Realistic values (long texts as applicants write them)."""
    return FormFields.from_json(sample_fields(i))


def make_messages(n_forms: int, data_dir: Path) -> list[MessageRecord]:
    start = datetime(2024, 12, 11, tzinfo=UTC)
    (data_dir / "att").mkdir(parents=True, exist_ok=True)
    msgs = []
    for i in range(n_forms):
        key = f"INBOX/1/{i + 1}"
        archived = f"att/{i:06d}.docx"
        (data_dir / archived).write_bytes(b"x")
        form = FormRecord(
            f"form-{i:06d}",
            key,
            (f"申报表{i}.docx", f"申报表{i}.pdf"),
            _fields(i),
            _FLAG_CYCLE[i % len(_FLAG_CYCLE)],
        )
        atts = (
            AttachmentRecord(f"申报表{i}.docx", f"{i:064x}", "docx", 40_000, "parsed", archive_path=archived),
            AttachmentRecord(f"申报表{i}.pdf", f"{i + 1:064x}", "pdf", 300_000, "parsed"),
        )
        late = (Flag("late", "2024-12-18 09:00"),) if i % 20 == 0 else ()
        msgs.append(
            MessageRecord(
                key,
                f"<{i}@x>",
                "INBOX",
                1,
                i + 1,
                f"u{i}@example.com",
                f"申报材料{i}",
                start + timedelta(minutes=7 * i),
                None,
                atts,
                (form,),
                late,
            )
        )
    return msgs


def _rss_mib() -> float:
    try:
        import psutil

        return psutil.Process().memory_info().rss / 2**20
    except ImportError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _action(step: str, root: Path, msgs: list[MessageRecord], run: RunInfo) -> Callable[[], None]:
    from reports.export import write_export
    from reports.summary import write_summary
    from reports.workbook import write_workbook

    book = root / "申报汇总.xlsx"
    if step == "workbook_first":
        return lambda: write_workbook(book, msgs, run, tz=TZ, data_dir=root / "data")
    if step.startswith("workbook"):
        # Untimed: the workbook as the previous run left it, and the store's state of it.
        state = write_workbook(book, msgs, run, tz=TZ, data_dir=root / "data").state
        if step == "workbook_reviewed":  # a reviewer saved it since (openpyxl writes as Excel does)
            _review(book)
        return lambda: write_workbook(book, msgs, run, tz=TZ, data_dir=root / "data", state=state)
    if step == "summary":
        return lambda: write_summary(root / "s.html", msgs, run, tz=TZ)
    return lambda: write_export(root / "e.jsonl", msgs)


def _review(book: Path) -> None:
    """A reviewer types a decision and corrects a field, and saves the workbook in an office suite
    (LibreOffice Calc: the formulas' results stored, as Excel and WPS do; openpyxl alone saves none,
    which makes the reader take its slower path for formula text)."""
    import openpyxl

    wb = openpyxl.load_workbook(book)
    ws = wb["申报项目"]
    header = {c.value: c.column for c in ws[1]}
    ws.cell(row=2, column=header["推荐级别"]).value = "推荐省级"
    ws.cell(row=3, column=header["办班地点"]).value = "武汉市洪山宾馆"
    wb.save(book)
    if shutil.which("soffice"):
        from tests.libreoffice import saved_by_calc

        with tempfile.TemporaryDirectory() as work:
            saved_by_calc(book, Path(work))


def fill_store(n: int, root: Path) -> None:
    """A real store with N synthetic messages, written through the store API (its own child process)."""
    from intake.store import Store

    msgs = make_messages(n, root / "store")
    with Store(root / "store") as store:
        run_id = store.start_run("run", "bench", datetime(2024, 12, 20, tzinfo=UTC))
        for i, m in enumerate(msgs):
            store.save_message(
                m, raw_sha256=f"{i:064x}", raw_path=f"files/raw/{i}.eml", rules_version="bench", run_id=run_id
            )
        store.finish_run(
            run_id,
            datetime(2024, 12, 20, 1, tzinfo=UTC),
            status="ok",
            n_new=n,
            n_changed=0,
            n_failed=0,
        )


def store_reports(root: Path, trace: bool) -> dict[str, float]:
    """intake.run.write_reports (what `run` and `report` call) on the filled store: the process holds
    no records of its own, so its peak RSS is what the report writing costs the main process."""
    from types import SimpleNamespace

    from intake.config import ReportConfig
    from intake.run import write_reports
    from intake.store import Store

    out = root / "out"
    from core.schema import DEFAULT_SCHEMA

    config = SimpleNamespace(
        intake=SimpleNamespace(timezone=TZ),
        report=ReportConfig(out / "申报汇总.xlsx", out / "summary.html", out / "export.jsonl"),
        schema=DEFAULT_SCHEMA,
    )
    with Store(root / "store") as store:
        base = _rss_mib()
        if trace:
            tracemalloc.start()
            write_reports(config, store)  # type: ignore[arg-type]
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            return {"py_peak_mib": peak / 2**20}
        t0, c0 = time.perf_counter(), time.process_time()
        write_reports(config, store)  # type: ignore[arg-type]
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "rss_base_mib": base,
        "rss_peak_mib": peak,
        "size_mib": (out / "申报汇总.xlsx").stat().st_size / 2**20,
    }


def child(step: str, n: int, root: Path, trace: bool) -> dict[str, float]:
    """One measured step in this (fresh) process; the first-write step removes any old workbook."""
    if step == "store_fill":
        fill_store(n, root)
        return {}
    if step == "store_reports":
        return store_reports(root, trace)
    msgs = make_messages(n, root / "data")
    run = RunInfo(
        1,
        datetime(2024, 12, 20, tzinfo=UTC),
        None,
        "bench",
        new_keys=frozenset(m.key for m in msgs[:50]),
    )
    if step == "workbook_first":
        (root / "申报汇总.xlsx").unlink(missing_ok=True)
    fn = _action(step, root, msgs, run)
    base = _rss_mib()
    if trace:
        tracemalloc.start()
        fn()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return {"py_peak_mib": peak / 2**20}
    t0, c0 = time.perf_counter(), time.process_time()
    fn()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "rss_base_mib": base,
        "rss_peak_mib": peak,
        "size_mib": (root / "申报汇总.xlsx").stat().st_size / 2**20 if step.startswith("workbook") else 0,
    }


def _spawn(step: str, n: int, root: Path, trace: bool) -> dict[str, float]:
    cmd = [sys.executable, __file__, "--child", step, "--forms", str(n), "--root", str(root)]
    if trace:
        cmd.append("--trace")
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--forms", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--no-tracemalloc", action="store_true", help="skip the (slow) Python-peak pass")
    ap.add_argument("--steps", nargs="+", default=list(STEPS), choices=STEPS)
    ap.add_argument("--child", choices=(*STEPS, "store_fill"), help=argparse.SUPPRESS)
    ap.add_argument("--root", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.forms[0], args.root, args.trace)))
        return
    for n in args.forms:
        with tempfile.TemporaryDirectory() as tmp:
            print(f"--- {n} forms, {n} mails")
            for step in args.steps:
                if step == "store_reports":
                    _spawn("store_fill", n, Path(tmp), False)
                r = _spawn(step, n, Path(tmp), False)
                line = (
                    f"{step:<20} {r['wall_s']:7.2f} s wall {r['cpu_s']:7.2f} s CPU   "
                    f"peak RSS {r['rss_peak_mib']:6.0f} MiB (+{r['rss_peak_mib'] - r['rss_base_mib']:.0f} "
                    f"over the {r['rss_base_mib']:.0f} MiB before the step)"
                )
                if not args.no_tracemalloc:
                    t = _spawn(step, n, Path(tmp), True)
                    line += f"   Python peak {t['py_peak_mib']:.1f} MiB"
                if r.get("size_mib"):
                    line += f"   file {r['size_mib']:.2f} MiB"
                print(line, flush=True)


if __name__ == "__main__":
    main()
