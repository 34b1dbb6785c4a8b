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

The classification is SQL the warehouse runs (`classification`, `unused_sql`) against the run's
acknowledgements stored in `gate.acknowledgements`, the same on DuckDB and PostgreSQL, so the
gate can validate the classified rows inside the database (docs/scale-out.md).
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


ACKNOWLEDGEMENTS_DDL = """
create schema if not exists gate;
create table if not exists gate.acknowledgements (
    run_id varchar, entry integer, model varchar, report_id varchar, identity varchar, label_path varchar,
    column_label varchar, measure varchar, expected decimal(38, 10), found decimal(38, 10), reason varchar
);
"""
# The acknowledgement columns the content key is matched on, in CONTENT_COLUMNS order.
_ACK_KEY = ("identity", "label_path", "column_label", "measure")
# Amounts are compared at this scale; an acknowledged amount with more decimals matches no row.
_SCALE = 10


def _amount(value: Decimal) -> str | None:
    return str(value) if value.normalize().as_tuple().exponent >= -_SCALE else None


def store_acknowledgements(con, run_id: str, acknowledgements: list[Acknowledgement], report_ids) -> None:
    """The acknowledgements of the reports a gate run checks, as rows of `gate.acknowledgements`
    (tagged with the run) that `classification` joins: the database classifies every reconciliation
    row itself, so the gate can run its checks where the rows are (DuckDB or PostgreSQL). A report's
    rows replace those of its previous gate run (runs of one report take turns on the warehouse)."""
    con.execute(ACKNOWLEDGEMENTS_DDL)
    wanted = set(report_ids)
    mine = [a for a in acknowledgements if a.report_id in wanted]
    con.execute("begin transaction")
    try:
        con.execute("delete from gate.acknowledgements where report_id in (select unnest(?::varchar[]))", [sorted(wanted)])
        if mine:
            columns = [[run_id] * len(mine), [a.index for a in mine], [a.model for a in mine], *zip(*(a.key for a in mine)),
                       [_amount(a.expected) for a in mine], [_amount(a.found) for a in mine], [a.reason for a in mine]]
            frame = pd.DataFrame({f"c{i}": pd.Series(list(c), dtype=object) for i, c in enumerate(columns)})
            types = ["varchar", "integer", "varchar", "varchar", "varchar", "varchar", "varchar", "varchar",
                     f"decimal(38, {_SCALE})", f"decimal(38, {_SCALE})", "varchar"]
            con.register("__gate_acknowledgements", frame)
            try:
                # c3 is the key's report_id
                con.execute("insert into gate.acknowledgements (run_id, entry, model, report_id, identity, label_path, "
                            "column_label, measure, expected, found, reason) select "
                            + ", ".join(f"cast(c{i} as {t})" for i, t in enumerate(types)) + " from __gate_acknowledgements")
            finally:
                con.unregister("__gate_acknowledgements")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


