"""Benchmark: what a reviewer waits for in LibreOffice with a 1,000-form review workbook.

    .venv/bin/python bench/bench_workbook_lo.py [--forms 1000] [--repeat 3] [--workbook FILE]

Builds the workbook of N synthetic forms (bench_workbook.make_messages, through write_workbook), then
drives a headless LibreOffice with a Basic macro (a private, throw-away user profile; no python3-uno
needed) that opens the file, recalculates every formula, sorts 申报项目 by 申报单位 (descending, the
whole table) and filters 状态 = 需补正, timing each step inside LibreOffice (milliseconds, wall).
The soffice process's CPU time (start-up included) is printed too: the steadier figure on a shared
machine.  `--workbook FILE` measures an existing file instead (e.g. one written by another commit).

`--inner N` repeats open/sort/filter inside one soffice process and keeps the best of each (start-up
noise out).  Figures on the shared 2-core machine, 1,000 forms, median over 4 processes of the best of 5
rounds each, the three workbooks alternating (2026-12-02, load average 1.5-4):

  workbook                                   open     sort    filter   soffice CPU (5 rounds)
  before: main df3a6cf (private openpyxl)    388 ms   56 ms   5.5 ms   3.61 s
  issue 10 public API (main 9d57edb)         470 ms   64 ms   6.5 ms   4.18 s
  issue 14                                   388 ms   59 ms   4.0 ms   3.64 s
  issue 14 without its link formulas         380 ms   48 ms   4.0 ms   3.43 s

(Each 申报项目 row links its review page and both originals: 2,000-3,000 formula cells that sorting
copies; as cell hyperlinks — edit cells — they cost 30-40% more.)

`--against OLD.xlsx` alternates our workbook with another one, one process each per round, and prints
the median over rounds and in how many rounds ours was faster: on this machine the timings drift by
±20% within minutes, so only paired rounds compare two workbooks.  Today's workbook against df3a6cf's
(the workbook before issue 14: `git worktree add /tmp/old df3a6cf`, written by its write_workbook from
the same sample forms), 20 rounds, best of 6 per process (2026-12-03, after document line breaks
became spaces in the sheets, reports.cells.one_line):

  workbook     open     sort    filter   soffice CPU (6 rounds)
  df3a6cf      362 ms   62 ms   6 ms     5.65 s
  issue 14     326 ms   57 ms   4 ms     5.09 s
  ours faster in 18/20 rounds (open), 15/20 (sort), 20/20 (filter), 18/20 (CPU)

With those line breaks kept (3434df9) ours was level or slower: medians of 6-round runs open 296-340
vs 278-330 ms, sort 55-60 vs 51-59 ms (each multi-line cell is an edit object in LibreOffice).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

_MACRO = """
Function ColumnOf(sheet As Object, title As String, lastCol As Long) As Long
    Dim c As Long
    For c = 0 To lastCol
        If sheet.getCellByPosition(c, 0).getString() = title Then
            ColumnOf = c
            Exit Function
        End If
    Next c
    ColumnOf = -1
End Function

Sub Run(inPath As String, outPath As String, reps As Integer)
    Dim args(0) As New com.sun.star.beans.PropertyValue
    args(0).Name = "Hidden"
    args(0).Value = True
    Dim t0 As Long, t1 As Long, t2 As Long, t3 As Long, t4 As Long
    Dim bOpen As Long, bCalc As Long, bSort As Long, bFilter As Long
    bOpen = 999999 : bCalc = 999999 : bSort = 999999 : bFilter = 999999
    Dim k As Integer
    Dim sortField(0) As New com.sun.star.table.TableSortField
    Dim sortDesc(1) As New com.sun.star.beans.PropertyValue
    Dim ff(0) As New com.sun.star.sheet.TableFilterField
    For k = 1 To reps
        t0 = GetSystemTicks()
        doc = StarDesktop.loadComponentFromURL(ConvertToURL(inPath), "_blank", 0, args())
        t1 = GetSystemTicks()
        doc.calculateAll()
        t2 = GetSystemTicks()
        sheet = doc.Sheets.getByName("申报项目")
        cur = sheet.createCursor()
        cur.gotoEndOfUsedArea(False)
        lastRow = cur.RangeAddress.EndRow
        lastCol = cur.RangeAddress.EndColumn
        rng = sheet.getCellRangeByPosition(0, 0, lastCol, lastRow)
        sortField(0).Field = ColumnOf(sheet, "申报单位", lastCol)
        sortField(0).IsAscending = False
        sortDesc(0).Name = "SortFields"
        sortDesc(0).Value = sortField()
        sortDesc(1).Name = "ContainsHeader"
        sortDesc(1).Value = True
        rng.sort(sortDesc())
        t3 = GetSystemTicks()
        fd = rng.createFilterDescriptor(True)
        ff(0).Field = ColumnOf(sheet, "状态", lastCol)
        ff(0).Operator = com.sun.star.sheet.FilterOperator.EQUAL
        ff(0).IsNumeric = False
        ff(0).StringValue = "需补正"
        fd.setFilterFields(ff())
        fd.ContainsHeader = True
        rng.filter(fd)
        t4 = GetSystemTicks()
        visible = 0
        For r = 1 To lastRow
            If sheet.getRows().getByIndex(r).IsVisible Then visible = visible + 1
        Next r
        doc.close(True)
        If t1 - t0 < bOpen Then bOpen = t1 - t0
        If t2 - t1 < bCalc Then bCalc = t2 - t1
        If t3 - t2 < bSort Then bSort = t3 - t2
        If t4 - t3 < bFilter Then bFilter = t4 - t3
    Next k
    n = FreeFile()
    Open outPath For Output As #n
    Print #n, "{""open_ms"": " & bOpen & ", ""recalc_ms"": " & bCalc & ", ""sort_ms"": " & bSort _
        & ", ""filter_ms"": " & bFilter & ", ""rows"": " & lastRow & ", ""visible"": " & visible & "}"
    Close #n
