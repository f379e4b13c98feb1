"""IMAP fetch benchmark against a local Dovecot: intake's ImapMailbox vs mbsync, cron no-new-mail, RSS.

    /work/venv/bin/python bench/bench_imap.py [--messages 1000] [--small 200] [--size-kb 300]

Fills a temporary Dovecot (tests/dovecot.py) with realistic submission mails (a filled 申报表 .docx with
an embedded photo, and a PDF of the same form; ~300 KB per mail as delivered), then prints:
(a) intake's fetch time: ImapMailbox list + fetch of every message, in a fresh process;
(b) mbsync syncing the same folder to a Maildir (the floor), and the ratio a/b;
(c) a no-new-mail cron run: `intake run` end to end when intake.run exists, else list_uids only;
(d) peak RSS of the fetch process at --small and at --messages messages (flat = streaming works).
Targets: fetch ≤ 1.2× mbsync; no-new-mail run ≤ 1 s beyond interpreter start-up; RSS flat.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BJ = ZoneInfo("Asia/Shanghai")
PY = sys.executable


# ---------------------------------------------------------------- mails


def _pad_docx(docx: bytes, extra: int, rng: random.Random) -> bytes:
    """Add an (unreferenced) photo-sized media file, stored: applicants paste photos and scans into forms."""
    buf = io.BytesIO(docx)
    with zipfile.ZipFile(buf, "a", compression=zipfile.ZIP_STORED) as z:
        z.writestr("word/media/image1.jpeg", rng.randbytes(extra))
    return buf.getvalue()


def make_mail(i: int, size_kb: int, rng: random.Random) -> bytes:
    from samples.formgen import STYLES, build_form_docx, sample_fields
    from samples.pdfgen import pdf_from_fields

    fields = sample_fields(i)
    docx = build_form_docx(fields, STYLES[i % len(STYLES)])
    pdf = pdf_from_fields(fields, seal=True)
    raw_target = size_kb * 1024 * 3 // 4  # base64 grows attachments by a third
    docx = _pad_docx(docx, max(0, raw_target - len(docx) - len(pdf)), rng)
    unit = str(fields.get("declared_org") or f"单位{i}")
    msg = EmailMessage()
    msg["From"] = f"{unit} <unit{i}@example.cn>"
    msg["To"] = "hbzsgx@163.com"
    msg["Subject"] = f"{unit}专业技术人员继续教育项目申报表"
    msg["Message-ID"] = make_msgid(domain="example.cn")
    msg["Date"] = format_datetime(datetime(2024, 12, 1, 9, 0, tzinfo=BJ) + timedelta(minutes=i))
    msg.set_content("您好，附件为我单位申报表（Word 与盖章 PDF），请查收。")
    msg.add_attachment(
        docx,
        maintype="application",
        subtype="vnd.openxmlformats-officedocument.wordprocessingml.document",
        filename=f"{unit}申报表.docx",
    )
    msg.add_attachment(pdf, maintype="application", subtype="pdf", filename=f"{unit}申报表.pdf")
    return msg.as_bytes()


def fill(server, user, folder: str, n: int, size_kb: int) -> float:
    """APPEND n mails (made once, reused across folders); returns MB appended."""
    rng = random.Random(42)
    client = server.client(user)
    total = 0
    try:
        if folder.upper() != "INBOX" and not client.folder_exists(folder):
            client.create_folder(folder)
        for i in range(n):
            data = make_mail(i, size_kb, rng)
            total += len(data)
            when = datetime(2024, 12, 1, 9, 0, tzinfo=BJ) + timedelta(minutes=i)
            client.append(folder, data, msg_time=when)
    finally:
        client.logout()
    return total / 1e6


# ---------------------------------------------------------------- measured children


def child_fetch(cfg_json: str, folder: str, mode: str) -> None:
    """Runs in a fresh process: list (+ fetch) and print timing and peak RSS as JSON."""
    from types import SimpleNamespace

    from intake.mailbox import ImapMailbox

    cfg = SimpleNamespace(**json.loads(cfg_json))
    t0 = time.perf_counter()
    c0 = time.process_time()
    n = size = 0
    with ImapMailbox(cfg) as mb:
        listing = mb.list_uids(folder, after_uid=0)
        if mode == "fetch":
            for msg in mb.fetch(folder, listing.uids):
                n += 1
                size += len(msg.data)
        else:
            after = listing.uids[-1] if listing.uids else 0
            n = len(mb.list_uids(folder, after_uid=after).uids)
    elapsed = time.perf_counter() - t0
    cpu = time.process_time() - c0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": elapsed, "cpu": cpu, "messages": n, "bytes": size, "peak_rss_mb": peak_mb}))


def run_child(cfg: dict, folder: str, mode: str) -> dict:
    env = dict(os.environ)
    out = subprocess.run(
        [PY, __file__, "--child", mode, "--cfg", json.dumps(cfg), "--folder", folder],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


MBSYNC_CPU: list[float] = []


def run_mbsync(server, user, folder: str, workdir: Path, *, fsync: bool = False) -> float:
    maildir = workdir / "mbsync-maildir"
    shutil.rmtree(maildir, ignore_errors=True)
    maildir.mkdir(parents=True)
    rc = workdir / "mbsyncrc"
    rc.write_text(
        f"""FSync {"yes" if fsync else "no"}

