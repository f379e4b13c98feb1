"""Choice-field accuracy and flag precision / recall on the choice corpus (tests/corpus), end to end.

Every form of the corpus is written by a writer independent of the readers (raw WordprocessingML,
python-docx, reportlab; .doc and PDF by the real LibreOffice), read by the project's parsers (a .doc
through parsers.convert) and judged by the review rules.  Prints the figures, then every wrong choice,
false flag and missed flag.  Usage: .venv/bin/python bench/bench_accuracy.py [--quiet]
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests import corpus


def main() -> int:
    quiet = "--quiet" in sys.argv
    started = time.perf_counter()
    cases = corpus.cases()
    files = corpus.converted(cases, corpus.build(cases))
    built = time.perf_counter()
    score = corpus.Score()
    missing = [c.name for c in cases if c.name not in files]
    for case in cases:
        if case.name in files:
            score.add(case, corpus.read(case, files[case.name]))
    done = time.perf_counter()
    by_fmt = Counter(c.fmt for c in cases if c.name in files)
    by_writer = Counter(c.writer for c in cases if c.name in files)
    styles = {s for c in cases for s in c.style.split("+")}
    ignored, negatives = _negatives()
    print(
        f"corpus: {sum(by_fmt.values())} forms ({dict(by_fmt)}; writers {dict(by_writer)}; {len(styles)} marking styles)"
    )
    print(f"choice fields: {score.choices_right}/{score.choices} right = {score.choice_accuracy:.2%}")
    print(f"flag precision: {score.flags_true}/{score.flags_raised} = {score.precision:.2%}")
    print(f"flag recall: {score.flags_found}/{score.flags_expected} = {score.recall:.2%}")
    print(f"other fields wrong: {len(score.wrong_fields)}")
    print(
        f"not a 申报表 (procurement file, 实施方案, 汇总表, cover letter, 推荐表; .docx and PDF): {ignored}/{negatives} ignored"
    )
    print(f"time: build and convert {built - started:.1f} s, read {done - built:.1f} s")
    if missing:
        print(f"not written by LibreOffice: {missing}")
    if not quiet:
        for title, items in (
            ("wrong choices", score.wrong_choices),
            ("false flags", score.false_flags),
            ("missed flags", score.missed_flags),
            ("other wrong fields", score.wrong_fields),
        ):
            if items:
                print(f"\n{title}:")
                for item in items:
                    print("  " + item)
    return 0


def _negatives() -> tuple[int, int]:
    """Documents that are not a form, as .docx and as LibreOffice PDF: how many are ignored."""
    from parsers.docx_form import parse_docx
    from parsers.pdf_form import parse_pdf
    from tests.writers import office

    docs = corpus.negatives()
    results = [not parse_docx(data, f"{name}.docx").is_form for name, data in docs.items()]
    if office.soffice():
        pdfs = office.convert({f"{k}.docx": v for k, v in docs.items()}, "pdf")
        results += [not parse_pdf(data, name, check_seal=False).is_form for name, data in pdfs.items()]
    return sum(results), len(results)


if __name__ == "__main__":
    raise SystemExit(main())