End Sub
"""

_XLB = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE library:library PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "library.dtd">
<library:library xmlns:library="http://openoffice.org/2000/library" library:name="Standard" \
library:readonly="false" library:passwordprotected="false">
 <library:element library:name="Module1"/>
 <library:element library:name="Bench"/>
</library:library>
"""


def _module() -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">\n'
        '<script:module xmlns:script="http://openoffice.org/2000/script" script:name="Bench" '
        f'script:language="StarBasic">{escape(_MACRO)}</script:module>\n'
    )


def make_profile(root: Path) -> Path:
    """A fresh LibreOffice user profile whose Standard library holds the Bench module."""
    profile = root / "profile"
    url = profile.as_uri()
    subprocess.run(
        ["soffice", f"-env:UserInstallation={url}", "--headless", "--norestore", "--terminate_after_init"],
        check=True,
        capture_output=True,
        timeout=180,
    )
    std = profile / "user" / "basic" / "Standard"
    std.mkdir(parents=True, exist_ok=True)
    (std / "Bench.xba").write_text(_module(), encoding="utf-8")
    (std / "script.xlb").write_text(_XLB, encoding="utf-8")
    if not (std / "Module1.xba").exists():
        (std / "Module1.xba").write_text(
            _module().replace('script:name="Bench"', 'script:name="Module1"').replace(escape(_MACRO), ""),
            encoding="utf-8",
        )
    return profile


def measure(profile: Path, workbook: Path, out: Path, reps: int = 1) -> dict[str, float]:
    """One soffice process: open, recalculate, sort, filter `reps` times (the best of each, timed by the
    macro) + the process's CPU seconds."""
    out.unlink(missing_ok=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            f'macro:///Standard.Bench.Run("{workbook}","{out}",{reps})',
        ],
        check=True,
        capture_output=True,
        timeout=180 + 60 * reps,
    )
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    figures: dict[str, float] = json.loads(out.read_text(encoding="utf-8"))
    figures["process_wall_s"] = wall
    figures["process_cpu_s"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return figures


def build(n: int, root: Path) -> Path:
    from bench_workbook import TZ, make_messages

    from core.records import RunInfo
    from reports.workbook import write_workbook

    msgs = make_messages(n, root / "data")
    run = RunInfo(
        1, datetime(2024, 12, 20, tzinfo=UTC), None, "bench", new_keys=frozenset(m.key for m in msgs[:50])
    )
    book = root / "申报汇总.xlsx"
    write_workbook(book, msgs, run, tz=TZ, data_dir=root / "data")
    return book


_STEPS = ("open_ms", "sort_ms", "filter_ms", "process_cpu_s")


def compare(root: Path, ours: Path, other: Path, rounds: int, inner: int) -> None:
    """Rounds of one soffice process per workbook, alternating (the machine's drift hits both): the
    median over rounds of each process's best, and in how many rounds ours was faster."""
    local = {"ours": root / "ours.xlsx", "other": root / "other.xlsx"}
    shutil.copyfile(ours, local["ours"])
    shutil.copyfile(other, local["other"])
    profile = make_profile(root)
    runs: dict[str, list[dict[str, float]]] = {"ours": [], "other": []}
    for r in range(rounds):
        for name in ("other", "ours") if r % 2 else ("ours", "other"):
            runs[name].append(measure(profile, local[name], root / "out.json", inner))
    for name, path in (("ours", ours), ("other", other)):
        figures = ", ".join(f"{k} {statistics.median(x[k] for x in runs[name]):.3g}" for k in _STEPS)
        print(f"{name:5s} {path.name}: median of {rounds} processes' best of {inner}: {figures}")
    wins = ", ".join(
        f"{k} {sum(a[k] < b[k] for a, b in zip(runs['ours'], runs['other'], strict=True))}/{rounds}"
        for k in _STEPS
    )
    print(f"rounds where ours was faster: {wins}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--forms", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3, help="soffice processes")
    ap.add_argument("--inner", type=int, default=5, help="open/sort/filter rounds inside each process")
    ap.add_argument("--workbook", type=Path, help="measure this file instead of building one")
    ap.add_argument(
        "--against", type=Path, help="also measure this workbook, alternating with ours (paired rounds)"
    )
    args = ap.parse_args()
    if shutil.which("soffice") is None:
        print("soffice not installed: nothing measured")
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        book = args.workbook.resolve() if args.workbook else build(args.forms, root)
        if args.against:
            compare(root, book, args.against.resolve(), args.repeat, args.inner)
            return
        local = root / "bench.xlsx"  # an ASCII path for the macro URL
        shutil.copyfile(book, local)
        profile = make_profile(root)
        runs = [measure(profile, local, root / "out.json", args.inner) for _ in range(args.repeat)]
        best = {k: min(r[k] for r in runs) for k in runs[0]}
        print(f"workbook {book.name}: {os.path.getsize(book) / 2**20:.2f} MiB, {best['rows']:.0f} rows")
        print(
            "best of {n}: open {open_ms:.0f} ms, recalc {recalc_ms:.0f} ms, sort {sort_ms:.0f} ms, "
            "filter {filter_ms:.0f} ms ({visible:.0f} rows shown); soffice {process_cpu_s:.2f} s CPU, "
            "{process_wall_s:.2f} s wall".format(n=len(runs), **best)
        )
        print(json.dumps(runs))


if __name__ == "__main__":
    main()
