"""OCR of scanned submissions (issue 12): accuracy on degraded scans, seal verdicts, time per page, cache.

Two fixture sets.  The tests' writer (tests/scanfix.py, `--only tuned`): forms written with python-docx,
printed by LibreOffice, rasterised by pdftoppm, then turned 90/180°, skewed, greyed with noise, JPEG'd at
quality 40, stamped over the text, photographed at a tilt.  The held-out writer (tests/heldout.py,
`--only heldout`): HTML through LibreOffice, a serif font, pen ticks, another seal, two-page forms as
colour / grey / upside-down scans and phone photos; `--hard` adds its hard photos (a strong tilt, a
curled page), outside the issue's targets.  Seed 0 of each is what development looks at; a held-out
seed's misses are printed only with `--misses`, after its totals were taken.  Prints:
  - field accuracy (every leaf of the contract's `fields`), choice-field accuracy, project name and
    unit (申报单位) exact, over all degraded pages;
  - seal verdicts on colour scans (red, faded, pink, half covered, none) and on a greyscale scan;
  - OCR time per A4 page with one core and with two (onnxruntime intra-op threads + two recognition
    threads): wall and CPU seconds, with the load average (the machine is shared: CPU time is the
    steadier figure);
  - a rerun of an unchanged scanned mailbox: pages OCR'd (must be 0) and wall time.

    .venv/bin/python bench/bench_ocr.py [--repeat 3] [--no-pipeline] [--seeds 5] [--heldout-seeds 8]
    .venv/bin/python bench/bench_ocr.py --only heldout --heldout-seed 9 [--heldout-seed 10]   # fresh seeds
    .venv/bin/python bench/bench_ocr.py --only heldout --hard-only --misses

Last measured (branch ocr3, 2026-12-02 20:10-21:10 UTC, load 1-4 on 2 CPUs; accuracy does not depend on
load): tests' writer seeds 0-4 fields 100 / 100 / 100 / 99.8 / 100 %, choice and name+unit 100 % on
every seed; held-out writer seeds 0-8 100 / 100 / 100 % each (fields / choice / name+unit); hard photos fields
82.4 %, choice 83.3 %, name+unit 91.7 % (curled page all but one row, strong tilt not); OCR 2.24 s CPU a
page on one core, wall 2.19 s on one core and 1.36 s on two (load 0.2-0.5).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time
import unicodedata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHOICES = (
    "funding_type",
    "scope.national_strategy",
    "scope.industry_demand",
    "scope.digital_tech",
    "organizer.ce_base",
)
NAME_AND_UNIT = ("project_name", "declared_org")


def _leaves(d: dict[str, Any], pre: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        out.update(_leaves(v, f"{pre}{k}.") if isinstance(v, dict) else {f"{pre}{k}": v})
    return out


def _same(a: Any, b: Any) -> bool:
    def n(v: Any) -> Any:
        return re.sub(r"\s+", "", unicodedata.normalize("NFKC", v)) if isinstance(v, str) else v

    return bool(n(a) == n(b))


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count() or 1} CPUs"


def accuracy(seed: int) -> None:
    from parsers.scan_form import OcrOptions, parse_image
    from tests import scanfix

    totals = {"fields": [0, 0], "choices": [0, 0], "name+unit": [0, 0]}
    misses: list[str] = []
    cpu: list[float] = []
    for name in scanfix.FORMS:
        want = _leaves(scanfix.expected(name))
        for how in scanfix.DEGRADATIONS:
            page = scanfix.degraded(name, how, seed)
            data = scanfix.jpg(page, 90) if how == "phone" else scanfix.png(page)
            started = time.process_time()
            form = parse_image(data, f"{how}.png", options=OcrOptions())
            cpu.append(time.process_time() - started)
            got = _leaves(form.fields.to_json())
            misses += [f"{name}/{how}: {m}" for m in _score(want, got, totals)]
    print(
        f"degraded scans, seed {seed}: {len(scanfix.FORMS)} forms x {len(scanfix.DEGRADATIONS)}"
        f" ({', '.join(scanfix.DEGRADATIONS)})"
    )
    for g, (ok, n) in totals.items():
        print(f"  {g:10} {ok}/{n} = {100 * ok / n:.1f}%")
    print(f"  CPU per page (one core, incl. cleaning and table): median {statistics.median(cpu):.2f} s")
    for m in misses:
        print("  miss:", m)


def _score(want: dict[str, Any], got: dict[str, Any], totals: dict[str, list[int]]) -> list[str]:
    misses = []
    for key, value in want.items():
        ok = _same(value, got.get(key))
        groups = (
            ["fields"]
            + (["choices"] if key in CHOICES else [])
            + (["name+unit"] if key in NAME_AND_UNIT else [])
        )
        for g in groups:
            totals[g][0] += ok
            totals[g][1] += 1
        if not ok:
            misses.append(f"{key} = {got.get(key)!r} (want {value!r})")
    return misses


def read_mail_scans(files: list[tuple[str, bytes, str]]) -> Any:
    """The scans and photos of one mail read as a run reads them: each file through the parser registry,
    then the pages that continue one form joined (parsers.scan_form.join_scans)."""
    from core.documents import Document
    from parsers import scan_form
    from parsers.registry import parse_document

    forms = [parse_document(Document(name, kind, data, "")) for name, data, kind in files]
    join = getattr(scan_form, "join_scans", None)
    if join is not None:
        forms = join(forms)
    return [f for f in forms if f.is_form]


def heldout(seed: int, hard: bool = False, show_misses: bool = False) -> None:
    """Seed 0 of the HTML writer is the one looked at while developing (its misses are printed); seeds 1
    and up are held out: only their totals are printed (unless `show_misses`, once the figures are taken),
    so nobody tunes on them."""
    from tests import heldout as ho

    totals = {"fields": [0, 0], "choices": [0, 0], "name+unit": [0, 0]}
    seals = [0, 0]
    misses: list[str] = []
    kinds = ho.HARD if hard else (*ho.SCANS, *ho.PHOTOS)
    for name in ho.FORMS:
        want = _leaves(ho.expected(name))
        for how in kinds:
            if how.startswith("scan"):
                files = [(f"{name}-盖章扫描件.pdf", ho.scan_pdf(name, how, seed), "pdf")]
            else:
                files = [(n, d, "image") for n, d in ho.photos(name, how, seed)]
            forms = read_mail_scans(files)
            if len(forms) != 1:
                misses.append(f"{name}/{how}: {len(forms)} forms from {len(files)} file(s)")
            got = _leaves(forms[0].fields.to_json()) if forms else {}
            misses += [f"{name}/{how}: {m}" for m in _score(want, got, totals)]
            if how != "scan_grey" and forms and forms[0].pdf is not None:
                seals[0] += forms[0].pdf.seal == "present"
                seals[1] += 1
    label = "hard photos (strong tilt, curled page)" if hard else "held-out HTML writer"
    print(f"{label}, seed {seed}: {len(ho.FORMS)} two-page forms x {len(kinds)} ({', '.join(kinds)})")
    for g, (ok, n) in totals.items():
        print(f"  {g:10} {ok}/{n} = {100 * ok / max(n, 1):.1f}%")
    print(f"  seal present on colour scans/photos: {seals[0]}/{seals[1]}")
    if seed == 0 or show_misses:
        for m in misses:
            print("  miss:", m)


def seals() -> None:
    from parsers.pdf_form import parse_pdf
    from tests import scanfix

    page = scanfix.clean_pages("biotech")[0]
    org = scanfix.FORMS["biotech"]["declared_org"]
    at = scanfix.header_point(page)
    half = scanfix.stamp(page, org, at)
    half.paste((255, 255, 255), (at[0] - 40, 0, page.width, at[1] + 200))
    cases = {
        "red": (scanfix.stamp(page, org, at), "present"),
        "faded": (scanfix.stamp(page, org, at, strength=0.45), "present"),
        "pink": (scanfix.stamp(page, org, at, colour=(238, 140, 160)), "present"),
        "half covered": (half, "present"),
        "no seal": (page, "absent"),
    }
    right = 0
    for label, (img, want) in cases.items():
        got = parse_pdf(scanfix.to_pdf([scanfix.colour_scan(img)]), "s.pdf").pdf
        right += got is not None and got.seal == want
        print(f"  colour scan, {label:12}: {got.seal if got else None} (want {want})")
    grey = parse_pdf(scanfix.to_pdf([scanfix.stamp(page, org, at)], grey=True), "s.pdf").pdf
    print(f"  greyscale scan with a seal: {grey.seal if grey else None} (want unknown)")
    print(f"seal verdicts on colour scans: {right}/{len(cases)} correct")


def timing(repeat: int) -> None:
    import numpy as np

    from parsers.ocr.engine import Engine
    from parsers.ocr.read import read_page
    from tests import scanfix

    pages = {how: np.asarray(scanfix.degraded("biotech", how)) for how in ("clean", "skew")}
    for threads in (1, 2):
        engine = Engine(threads)
        read_page(engine, pages["clean"])  # warm: models loaded, first-run allocations done
        walls, cpus = [], []
        for _ in range(repeat):
            for rgb in pages.values():
                w, c = time.perf_counter(), time.process_time()
                read_page(engine, rgb)
                walls.append(time.perf_counter() - w)
                cpus.append(time.process_time() - c)
        engine.close()
        print(
            f"  {threads} core(s): wall median {statistics.median(walls):.2f} s/page (min {min(walls):.2f}), "
            f"CPU median {statistics.median(cpus):.2f} s/page   [{_load()}]"
        )


def pipeline() -> None:
    from intake.run import run_intake
    from tests import scanfix
    from tests.test_run import DOCX, at, config_for, make_mail, write_maildir

    with tempfile.TemporaryDirectory(prefix="bench-ocr-") as tmp:
        base = Path(tmp)
        mails = []
        for i, (name, how) in enumerate(
            (n, h) for n in scanfix.FORMS for h in ("clean", "seal", "skew", "jpeg40")
        ):
            scan = scanfix.to_pdf([scanfix.colour_scan(scanfix.degraded(name, how))])
            atts = [(f"{name}-{how}.pdf", scan, "application/pdf")]
            if i % 2:
                atts.append((f"{name}.docx", scanfix.build_docx(scanfix.FORMS[name]), DOCX))
            mails.append(make_mail(i + 1, at(12, 8 + i), atts))
        # phone photos of a two-page form, one JPG a page, alone and with the Word file (another writer)
        from tests import heldout

        shots = [(n, d, "image/jpeg") for n, d in heldout.photos("battery", "photo", 0)]
        docx = scanfix.build_docx({k: v for k, v in heldout.FORMS["battery"].items() if k != "marks"})
        mails.append(make_mail(len(mails) + 1, at(13, 9), shots))
        mails.append(make_mail(len(mails) + 1, at(13, 10), [("申报表.docx", docx, DOCX), *shots[::-1]]))
        cfg = config_for(base, write_maildir(base / "mail", mails), workers=2)
        w = time.perf_counter()
        first = run_intake(cfg)
        first_s = time.perf_counter() - w
        w = time.perf_counter()
        again = run_intake(cfg, mode="rerun", force=True)
        again_s = time.perf_counter() - w
        forms = [
            f
            for rec in map(json.loads, cfg.report.export_jsonl.read_text(encoding="utf-8").splitlines())
            for f in rec["forms"]
        ]
    photo_forms = [f for f in forms if any(s.endswith(".jpg") for s in f["sources"])]
    print(
        f"scanned mailbox: {len(mails)} mails (8 scans, half with their Word file: header-only OCR; two mails"
        " of two phone photos of one form, one with its Word file)"
    )
    print(f"  photo mails: {len(photo_forms)} forms, sources {[f['sources'] for f in photo_forms]}")
    print(
        f"  first run: {first_s:.1f} s wall, pages OCR'd {first.ocr_pages[0]}, from cache {first.ocr_pages[1]}"
    )
    print(
        f"  rerun --force of the unchanged mailbox: {again_s:.1f} s wall, pages OCR'd {again.ocr_pages[0]}, from cache {again.ocr_pages[1]}   [{_load()}]"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3, help="timing rounds per page and core count")
    ap.add_argument("--no-pipeline", action="store_true", help="skip the mailbox run and rerun")
    ap.add_argument(
        "--seeds",
        type=int,
        default=2,
        help="degradation seeds (0: the set the reader was tuned on; 1 and up: turned the other way, other "
        "skew angles and noise, never looked at while tuning)",
    )
    ap.add_argument(
        "--heldout-seeds",
        type=int,
        default=2,
        help="held-out seeds of the HTML writer (tests/heldout.py: another writer, font, seal, scanner and "
        "photos), besides its seed 0 that development looks at",
    )
    ap.add_argument(
        "--heldout-seed",
        type=int,
        action="append",
        metavar="N",
        help="only this held-out seed (repeatable), instead of 0..--heldout-seeds",
    )
    ap.add_argument(
        "--misses",
        action="store_true",
        help="print the held-out seeds' misses too (only after their figures were taken)",
    )
    ap.add_argument("--hard", action="store_true", help="also the hard photos (strong tilt, curled page)")
    ap.add_argument("--hard-only", action="store_true", help="the hard photos alone")
    ap.add_argument(
        "--only", choices=("tuned", "heldout", "seals", "timing", "pipeline"), help="one part only"
    )
    args = ap.parse_args()
    from tests import scanfix

    missing = scanfix.tools_missing()
    if missing:
        print(f"bench_ocr: skipped ({missing})")
        return
    print(f"bench_ocr  [{_load()}]")

    def part(name: str) -> bool:
        return args.only in (None, name)

    if part("tuned"):
        for seed in range(args.seeds):
            accuracy(seed)
    if part("heldout"):
        for seed in () if args.hard_only else args.heldout_seed or range(args.heldout_seeds + 1):
            heldout(seed, show_misses=args.misses)
        if args.hard or args.hard_only:
            heldout(0, hard=True, show_misses=args.misses)
    if part("seals"):
        seals()
    if part("timing"):
        print("OCR time per A4 page (150 dpi):")
        timing(args.repeat)
    if part("pipeline") and not args.no_pipeline:
        pipeline()


if __name__ == "__main__":
    main()
