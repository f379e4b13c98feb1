"""summary.html's "new": since the first run of the latest earlier day that had a run (configurable)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from intake.config import build_config
from intake.run import _new_since
from intake.store import Store
from tests.test_reports_factory import make_message, make_run

BJ = ZoneInfo("Asia/Shanghai")


def _config(tmp_path: Path, new_since: str) -> object:
    return build_config(
        {
            "mailbox": {"kind": "maildir", "path": "mail"},
            "intake": {
                "deadline": "2024-12-17T23:59:59+08:00",
                "training_end_limit": "2025-10-31",
                "data_dir": "data",
            },
            "report": {"new_since": new_since},
        },
        base_dir=tmp_path,
    )


def _store_with_days(tmp_path: Path) -> Store:
    """Runs: two the day before yesterday, two yesterday (08:00, 15:00), one today; one new mail each."""
    store = Store(tmp_path / "data")
    today = datetime.now(BJ).replace(hour=9, minute=0, second=0, microsecond=0)
    times = [
        today - timedelta(days=2, hours=1),
        today - timedelta(days=2),
        today - timedelta(days=1, hours=1),  # yesterday 08:00: the cut
        today - timedelta(days=1) + timedelta(hours=6),
        today,
    ]
    for i, at in enumerate(times):
        run_id = store.start_run("run", "r", at.astimezone(UTC))
        store.save_message(
            make_message(i), raw_sha256=f"{i:064x}", raw_path="x", rules_version="r", run_id=run_id
        )
    return store


def test_new_since_the_previous_days_first_run(tmp_path: Path) -> None:
    with _store_with_days(tmp_path) as store:
        keys, since = _new_since(_config(tmp_path, "previous_day"), store, make_run())  # type: ignore[arg-type]
    assert keys == {"INBOX/1/3", "INBOX/1/4", "INBOX/1/5"}
    assert since.endswith("08:00 的运行")


def test_new_since_the_last_run_when_configured(tmp_path: Path) -> None:
    with _store_with_days(tmp_path) as store:
        run = make_run(new=frozenset({"INBOX/1/5"}))
        keys, since = _new_since(_config(tmp_path, "last_run"), store, run)  # type: ignore[arg-type]
    assert (keys, since) == ({"INBOX/1/5"}, "本次运行")
