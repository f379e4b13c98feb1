"""Benchmark: write the review workbook (and the HTML summary and export) for N forms.

    /work/venv/bin/python bench/bench_workbook.py [--forms 1000]

Prints wall and CPU seconds (CPU is the steadier figure on a shared machine) and peak memory for: the first write, a regeneration that reads reviewer columns back
from the previous workbook, the HTML summary and the JSON-lines export.  Peak memory is measured with
tracemalloc in a separate pass (Python allocations), and the process's max RSS is printed too.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
import tracemalloc
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from intake.models import AttachmentRecord, Flag, FormRecord, MessageRecord, RunInfo  # noqa: E402
from reports.export import write_export  # noqa: E402
from reports.summary import write_summary  # noqa: E402
from reports.workbook import write_workbook  # noqa: E402

TZ = ZoneInfo("Asia/Shanghai")
_FLAG_CYCLE = ((), (Flag("missing_field", "applicant.mobile"),), (Flag("stamp_missing"),),
               (Flag("funding_type_missing"), Flag("scope_missing")), ())


def _fields(i: int) -> dict[str, Any]:
    try:  # realistic values (long texts as applicants write them) when the generator is there
        from intake.formgen import sample_fields
        return sample_fields(i)
    except ImportError:
        return {"project_name": f"高级研修班{i}", "purpose": "研修目的。" * 60, "applicant": {"name": f"武汉单位{i}"}}


def make_messages(n_forms: int, data_dir: Path) -> list[MessageRecord]:
    start = datetime(2024, 12, 11, tzinfo=timezone.utc)
    (data_dir / "att").mkdir(parents=True, exist_ok=True)
    msgs = []
    for i in range(n_forms):
        key = f"INBOX/1/{i + 1}"
        archived = f"att/{i:06d}.docx"
        (data_dir / archived).write_bytes(b"x")
        form = FormRecord(f"form-{i:06d}", key, (f"申报表{i}.docx", f"申报表{i}.pdf"), _fields(i),
                          _FLAG_CYCLE[i % len(_FLAG_CYCLE)])
        atts = (AttachmentRecord(f"申报表{i}.docx", f"{i:064x}", "docx", 40_000, "parsed",
                                 archive_path=archived),
                AttachmentRecord(f"申报表{i}.pdf", f"{i + 1:064x}", "pdf", 300_000, "parsed"))
        late = (Flag("late", "2024-12-18 09:00"),) if i % 20 == 0 else ()
        msgs.append(MessageRecord(key, f"<{i}@x>", "INBOX", 1, i + 1, f"u{i}@example.com", f"申报材料{i}",
                                  start + timedelta(minutes=7 * i), None, atts, (form,), late))
    return msgs


def _measure(label: str, fn: Callable[[], None]) -> None:
    t0, c0 = time.perf_counter(), time.process_time()
    fn()
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{label:<34} {seconds:7.2f} s wall {cpu:7.2f} s CPU   peak Python memory {peak / 2**20:7.1f} MiB")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--forms", type=int, default=1000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        msgs = make_messages(args.forms, root / "data")
        run = RunInfo(1, datetime.now(timezone.utc), None, "bench",
                      new_keys=frozenset(m.key for m in msgs[:50]))
        book = root / "申报汇总.xlsx"
        print(f"{args.forms} forms, {len(msgs)} mails")
        def first_write() -> None:
            book.unlink(missing_ok=True)
            write_workbook(book, msgs, run, tz=TZ, data_dir=root / "data")

        _measure("workbook (first write)", first_write)
        _measure("workbook (regenerate, keep notes)", lambda: write_workbook(book, msgs, run, tz=TZ,
                                                                             data_dir=root / "data"))
        _measure("HTML summary", lambda: write_summary(root / "s.html", msgs, run, tz=TZ))
        _measure("JSON-lines export", lambda: write_export(root / "e.jsonl", msgs))
        print(f"workbook size {book.stat().st_size / 2**20:.2f} MiB; "
              f"process max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
