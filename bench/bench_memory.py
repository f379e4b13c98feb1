"""Peak memory of the main intake process against message size (issue 15: it grew 8-10x the largest
message — three 45 MB attachments took 778 MB, a 1.4 GB message 14.6 GB).

    .venv/bin/python bench/bench_memory.py [--attachment-mb 45] [--attachments 3] [--huge-mb 1100]
                                           [--normal 20] [--skip-huge] [--code DIR]

Starts a private Dovecot (tests/dovecot.py) and fills its INBOX without ever holding a big message in
memory: each message is written to disk as it is generated and dropped into the user's Maildir, where
Dovecot serves it over IMAP like any other.  The mailbox holds `--normal` ordinary submissions (~300 KB),
one mail with `--attachments` Word forms of `--attachment-mb` each (a photo-sized image inside), and
one mail of `--huge-mb` (a single attachment).  Then `intake run` runs in a fresh process, and the
figures come from inside it: peak RSS of the main process (VmHWM: ru_maxrss would carry this script's
own peak across the exec), the largest parser worker (RUSAGE_CHILDREN: a forked worker counts the pages
it shares with the main process), CPU and wall time, exit code.

Scenarios:
  default     the configured limit (mailbox.max_message_mb = 200): the huge mail is listed by its header
              and flagged, never downloaded; the 3 x 45 MB mail is streamed to disk and decoded from there
  huge-in     max_message_mb above the huge mail: it is streamed to disk and its part decoded from there
              (an attachment over the 50 MB attachment limit is hashed on the way and flagged)
`--code DIR` runs another checkout (e.g. `git archive main | tar -x -C DIR`) for a before/after figure;
an older version does not know max_message_mb, so only the default scenario runs, without the huge mail
unless --huge-mb is given explicitly (an old version needs ~10x its size in memory).
The figures are noisy on a shared machine: the load average is printed with them.
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import os
import random
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from datetime import datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BJ = ZoneInfo("Asia/Shanghai")
MB = 1024 * 1024
_RUN = """
import json, os, resource, sys, time
started, cpu = time.perf_counter(), time.process_time()
code = 0
try:
    from intake.cli import main
    main(sys.argv[1:], prog_name="intake")
except SystemExit as done:
    code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
# VmHWM, not ru_maxrss: Linux keeps ru_maxrss across execve, so it would report the bench's own peak.
with open("/proc/self/status") as status:
    hwm = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
