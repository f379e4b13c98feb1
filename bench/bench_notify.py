"""Drafting notices against a local Dovecot: `intake notify` for N stored mails, then again (nothing to do).

    .venv/bin/python bench/bench_notify.py [--notices 1000]

Starts a temporary Dovecot (tests/dovecot.py) with an empty 草稿箱 (SPECIAL-USE \\Drafts), fills a store
with N processed mails directly (each raw mail archived as the pipeline does, one form with a missing PDF
for every other mail, so half are 补正通知 and half 回执; parsing is not what is measured here), then
prints for intake.notify.notify:
(a) the first step: plan + render + MIME + APPEND of N drafts with the ledger (wall and CPU), without and
    with the workbook/summary rebuild that follows it;
(b) the second step: nothing due (every mail answered), wall and CPU;
and checks that the drafts folder holds exactly N messages with \\Draft.
Target (issue 13): drafting 1,000 notices ≤ 30 s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def timed(fn: Any) -> tuple[Any, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--notices", type=int, default=1000)
    args = parser.parse_args()

    from intake.config import build_config
    from intake.notify import notify
    from tests.dovecot import DovecotServer
    from tests.notices import fill_store

    work = Path(tempfile.mkdtemp(prefix="intake-bench-notify-"))
    os.chmod(work, 0o755)
    server = DovecotServer(work / "dovecot")
    server.start()
    try:
        user = server.new_user()
        server.create_folder(user, "草稿箱")

        def config(data: str) -> Any:
            return build_config(
                {
                    "mailbox": {
                        "kind": "imap",
                        "host": server.host,
                        "port": server.port,
                        "security": "plain",
                        "username": user.name,
                        "password_env": user.password_env,
                    },
                    "intake": {
                        "deadline": "2024-12-17T23:59:59+08:00",
                        "training_end_limit": "2025-10-31",
                        "data_dir": str(work / data),
                    },
                    "notify": {"from_address": "hbzsgx@163.com", "contact": "027-87654321"},
                },
                base_dir=work,
            )

        bare, with_reports = config("data-a"), config("data-b")
        for cfg in (bare, with_reports):
            fill_store(cfg.data_dir, args.notices)
        print(f"notices: {args.notices} stored mails (half 补正通知, half 回执), Dovecot on 127.0.0.1")

        first, wall, cpu = timed(lambda: notify(bare, rebuild=False))
        assert first.done == args.notices and first.failed == 0, first
        print(
            f"(a) first notify, drafting only:        {wall:6.2f} s wall, {cpu:5.2f} s CPU "
            f"({1000 * wall / args.notices:.1f} ms per notice)"
        )
        c = server.client(user)
        c.select_folder("草稿箱", readonly=True)
        n_drafts, n_flagged = len(c.search(["ALL"])), len(c.search(["DRAFT"]))
        c.logout()
        assert n_drafts == args.notices == n_flagged, (n_drafts, n_flagged)

        # a second mailbox user for the run with the reports, so the folders are equally full
        user2 = server.new_user()
        server.create_folder(user2, "草稿箱")
        with_reports = build_config(
            {**_data(with_reports, user2), "notify": {"from_address": "hbzsgx@163.com"}}, base_dir=work
        )
        both, wall2, cpu2 = timed(lambda: notify(with_reports))
        assert both.done == args.notices
        print(f"    first notify, with workbook+summary:  {wall2:6.2f} s wall, {cpu2:5.2f} s CPU")

        again, wall3, cpu3 = timed(lambda: notify(bare))
        assert (again.done, again.already) == (0, args.notices), again
        print(f"(b) second notify, nothing due:         {wall3:6.2f} s wall, {cpu3:5.2f} s CPU")
        print(
            f"drafts folder: {n_drafts} messages, {n_flagged} with \\Draft (no duplicate after the rerun: "
            f"{_count(server, user)})"
        )
        print(
            f"target: {args.notices} drafts ≤ 30 s -> {'met' if wall <= 30 else 'MISSED'} ({wall:.2f} s); "
            f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
        )
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


def _data(cfg: Any, user: Any) -> dict[str, Any]:
    return {
        "mailbox": {
            "kind": "imap",
            "host": cfg.mailbox.host,
            "port": cfg.mailbox.port,
            "security": "plain",
            "username": user.name,
            "password_env": user.password_env,
        },
        "intake": {
            "deadline": cfg.intake.deadline.isoformat(),
            "training_end_limit": cfg.intake.training_end_limit.isoformat(),
            "data_dir": str(cfg.data_dir),
        },
    }


def _count(server: Any, user: Any) -> int:
    c = server.client(user)
    c.select_folder("草稿箱", readonly=True)
    try:
        return len(c.search(["ALL"]))
    finally:
        c.logout()


if __name__ == "__main__":
    main()
