"""Acknowledged discrepancies (`expectations/acknowledged.yaml`): reviewed, proven report errors.

An acknowledgement names a check by its content, never by where it was printed: the report id, the
identity, the checked row's label path (its table and the labels of the row and its parents), the
column and the measure — the columns `identity_name`, `label_path`, `column_label` and `measure_name`
of every reconciliation row — and the printed amounts (expected, found). A re-export with lines
added keeps every one of them; `source_line` in the file is information for the reader only.

A reconciliation row that fails is either acknowledged (same content key and amounts as a reviewed
entry: WARN, does not block) or a discrepancy (ERROR). An acknowledgement whose amounts no longer
match the data, or whose discrepancy has disappeared, is itself an error: it must never silently
cover a new problem.
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

REQUIRED = ("model", "report_id", "identity", "label_path", "measure", "expected", "found", "reason")
# The reconciliation columns an acknowledgement's content key is read from, in key order after report_id.
CONTENT_COLUMNS = ("identity_name", "label_path", "column_label", "measure_name")


class AcknowledgementError(ValueError):
    pass


def _text(value) -> str | None:
    """A key part as text; None, NaN and '' are the same absent value (a row without a column)."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = str(value).strip()
    return text or None


def content_key(report_id, identity, label_path, column, measure) -> tuple:
    return (_text(report_id), _text(identity), _text(label_path), _text(column), _text(measure))


@dataclass(frozen=True)
class Acknowledgement:
    model: str  # the reconciliation model the check belongs to, e.g. rec_parent_totals
    report_id: str
    identity: str  # identity_name of the reconciliation row
    label_path: str
    column: str | None
    measure: str
    expected: Decimal
    found: Decimal
    reason: str
    source_line: int | None = None  # information only
    index: int = 0

    @property
    def key(self) -> tuple:
        return content_key(self.report_id, self.identity, self.label_path, self.column, self.measure)

    @property
    def title(self) -> str:
        """The check in words, for messages: 'total_equals_sum_of_children · <path> · <column> · <measure>'."""
        return " · ".join(p for p in (self.identity, self.label_path, self.column, self.measure) if p)


def load_acknowledgements(path: Path) -> list[Acknowledgement]:
    if not path.exists():
        return []
    try:
        data = read_yaml(path) or {}
    except yaml.YAMLError as exc:
        raise AcknowledgementError(f"{path}: not valid YAML: {exc}") from None
    out, seen = [], set()
    for index, item in enumerate(data.get("acknowledged") or [], start=1):
        if "check_id" in item and "label_path" not in item:
            raise AcknowledgementError(
                f"{path}: entry {index} names its check by check_id, which holds table and line numbers; name it by "
                "identity, label_path, column and measure (the reconciliation row's identity_name, label_path, "
                "column_label and measure_name)"
            )
        missing = [k for k in REQUIRED if item.get(k) in (None, "")]
        if missing:
            raise AcknowledgementError(f"{path}: entry {index} lacks {', '.join(missing)}")
        ack = Acknowledgement(
            model=str(item["model"]),
            report_id=str(item["report_id"]),
            identity=str(item["identity"]),
            label_path=str(item["label_path"]),
            column=_text(item.get("column")),
            measure=str(item["measure"]),
            expected=Decimal(str(item["expected"])),
            found=Decimal(str(item["found"])),
            reason=str(item["reason"]).strip(),
            source_line=item.get("source_line"),
            index=index,
        )
        if (ack.model, ack.key) in seen:
            raise AcknowledgementError(f"{path}: entry {index} acknowledges {ack.report_id}: {ack.title} twice")
        seen.add((ack.model, ack.key))
        out.append(ack)
    return out


def _same(a, b) -> bool:
    if a is None or b is None or (isinstance(a, float) and pd.isna(a)):
        return False
    return Decimal(str(a)) == Decimal(str(b))


def row_keys(frame: pd.DataFrame) -> list[tuple]:
    """The content key of every row of a reconciliation frame (None parts where a column is missing)."""
    columns = [frame[c] if c in frame else [None] * len(frame) for c in CONTENT_COLUMNS]
    return [content_key(r, *parts) for r, *parts in zip(frame["report_id"], *columns)]


def classify(
    frame: pd.DataFrame, model: str, acknowledgements: list[Acknowledgement], report_ids: list[str]
) -> tuple[pd.DataFrame, list[dict]]:
    """Add `gate_status` and `acknowledgement` columns to one reconciliation model's rows; return the
    frame and this model's acknowledgements (for the reports checked) that match no discrepancy."""
    frame = frame.copy()
    by_key = {a.key: a for a in acknowledgements if a.model == model and a.report_id in report_ids}
    keys = row_keys(frame) if len(frame) else []
    statuses, reasons, used = [], [], set()
    for row, key in zip(frame.itertuples(index=False), keys):
        ack = by_key.get(key)
        if bool(row.is_consistent):
            statuses.append(CONSISTENT)
            reasons.append(None)
            continue
        if ack is None:
            statuses.append(WARNING if getattr(row, "finding_level", None) == "WARN" else DISCREPANCY)
            reasons.append(None)
        elif _same(row.expected, ack.expected) and _same(row.found, ack.found):
            used.add(key)
            statuses.append(ACKNOWLEDGED)
            reasons.append(ack.reason)
        else:
            used.add(key)
            statuses.append(STALE)
            reasons.append(
                f"acknowledged as expected {ack.expected}, found {ack.found}; the data now says expected "
                f"{row.expected}, found {row.found}: review acknowledged.yaml entry {ack.index}"
            )
    frame["gate_status"] = statuses
    frame["acknowledgement"] = reasons
    present = set(keys)
    stale = [
        {
            "report_id": a.report_id,
            "check_id": a.title,
            "reason": f"acknowledged.yaml entry {a.index} covers no current discrepancy"
            + (" (the check passes now)" if key in present else " (no such check)"),
        }
        for key, a in by_key.items()
        if key not in used
    ]
    return frame, stale