IMAPAccount bench
Host 127.0.0.1
Port {server.port}
User {user.name}
Pass {user.password}
SSLType None
AuthMechs LOGIN

IMAPStore remote
Account bench

MaildirStore local
Path {maildir}/
Inbox {maildir}/INBOX
SubFolders Verbatim

Channel bench
Far :remote:
Near :local:
Patterns "{folder}"
Sync Pull
Create Near
SyncState *
"""
    )
    t0 = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(["mbsync", "-q", "-c", str(rc), "bench"], check=True, capture_output=True)
    elapsed = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    MBSYNC_CPU.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    count = sum(1 for _ in maildir.rglob("cur/*")) + sum(1 for _ in maildir.rglob("new/*"))
    print(f"   mbsync stored {count} messages")
    return elapsed


def startup_seconds(code: str, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run([PY, "-c", code], check=True, cwd=ROOT)
        best = min(best, time.perf_counter() - t0)
    return best


# ---------------------------------------------------------------- cron run (end to end)


def intake_run_available() -> bool:
    try:
        import intake.cli
        import intake.run
    except ImportError:
        return False
    return hasattr(intake.run, "run_intake")


def cron_config(workdir: Path, server, user, folder: str) -> Path:
    path = workdir / "config.toml"
    path.write_text(
        f"""[mailbox]
kind = "imap"
host = "127.0.0.1"
port = {server.port}
security = "plain"
username = "{user.name}"
password_env = "{user.password_env}"
folders = ["{folder}"]

