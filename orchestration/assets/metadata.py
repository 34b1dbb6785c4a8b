"""Materialization metadata that stays small in large runs.

Dagster copies a partitioned asset's metadata into the event of every partition of the run: a list
of a thousand reports in a thousand events is a gigabyte of run storage. Lists are capped.
"""

from __future__ import annotations

import dagster as dg

LIST_LIMIT = 20


def markdown_list(items: list[str], limit: int = LIST_LIMIT) -> dg.MetadataValue:
    """A Markdown bullet list of at most `limit` items, then how many more there are."""
    lines = [f"- {item}" for item in items[:limit]]
    if len(items) > limit:
        lines.append(f"- … and {len(items) - limit} more")
    return dg.MetadataValue.md("\n".join(lines) or "_none_")
