"""A progress bar for people at a terminal; a plain pass-through for cron, pipes and tests."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

__all__ = ["bar_wanted", "progress"]

T = TypeVar("T")


def bar_wanted(enabled: bool) -> bool:
    """A bar only when asked for and stderr is a terminal (never in cron mail or log files)."""
    try:
        return enabled and sys.stderr.isatty()
    except (AttributeError, ValueError):  # replaced or closed stderr
        return False


def progress(
    iterable: Iterable[T],
    total: int | None,
    *,
    enabled: bool,
    label: str,
    units: Callable[[T], int] = lambda item: 1,
) -> Iterator[T]:
    """Yield the items of `iterable`, drawing a rich progress bar on stderr when `bar_wanted(enabled)`.
    `total` and `units(item)` count what a person counts (mails, not the batches they travel in)."""
    if not bar_wanted(enabled):
        yield from iterable
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = [
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    ]
    with Progress(*columns, console=Console(stderr=True), transient=False) as bar:
        task = bar.add_task(label, total=total)
        for item in iterable:
            yield item
            bar.advance(task, units(item))
