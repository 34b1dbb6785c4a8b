"""Materialization metadata and step logs that stay small in large runs.

Dagster copies a partitioned asset's metadata into the event of every partition of the run: a list
of a thousand reports in a thousand events is a gigabyte of run storage. Lists are capped. Each log
line is an event in the run storage too: a large run logs progress, not every report.
"""

from __future__ import annotations

import time
from typing import Callable

import dagster as dg

LIST_LIMIT = 20


def markdown_list(items: list[str], limit: int = LIST_LIMIT) -> dg.MetadataValue:
    """A Markdown bullet list of at most `limit` items, then how many more there are."""
    lines = [f"- {item}" for item in items[:limit]]
    if len(items) > limit:
        lines.append(f"- … and {len(items) - limit} more")
    return dg.MetadataValue.md("\n".join(lines) or "_none_")


def progress_log(log: Callable[[str], None], total: int, done_what: str) -> Callable[[str], None]:
    """`log` itself for a run of at most LIST_LIMIT reports; else a logger that writes about twenty
    lines, each with the count, the elapsed time and the latest message."""
    if total <= LIST_LIMIT:
        return log
    every = max(1, total // LIST_LIMIT)
    started = time.perf_counter()
    done = 0

    def throttled(message: str) -> None:
        nonlocal done
        done += 1
        if done % every == 0 or done == total:
            log(f"{done}/{total} reports {done_what} in {time.perf_counter() - started:.0f}s; latest: {message}")

    return throttled