def literal(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _key_matches(columns, row: str, ack: str) -> str:
    def part(column):
        return f"nullif(trim(cast({row}.{column} as varchar)), '')" if column in columns else "cast(null as varchar)"

    return " and ".join(f"{part(c)} is not distinct from {ack}.{k}" for c, k in zip(CONTENT_COLUMNS, _ACK_KEY))


def classification(model: str, columns, run_id: str, row: str = "r", ack: str = "a") -> tuple[str, str]:
    """The one definition of a reconciliation row's `gate_status`, in SQL both databases run: the
    join to add after `from <model> as r`, and the status expression. An inconsistent row is
    `acknowledged` when an acknowledgement of this run names its content key with the same amounts,
    `stale_acknowledgement` when one names it with other amounts, otherwise `warning` (its finding
    is WARN) or `discrepancy`. `{ack}.entry` is the acknowledged.yaml entry matched, if any."""
    inconsistent = f"not coalesce({row}.is_consistent, false)"
    join = (f"left join gate.acknowledgements as {ack} on {ack}.run_id = {literal(run_id)} and {ack}.model = {literal(model)} "
            f"and {inconsistent} and {ack}.report_id = {row}.report_id and {_key_matches(columns, row, ack)}")
    unacknowledged = (f"case when {row}.finding_level = 'WARN' then '{WARNING}' else '{DISCREPANCY}' end"
                      if "finding_level" in columns else f"'{DISCREPANCY}'")
    amount = f"decimal(38, {_SCALE})"
    status = (f"case when coalesce({row}.is_consistent, false) then '{CONSISTENT}' "
              f"when {ack}.entry is null then {unacknowledged} "
              f"when cast({row}.expected as {amount}) = {ack}.expected and cast({row}.found as {amount}) = {ack}.found "
              f"then '{ACKNOWLEDGED}' else '{STALE}' end")
    return join, status


def unused_sql(table: str, model: str, columns, run_id: str, report_ids: str) -> str:
    """The acknowledgements of this run and model (for the reports `report_ids`, a SQL list) that
    match no inconsistent row: (entry, whether a row with that content key exists at all)."""
    key = _key_matches(columns, "r", "a")
    return (
        f"select a.entry, exists (select 1 from {table} as r where r.report_id = a.report_id and {key}) as present "
        f"from gate.acknowledgements as a where a.run_id = {literal(run_id)} and a.model = {literal(model)} "
        f"and a.report_id in ({report_ids}) and not exists (select 1 from {table} as r where r.report_id = a.report_id "
        f"and not coalesce(r.is_consistent, false) and {key}) order by a.entry"
    )


def acknowledgement_text(status: str, ack: Acknowledgement | None, expected, found) -> str | None:
    """What a classified row says about its acknowledgement: the reason, or why it is stale."""
    if status == ACKNOWLEDGED and ack is not None:
        return ack.reason
    if status == STALE and ack is not None:
        return (f"acknowledged as expected {ack.expected}, found {ack.found}; the data now says expected "
                f"{expected}, found {found}: review acknowledged.yaml entry {ack.index}")
    return None


def stale_entries(unused: list[tuple], acknowledgements: list[Acknowledgement]) -> list[dict]:
    """`unused_sql`'s rows as the gate reports them: an ERROR per acknowledgement that covers nothing."""
    by_entry = {a.index: a for a in acknowledgements}
    return [
        {
            "report_id": by_entry[entry].report_id,
            "check_id": by_entry[entry].title,
            "reason": f"acknowledged.yaml entry {entry} covers no current discrepancy"
            + (" (the check passes now)" if present else " (no such check)"),
        }
        for entry, present in unused
    ]


def classify(
    frame: pd.DataFrame, model: str, acknowledgements: list[Acknowledgement], report_ids: list[str]
) -> tuple[pd.DataFrame, list[dict]]:
    """`classification` applied to a frame of one reconciliation model's rows (in an in-memory
    DuckDB): the frame with `gate_status` and `acknowledgement` columns, and this model's
    acknowledgements (for the reports checked) that match no discrepancy."""
    import duckdb

    frame = frame.reset_index(drop=True)
    con = duckdb.connect()
    try:
        run_id = "classify"
        store_acknowledgements(con, run_id, acknowledgements, report_ids)
        con.register("__rows", frame.assign(__position=range(len(frame))))
        join, status = classification(model, set(frame.columns), run_id)
        classified = con.execute(
            f"select r.__position, {status} as gate_status, a.entry from __rows as r {join} order by r.__position"
        ).fetchall()
        ids = ", ".join(literal(r) for r in report_ids) or "null"
        stale = stale_entries(con.execute(unused_sql("__rows", model, set(frame.columns), run_id, ids)).fetchall(),
                              acknowledgements)
    finally:
        con.close()
    by_entry = {a.index: a for a in acknowledgements}
    frame = frame.copy()
    frame["gate_status"] = [s for _, s, _ in classified]
    frame["acknowledgement"] = [
        acknowledgement_text(s, by_entry.get(e), x, f)
        for (_, s, e), x, f in zip(classified, frame["expected"], frame["found"])
    ]
    return frame, stale
