"""`make bench`: run every bench/bench_*.py with a modest default size and print their figures.

Each script runs in its own process (so one failing benchmark does not stop the others) with the
arguments in SMALL below when it has an entry there, else with none. Exit 1 when any script failed.
`python bench/run_all.py bench_pdf bench_docx` runs only those.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent

# Modest sizes so `make bench` finishes in minutes on a laptop; run a script by hand for the full sizes.
SMALL: dict[str, list[str]] = {
    "bench_pipeline.py": ["--sizes", "100"],
    "bench_imap.py": ["--messages", "200", "--small", "50", "--no-cron"],
    "bench_workbook.py": ["--forms", "200"],
    "bench_docx.py": ["--forms-per-style", "2", "--repeat", "2"],
    "bench_pdf.py": ["--forms", "10", "--libreoffice", "1", "--repeat", "1"],
    "bench_attachments.py": ["--rounds", "1", "--docs", "5"],
    "bench_notify.py": ["--notices", "200"],
    "bench_accuracy.py": ["--quiet"],
    "bench_redteam.py": ["--quiet"],
    "bench_memory.py": ["--normal", "5", "--attachment-mb", "20", "--huge-mb", "300"],
}
TIMEOUT_S = 1800


def scripts() -> list[Path]:
    return sorted(p for p in BENCH.glob("bench_*.py") if p.is_file())


def run(script: Path) -> tuple[int, float]:
    print(f"\n===== {script.name} {' '.join(SMALL.get(script.name, []))}", flush=True)
    started = time.perf_counter()
    try:
        proc = subprocess.run(
            [sys.executable, str(script), *SMALL.get(script.name, [])], cwd=ROOT, timeout=TIMEOUT_S
        )
        code = proc.returncode
    except subprocess.TimeoutExpired:
        print(f"{script.name}: timed out after {TIMEOUT_S} s", flush=True)
        code = 124
    return code, time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    wanted = set(argv if argv is not None else sys.argv[1:])  # optional: names of scripts to run
    results = [(s.name, *run(s)) for s in scripts() if not wanted or s.name in wanted or s.stem in wanted]
    print("\n===== summary")
    for name, code, seconds in results:
        print(f"{name:32} {'ok' if code == 0 else f'FAILED (exit {code})':18} {seconds:7.1f} s")
    return 1 if any(code for _, code, _ in results) else 0


if __name__ == "__main__":
    sys.exit(main())
