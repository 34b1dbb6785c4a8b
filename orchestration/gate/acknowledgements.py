"""Acknowledged discrepancies (`expectations/acknowledged.yaml`): reviewed, proven report errors.

A reconciliation row that fails is either acknowledged (same report, check and amounts as a
reviewed entry: WARN, does not block) or a discrepancy (ERROR). An acknowledgement whose amounts no
longer match the data, or whose discrepancy has disappeared, is itself an error: it must never
silently cover a new problem.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pandas as pd
import yaml

from ..yaml_files import read_yaml

CONSISTENT = "consistent"
ACKNOWLEDGED = "acknowledged"
DISCREPANCY = "discrepancy"
# A finding the reconciliation itself rates WARN (finding_level, e.g. a rate following the other
# rounding convention than its table's): shown, not blocking, and acknowledgeable like any other.
WARNING = "warning"
STALE = "stale_acknowledgement"

REQUIRED = ("model", "report_id", "check_id", "expected", "found", "reason")


class AcknowledgementError(ValueError):
    pass


@dataclass(frozen=True)
class Acknowledgement:
    model: str  # the reconciliation model the check belongs to, e.g. rec_parent_totals
    report_id: str
    check_id: str
    expected: Decimal
    found: Decimal
    reason: str
    source_line: int | None = None
    index: int = 0


def load_acknowledgements(path: Path) -> list[Acknowledgement]:
    if not path.exists():
        return []
    try:
        data = read_yaml(path) or {}
    except yaml.YAMLError as exc:
        raise AcknowledgementError(f"{path}: not valid YAML: {exc}") from None
    out, seen = [], set()
    for index, item in enumerate(data.get("acknowledged") or [], start=1):
        missing = [k for k in REQUIRED if item.get(k) in (None, "")]
        if missing:
            raise AcknowledgementError(f"{path}: entry {index} lacks {', '.join(missing)}")
        key = (item["report_id"], item["check_id"])
        if key in seen:
            raise AcknowledgementError(f"{path}: entry {index} acknowledges {key} twice")
        seen.add(key)
        out.append(
            Acknowledgement(
                model=str(item["model"]),
                report_id=str(item["report_id"]),
                check_id=str(item["check_id"]),
                expected=Decimal(str(item["expected"])),
                found=Decimal(str(item["found"])),
                reason=str(item["reason"]).strip(),
                source_line=item.get("source_line"),
                index=index,
            )
        )
    return out


def _same(a, b) -> bool:
    if a is None or b is None or (isinstance(a, float) and pd.isna(a)):
        return False
    return Decimal(str(a)) == Decimal(str(b))


def classify(
    frame: pd.DataFrame, model: str, acknowledgements: list[Acknowledgement], report_ids: list[str]
) -> tuple[pd.DataFrame, list[dict]]:
    """Add `gate_status` and `acknowledgement` columns to one reconciliation model's rows; return the
    frame and this model's acknowledgements (for the reports checked) that match no discrepancy."""
    frame = frame.copy()
    by_key = {
        (a.report_id, a.check_id): a for a in acknowledgements if a.model == model and a.report_id in report_ids
    }
    statuses, reasons, used = [], [], set()
    for row in frame.itertuples(index=False):
        ack = by_key.get((row.report_id, row.check_id))
        if bool(row.is_consistent):
            statuses.append(CONSISTENT)
            reasons.append(None)
            continue
        if ack is None:
            statuses.append(WARNING if getattr(row, "finding_level", None) == "WARN" else DISCREPANCY)
            reasons.append(None)
        elif _same(row.expected, ack.expected) and _same(row.found, ack.found):
            used.add((ack.report_id, ack.check_id))
            statuses.append(ACKNOWLEDGED)
            reasons.append(ack.reason)
        else:
            used.add((ack.report_id, ack.check_id))
            statuses.append(STALE)
            reasons.append(
                f"acknowledged as expected {ack.expected}, found {ack.found}; the data now says expected "
                f"{row.expected}, found {row.found}: review acknowledged.yaml entry {ack.index}"
            )
    frame["gate_status"] = statuses
    frame["acknowledgement"] = reasons
    present = set(zip(frame["report_id"], frame["check_id"])) if len(frame) else set()
    stale = [
        {
            "report_id": a.report_id,
            "check_id": a.check_id,
            "reason": f"acknowledged.yaml entry {a.index} covers no current discrepancy"
            + (" (the check passes now)" if (a.report_id, a.check_id) in present else " (no such check)"),
        }
        for key, a in by_key.items()
        if key not in used
    ]
    return frame, stale