[intake]
deadline = "2024-12-17T23:59:59+08:00"
training_end_limit = "2025-10-31"
data_dir = "{workdir / "data"}"
""",
        encoding="utf-8",
    )
    return path


def intake_run(config: Path) -> tuple[float, int]:
    t0 = time.perf_counter()
    proc = subprocess.run(
        [PY, "-c", "from intake.cli import main; main()", "run", "--config", str(config), "--quiet"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - t0
    if proc.returncode not in (0, 3):
        print(proc.stdout[-2000:], proc.stderr[-2000:])
    return elapsed, proc.returncode


# ---------------------------------------------------------------- main


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=1000)
    ap.add_argument("--small", type=int, default=200)
    ap.add_argument("--size-kb", type=int, default=300)
    ap.add_argument("--batch", type=int, default=50)
    ap.add_argument(
        "--cron-messages",
        type=int,
        default=None,
        help="messages in the mailbox for the end-to-end cron run (default: --messages)",
    )
    ap.add_argument("--no-cron", action="store_true", help="skip the end-to-end `intake run` part (slow)")
    ap.add_argument("--child", choices=["fetch", "list"])
    ap.add_argument("--cfg")
    ap.add_argument("--folder")
    args = ap.parse_args()
    if args.child:
        child_fetch(args.cfg, args.folder, args.child)
        return

    from tests.dovecot import DovecotServer

    workdir = Path(tempfile.mkdtemp(prefix="bench-imap-"))
    os.chmod(workdir, 0o755)
    server = DovecotServer(workdir / "dovecot")
    server.start()
    try:
        bench(server, workdir, args)
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def bench(server, workdir: Path, args: argparse.Namespace) -> None:
    user = server.new_user()
    t0 = time.perf_counter()
    mb_big = fill(server, user, "INBOX", args.messages, args.size_kb)
    mb_small = fill(server, user, "small", args.small, args.size_kb)
    print(
        f"filled INBOX with {args.messages} mails ({mb_big:.1f} MB, {mb_big * 1e3 / args.messages:.0f} KB each) "
        f"and 'small' with {args.small} ({mb_small:.1f} MB) in {time.perf_counter() - t0:.1f} s"
    )
    cfg = {
        "kind": "imap",
        "host": server.host,
        "port": server.port,
        "security": "plain",
        "username": user.name,
        "password_env": user.password_env,
        "folders": ["INBOX"],
        "batch_size": args.batch,
        "connect_timeout": 10,
        "read_timeout": 60,
        "post_action": "none",
    }

    run_child(cfg, "INBOX", "fetch")  # warm Dovecot's index and the page cache for both sides
    fetch = min((run_child(cfg, "INBOX", "fetch") for _ in range(3)), key=lambda r: r["seconds"])
    small = run_child(cfg, "small", "fetch")
    mbsync = min(run_mbsync(server, user, "INBOX", workdir) for _ in range(3))
    mbsync_cpu = min(MBSYNC_CPU)
    mbsync_fsync = run_mbsync(server, user, "INBOX", workdir, fsync=True)
    print(
        f"(a) intake fetch   : {fetch['messages']} msgs, {fetch['bytes'] / 1e6:.1f} MB in {fetch['seconds']:.2f} s "
        f"({fetch['bytes'] / 1e6 / fetch['seconds']:.0f} MB/s), batch {args.batch}"
    )
    print(
        f"(b) mbsync         : {mbsync:.2f} s with FSync no (the floor; {mbsync_fsync:.2f} s with its default "
        f"FSync yes); ratio intake/mbsync = {fetch['seconds'] / mbsync:.2f} (target ≤ 1.2)"
    )
    print(
        f"    client CPU time: intake {fetch['cpu']:.2f} s, mbsync {mbsync_cpu:.2f} s "
        f"(wall time also includes Dovecot; the host's load makes it noisy)"
    )

    py = startup_seconds("pass")
    imp = startup_seconds("import intake.cli" if intake_run_available() else "import intake.mailbox")
    listing = run_child(cfg, "INBOX", "list")
    print(f"    interpreter start-up {py:.3f} s; with intake imported {imp:.3f} s")
    print(
        f"(c) no-new-mail listing (connect, login, ID, EXAMINE, 2 SEARCH): {listing['seconds']:.3f} s "
        f"beyond start-up, {listing['messages']} new"
    )
    if intake_run_available() and not args.no_cron:
        cron_bench(server, workdir, args, py)
    else:
        why = "--no-cron given" if args.no_cron else "intake.run not available"
        print(f"    {why}: end-to-end cron run not measured")
    print(
        f"(d) peak RSS fetching {args.small}: {small['peak_rss_mb']:.1f} MB; "
        f"{args.messages}: {fetch['peak_rss_mb']:.1f} MB "
        f"(growth {fetch['peak_rss_mb'] - small['peak_rss_mb']:+.1f} MB)"
    )


def cron_bench(server, workdir: Path, args: argparse.Namespace, py: float) -> None:
    n = args.cron_messages or args.messages
    user = server.new_user()
    folder = "INBOX"
    fill(server, user, folder, n, args.size_kb)
    config = cron_config(workdir, server, user, folder)
    first, rc1 = intake_run(config)
    print(f"    first `intake run` over {n} mails: {first:.1f} s (exit {rc1})")
    again = min(intake_run(config)[0] for _ in range(3))
    print(
        f"(c) no-new-mail `intake run` end to end: {again:.2f} s total, {again - py:.2f} s beyond interpreter "
        f"start-up (target ≤ 1 s)"
    )
    profile_idle_run(config)


def profile_idle_run(config: Path) -> None:
    """Where the no-new-mail run spends its time: the IMAP part vs rewriting the reports."""
    import cProfile
    import pstats

    from intake.config import load_config
    from intake.run import run_intake

    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    run_intake(load_config(config))
    prof.disable()
    total = time.perf_counter() - t0
    stats = pstats.Stats(prof).stats  # type: ignore[attr-defined]
    reports = sum(v[3] for k, v in stats.items() if k[2] == "write_reports")
    print(
        f"    in-process idle run {total:.2f} s, of which write_reports {reports:.2f} s "
        f"(mailbox + store {total - reports:.2f} s)"
    )


if __name__ == "__main__":
    main()
