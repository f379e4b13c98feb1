"""`intake status`: what a person or a monitoring check calls first.

The last scheduled run (`intake run`; reruns, reports and dry runs are not what cron does) — when, how it
ended, its counts — and every standing problem: a missing component with the messages waiting for it,
the same failure over several runs ("login failing since …"), messages that failed.  The exit code is
the last scheduled run's own (0 when it went well), so a check that runs `intake status` sees what cron
saw; 1 when no scheduled run has finished yet or the last one never finished (killed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from intake.config import Config
from intake.faults import EXIT_FATAL, EXIT_OK
from intake.store import RunRecord, Store

__all__ = ["Status", "status"]

_SINCE = {
    "login": "the IMAP login is refused",
    "settings": "a [mailbox] setting does not match the server",
    "mailbox": "the mailbox cannot be reached",
    "disk_full": "the disk is full",
    "not_writable": "data_dir cannot be written",
    "store": "the store cannot be used",
    "store_locked": "the store is locked by another program",
}


@dataclass(frozen=True)
class Status:
    lines: tuple[str, ...]
    exit_code: int


def status(config: Config, *, running_pid: int | None = None) -> Status:
    tz = config.intake.timezone
    with Store(config.data_dir) as store:
        runs = store.runs(mode="run", limit=10_000)
        waiting = store.waiting()
        failed = store.failed_count()
    finished = [r for r in runs if r.finished_at is not None]
    lines: list[str] = []
    if running_pid is not None and runs and runs[0].finished_at is None:
        lines.append(f"a run is in progress (pid {running_pid}) since {_when(runs[0].started_at, tz)}")
    if not finished:
        lines.append("no scheduled run (intake run) has finished yet")
        code = EXIT_FATAL
    else:
        last = finished[0]
        lines.append(_describe(last, tz))
        code = last.exit_code if last.exit_code is not None else _legacy_code(last)
        if runs[0].finished_at is None and running_pid is None:
            lines.append(f"the run started {_when(runs[0].started_at, tz)} never finished (killed?)")
            code = max(code, EXIT_FATAL)
    problems = [*_streak(finished, tz), *_components(waiting), *_failed(failed)]
    lines += ["problems:", *(f"  {p}" for p in problems)] if problems else ["no standing problems"]
    return Status(tuple(lines), code)


def _when(when: datetime, tz: tzinfo) -> str:
    return when.astimezone(tz).isoformat(timespec="seconds")


def _describe(run: RunRecord, tz: tzinfo) -> str:
    assert run.finished_at is not None
    took = (run.finished_at - run.started_at).total_seconds()
    head = f"last run: {_when(run.started_at, tz)} (run {run.run_id}, {took:.1f} s): {run.status}"
    if run.exit_code is not None:
        head += f", exit {run.exit_code}"
    counts = (
        f"{run.n_new} new, {max(0, run.n_changed - run.n_new)} updated, {run.n_failed} failed; "
        f"{run.n_listed} looked at, {run.n_skipped} skipped"
    )
    return f"{head} — {run.error}" if run.error else f"{head} — {counts}"


def _legacy_code(run: RunRecord) -> int:
    """Runs recorded before exit codes were: from their status."""
    return {"ok": EXIT_OK, "aborted": 4}.get(run.status, 3 if run.n_failed else EXIT_FATAL)


def _streak(finished: list[RunRecord], tz: tzinfo) -> list[str]:
    """The failure the latest runs share, and since when."""
    if not finished or not finished[0].fault:
        return []
    fault = finished[0].fault
    streak = []
    for run in finished:
        if run.fault != fault:
            break
        streak.append(run)
    what = _SINCE.get(fault, f"runs fail ({fault})")
    return [f"{what} since {_when(streak[-1].started_at, tz)} ({len(streak)} run(s)): {finished[0].error}"]


def _components(waiting: dict[str, list[str]]) -> list[str]:
    from intake.tools import COMPONENTS

    found = []
    for component in COMPONENTS:
        keys = waiting.get(component.key, [])
        if component.available():
            if keys:
                found.append(
                    f"{component.name} is installed now: {len(keys)} message(s) that waited for it are "
                    "reprocessed by the next run"
                )
            continue
        found.append(
            f"{component.name} is not installed: {len(keys)} message(s) wait for it; {component.advice()}"
        )
    return found


def _failed(failed: int) -> list[str]:
    if not failed:
        return []
    return [
        f"{failed} message(s) failed: they are in the workbook's 邮件日志 with the reason; "
        "`intake rerun --force` retries them"
    ]
