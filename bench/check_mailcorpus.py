"""Run intake.mime's attachment walk over ../shared/mailcorpus and score it with the corpus checker.

Usage: python bench/check_mailcorpus.py [CORPUS_DIR] [--keep OUT_DIR]
Writes the checker's input JSON twice (files as they are; bare LF turned into CRLF, as IMAP delivers
them) and runs tools/check_attachments.py against expected.json and expected-crlf.json.
Exit status 0 when both have no hard failure.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from intake.mime import inline_uuencoded, walk_attachments

DEFAULT = Path("/work/shared/mailcorpus")


def to_crlf(raw: bytes) -> bytes:
    return re.sub(rb"(?<!\r)\n", b"\r\n", raw)


def extract(corpus: Path, crlf: bool) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for f in sorted((corpus / "messages").iterdir()):
        raw = f.read_bytes()
        if crlf:
            raw = to_crlf(raw)
        parts, _problems = walk_attachments(raw, expand_rfc822=False)
        out[f.name] = [
            {"filename": p.filename, "sha256": hashlib.sha256(p.data).hexdigest()}
            for p in parts
            if p.is_attachment
        ]
    return out


def check(corpus: Path, expected: str, actual: Path) -> tuple[int, str]:
    proc = subprocess.run(
        [sys.executable, str(corpus / "tools" / "check_attachments.py"), str(corpus / expected), str(actual)],
        capture_output=True,
        text=True,
    )
    return proc.returncode, proc.stdout


def check_inline_uu(corpus: Path) -> tuple[int, int]:
    """The optional deeper check: uuencoded files inside plain-text bodies (`inline_uuencoded`)."""
    expected = json.loads((corpus / "expected.json").read_text(encoding="utf-8"))
    ok = bad = 0
    for msg, e in sorted(expected.items()):
        want = e.get("inline_uuencoded")
        if not want:
            continue
        parts, _ = walk_attachments((corpus / "messages" / msg).read_bytes())
        got = [
            (a.filename, hashlib.sha256(a.data).hexdigest())
            for p in parts
            if p.content_type == "text/plain" and not p.is_attachment
            for a in inline_uuencoded(p.data)
        ]
        for w in want:
            if (w["filename"], w["sha256"]) in got:
                ok += 1
            else:
                bad += 1
                print(f"FAIL inline uuencode {msg}: {w['filename']}")
    return ok, bad


def check_tnef(corpus: Path) -> tuple[int, int]:
    """The optional deeper check: files inside winmail.dat (`tnef_contents`).  message.rtf / message.html
    are the TNEF body saved by `tnef --save-body`, not attachments, so they are not expected here."""
    from intake.archive import expand

    expected = json.loads((corpus / "expected.json").read_text(encoding="utf-8"))
    ok = bad = 0
    for msg, e in sorted(expected.items()):
        for att in e["attachments"]:
            want = [
                w
                for w in att.get("tnef_contents", [])
                if w["filename"] not in ("message.rtf", "message.html")
            ]
            if not want:
                continue
            parts, _ = walk_attachments((corpus / "messages" / msg).read_bytes())
            got = [
                (i.name.split("/", 1)[-1], i.sha256)
                for p in parts
                if p.is_attachment
                for i in expand(p.filename or "winmail.dat", p.data)[1:]
            ]
            for w in want:
                if (w["filename"], w["sha256"]) in got:
                    ok += 1
                else:
                    bad += 1
                    print(f"FAIL tnef {msg}: {w['filename']}")
    return ok, bad


def main() -> int:
    args = sys.argv[1:]
    keep = None
    if "--keep" in args:
        i = args.index("--keep")
        keep = Path(args[i + 1])
        del args[i : i + 2]
    corpus = Path(args[0]) if args else DEFAULT
    tmp = keep or Path(tempfile.mkdtemp(prefix="mailcorpus-"))
    tmp.mkdir(parents=True, exist_ok=True)
    worst = 0
    for expected, crlf in (("expected.json", False), ("expected-crlf.json", True)):
        path = tmp / ("project-crlf.json" if crlf else "project.json")
        path.write_text(json.dumps(extract(corpus, crlf), ensure_ascii=False, indent=1), encoding="utf-8")
        rc, text = check(corpus, expected, path)
        print(f"== {expected} ({'CRLF' if crlf else 'as stored'}) → {path}")
        print(text.rstrip())
        worst = max(worst, rc)
    ok, bad = check_inline_uu(corpus)
    print(f"== inline_uuencoded (deeper check): {ok} found, {bad} missing")
    ok2, bad2 = check_tnef(corpus)
    print(f"== tnef_contents (deeper check, files only): {ok2} found, {bad2} missing")
    return max(worst, 1 if bad or bad2 else 0)


if __name__ == "__main__":
    sys.exit(main())
