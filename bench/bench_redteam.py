"""The red team's evaluation set (tests/redteam): choice-field accuracy, other-field accuracy, flag
precision and recall, on forms written by writers that share nothing with the readers, read the way users
read them — every document through `intake parse`'s path (document tier) and every mail through one
`intake run` on a Maildir, scored on export.jsonl (run tier).  Prints the figures by writer, then every
wrong field, false flag and missed flag.

Usage: .venv/bin/python bench/bench_redteam.py [--quiet] [--no-run] [--rebuild]
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.redteam import build, evaluate, mails
from tests.redteam.cases import CASES
from tests.redteam.model import Score


def _pct(a: int, n: int) -> str:
    return f"{a}/{n} = {a / n:.2%}" if n else "n/a"


def _figures(title: str, s: Score) -> None:
    precision = s.flags_tp / (s.flags_tp + s.flags_fp) if s.flags_tp + s.flags_fp else 1.0
    recall = s.flags_tp / (s.flags_tp + s.flags_fn) if s.flags_tp + s.flags_fn else 1.0
    print(f"{title}")
    print(f"  choice fields: {_pct(s.choice_ok, s.choice_n)}")
    print(f"  other fields:  {_pct(s.other_ok, s.other_n)}")
    print(
        f"  flags: precision {s.flags_tp}/{s.flags_tp + s.flags_fp} = {precision:.2%}, "
        f"recall {s.flags_tp}/{s.flags_tp + s.flags_fn} = {recall:.2%}"
    )


def main() -> int:
    quiet = "--quiet" in sys.argv
    t0 = time.perf_counter()
    folder = build.build(force="--rebuild" in sys.argv)
    t1 = time.perf_counter()
    missing = build.missing_writers(folder)
    doc = evaluate.document_tier(folder)
    t2 = time.perf_counter()
    words = Counter(c.word for c in CASES if c.word)
    pdfs = Counter(c.pdf for c in CASES if c.pdf)
    styles = {c.style.name.split(":")[0] + ":" + c.style.name.split(":")[-1] for c in CASES}
    marks = {m for c in CASES for m in (c.style.funding, c.style.scope, c.style.ce)}
    print(
        f"red-team set: {len(CASES)} forms; Word {sum(words.values())} ({dict(words)}); "
        f"PDF {sum(pdfs.values())} ({dict(pdfs)}); {len(styles)} filling styles, {len(marks)} marking styles"
    )
    if missing:
        print(f"writers missing on this machine (their documents skipped): {', '.join(missing)}")
    print(f"built in {t1 - t0:.1f} s (cache: {folder})")
    _figures(f"document tier ({len(doc.results) - doc.negatives_n} documents, {t2 - t1:.1f} s):", doc.total)
    by_channel: dict[str, Score] = defaultdict(Score)
    for r in doc.results:
        if r.case is not None:
            by_channel[r.case.word if r.kind == "word" else r.case.pdf or ""].add(r.score)
    for ch, s in sorted(by_channel.items()):
        p = s.flags_tp / (s.flags_tp + s.flags_fp) if s.flags_tp + s.flags_fp else 1.0
        rc = s.flags_tp / (s.flags_tp + s.flags_fn) if s.flags_tp + s.flags_fn else 1.0
        print(
            f"    {ch:10s} choice {s.choice_ok}/{s.choice_n}  other {s.other_ok}/{s.other_n}  "
            f"flag precision {p:.1%} recall {rc:.1%}"
        )
    print(f"  non-forms ignored: {doc.negatives_ok}/{doc.negatives_n}")
    run = None
    if "--no-run" not in sys.argv:
        with tempfile.TemporaryDirectory(prefix="rt-run-") as tmp:
            expects, mids = mails.build_maildir(folder, Path(tmp) / "Maildir")
            t3 = time.perf_counter()
            export = evaluate.run_intake(Path(tmp) / "Maildir", Path(tmp))
            t4 = time.perf_counter()
            run = evaluate.run_tier(export, expects, mids)
        _figures(f"run tier ({len(expects)} mails, intake run {t4 - t3:.1f} s):", run.total)
    if not quiet:
        for title, tier in (("document tier", doc), ("run tier", run)):
            if tier is None:
                continue
            s = tier.total
            for what, lines in (
                ("wrong fields", s.wrong_fields),
                ("false flags", s.false_flags),
                ("missed flags", s.missed_flags),
            ):
                print(f"\n{title}: {what} ({len(lines)})")
                for line in lines:
                    print("  " + line)
            if tier.negatives_wrong:
                print(f"\n{title}: non-forms read as forms")
                for line in tier.negatives_wrong:
                    print("  " + line)
            if tier.skipped:
                print(f"\n{title}: skipped ({len(tier.skipped)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