with open(os.environ["BENCH_RESULT"], "w") as fh:
    json.dump({"exit": code, "wall_s": time.perf_counter() - started, "cpu_s": time.process_time() - cpu,
               "main_peak_mb": hwm / 1024,
               "worker_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}, fh)
"""


# ---------------------------------------------------------------- messages, written as they are made


def _b64_lines(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """Base64 in 76-character lines, CRLF, from chunks whose sizes are multiples of 57 (but the last)."""
    for chunk in chunks:
        enc = base64.b64encode(chunk)
        yield b"".join(enc[i : i + 76] + b"\r\n" for i in range(0, len(enc), 76))


def _pieces(data: bytes) -> Iterator[bytes]:
    step = 57 * 20_000
    for i in range(0, len(data), step):
        yield data[i : i + step]


def _random(size: int, rng: random.Random) -> Iterator[bytes]:
    step = 57 * 20_000
    for start in range(0, size, step):
        yield rng.randbytes(min(step, size - start))


def _form(seed: int, pad: int, rng: random.Random) -> bytes:
    from samples.formgen import build_form_docx, sample_fields

    docx = build_form_docx(sample_fields(seed))
    if pad:
        buf = io.BytesIO(docx)
        with zipfile.ZipFile(buf, "a", compression=zipfile.ZIP_STORED) as z:
            z.writestr("word/media/image1.jpeg", rng.randbytes(pad))
        docx = buf.getvalue()
    return docx


def write_mail(path: Path, n: int, attachments: list[tuple[str, str, Iterator[bytes]]]) -> int:
    """A multipart mail with base64 attachments (name, MIME type, chunks), streamed to `path`."""
    when = datetime(2024, 12, 1, 9, 0, tzinfo=BJ) + timedelta(minutes=n)
    with path.open("wb") as out:
        out.write(
            (
                f"From: unit{n}@example.cn\r\nTo: hbzsgx@163.com\r\nSubject: =?UTF-8?B?"
                f"{base64.b64encode(f'申报表 {n}'.encode()).decode()}?=\r\nMessage-ID: <bench-mem-{n}@example.cn>\r\n"
                f"Date: {format_datetime(when)}\r\nMIME-Version: 1.0\r\n"
                'Content-Type: multipart/mixed; boundary="BND"\r\n\r\n'
                "--BND\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nattached\r\n"
            ).encode()
        )
        for name, ctype, chunks in attachments:
            out.write(
                f"--BND\r\nContent-Type: {ctype}\r\nContent-Transfer-Encoding: base64\r\n"
                f'Content-Disposition: attachment; filename="{name}"\r\n\r\n'.encode()
            )
            for block in _b64_lines(chunks):
                out.write(block)
        out.write(b"--BND--\r\n")
    return path.stat().st_size


def drop(server: object, user: object, path: Path, n: int) -> None:
    """Deliver a message file into the user's Maildir INBOX (what an MTA does), for Dovecot to serve."""
    from tests.dovecot import MAIL_GID, MAIL_UID

    box = server.root / "mail" / user.name  # type: ignore[attr-defined]
    for sub in ("cur", "new", "tmp"):
        (box / sub).mkdir(parents=True, exist_ok=True)
        os.chown(box / sub, MAIL_UID, MAIL_GID)
    os.chown(box, MAIL_UID, MAIL_GID)
    target = box / "new" / f"{1733000000 + n}.M{n}P1.bench"
    os.replace(path, target)
    os.chown(target, MAIL_UID, MAIL_GID)
    stamp = (datetime(2024, 12, 1, 9, 0, tzinfo=BJ) + timedelta(minutes=n)).timestamp()
    os.utime(target, (stamp, stamp))


def fill(server: object, user: object, work: Path, args: argparse.Namespace) -> dict[str, float]:
    rng = random.Random(15)
    sizes: dict[str, float] = {}
    n = 0
    for _ in range(args.normal):
        n += 1
        docx = _form(n, 200_000, rng)
        mail = work / f"m{n}.eml"
        write_mail(mail, n, [(f"申报表{n}.docx", "application/octet-stream", _pieces(docx))])
        drop(server, user, mail, n)
    n += 1
    forms = [
        (
            f"申报表-{i}.docx",
            "application/octet-stream",
            _pieces(_form(100 + i, args.attachment_mb * MB, rng)),
        )
        for i in range(args.attachments)
    ]
    mail = work / "attachments.eml"
    sizes["attachments_mail_mb"] = write_mail(mail, n, forms) / MB
    drop(server, user, mail, n)
    if args.huge_mb:
        n += 1
        mail = work / "huge.eml"
        chunks = _random(args.huge_mb * MB, rng)
        sizes["huge_mail_mb"] = write_mail(mail, n, [("扫描件.pdf", "application/pdf", chunks)]) / MB
        drop(server, user, mail, n)
    return sizes


# ---------------------------------------------------------------- the measured run


def config(path: Path, server: object, user: object, data: Path, max_mb: float | None) -> Path:
    extra = f"max_message_mb = {max_mb}\n" if max_mb is not None else ""
    path.write_text(
        f"""[mailbox]
kind = "imap"
host = "127.0.0.1"
port = {server.port}
security = "plain"
username = "{user.name}"
password_env = "{user.password_env}"
folders = ["INBOX"]
read_timeout = 600
{extra}
[intake]
deadline = "2024-12-17T23:59:59+08:00"
training_end_limit = "2025-10-31"
data_dir = "{data}"
""",
        encoding="utf-8",
    )  # type: ignore[attr-defined]
    return path


def measure(cfg: Path, code: Path) -> dict[str, float]:
    result = cfg.parent / "result.json"
    env = {**os.environ, "BENCH_RESULT": str(result), "PYTHONPATH": str(code)}
    done = subprocess.run(
        [sys.executable, "-c", _RUN, "run", "--quiet", "--config", str(cfg)],
        cwd=code,
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    figures: dict[str, float] = json.loads(result.read_text())
    if done.stderr.strip():
        print("    stderr:", done.stderr.strip().replace("\n", "\n            "))
    return figures


def outcome(data: Path, code: Path, subjects: list[str]) -> str:
    """What the store says about the big mails: outcome, message flags, attachment statuses."""
    script = (
        "import sys; from pathlib import Path; from intake.store import Store\n"
        "with Store(Path(sys.argv[1])) as s:\n"
        "    rows = list(s.records())\n"
        "    print(len(rows), 'messages stored')\n"
        "    for r in rows:\n"
        "        if r.subject in sys.argv[2:]:\n"
        "            print(r.subject, r.outcome, sorted({f.code for f in r.flags}),\n"
        "                  [(a.status, a.detail[:40]) for a in r.attachments if a.parent is None])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(data), *subjects],
        cwd=code,
        env={**os.environ, "PYTHONPATH": str(code)},
        capture_output=True,
        text=True,
    )
    return done.stdout.strip() or done.stderr.strip()[-300:]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--attachment-mb", type=int, default=45)
    ap.add_argument("--attachments", type=int, default=3)
    ap.add_argument("--huge-mb", type=int, default=None, help="default 1100 (0: no huge mail)")
    ap.add_argument("--normal", type=int, default=20)
    ap.add_argument("--code", type=Path, default=ROOT, help="the checkout to measure")
    args = ap.parse_args()
    older = args.code.resolve() != ROOT
    if args.huge_mb is None:
        args.huge_mb = 0 if older else 1100
    from tests.dovecot import DovecotServer

    work = Path(tempfile.mkdtemp(prefix="bench-memory-"))
    os.chmod(work, 0o755)
    server = DovecotServer(work / "dovecot")
    server.start()
    try:
        user = server.new_user()
        sizes = fill(server, user, work, args)
        print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; code: {args.code}")
        print(
            f"mailbox: {args.normal} submissions of ~300 KB, one mail of {args.attachments} x "
            f"{args.attachment_mb} MB Word forms ({sizes['attachments_mail_mb']:.0f} MB as delivered)"
            + (f", one mail of {sizes['huge_mail_mb']:.0f} MB" if args.huge_mb else "")
        )
        scenarios: list[tuple[str, float | None]] = [("default", None)]
        if args.huge_mb and not older:
            scenarios.append(("huge-in", args.huge_mb * 2))
        for name, max_mb in scenarios:
            data = work / f"data-{name}"
            cfg = config(work / f"config-{name}.toml", server, user, data, max_mb)
            f = measure(cfg, args.code)
            print(
                f"{name:8s} main process peak {f['main_peak_mb']:.0f} MB, largest worker "
                f"{f['worker_peak_mb']:.0f} MB, {f['wall_s']:.1f} s wall, {f['cpu_s']:.1f} s CPU, exit {f['exit']}"
            )
            big = [f"申报表 {args.normal + 1}", f"申报表 {args.normal + 2}"]
            print("    ", outcome(data, args.code, big).replace("\n", "\n     "))
    finally:
        server.stop()
        subprocess.run(["rm", "-rf", str(work)], check=False)


if __name__ == "__main__":
    main()
