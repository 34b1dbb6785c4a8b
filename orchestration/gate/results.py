"""Running the gate for some reports and storing what it found (schema `gate` in the warehouse).

`gate.check_results`: one row per (run, report, suite) with its severity.
`gate.failed_rows`: every row a suite failed or acknowledged, with a message naming report, table,
line, expected and found. The asset checks, the CLI, notifications and the discrepancy report read
these tables, so the verdict is computed once.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from decimal import Decimal

import duckdb
import numpy as np
import pandas as pd

from ..warehouse import dialect
from .acknowledgements import (ACKNOWLEDGED, CONSISTENT, STALE, acknowledgement_text, classification, literal,
                               load_acknowledgements, stale_entries, store_acknowledgements, unused_sql)
from .suites import (ERROR, IDENTITY, NOT_CHECKED, PASS, WARN, GateValidator, Suite, SuiteResult, load_suites, template_suite,
                     validation_groups)

GATE_DDL = """
create schema if not exists gate;
create table if not exists gate.check_results (
    run_id varchar, report_id varchar, suite varchar, asset_key varchar, kind varchar,
    severity varchar, row_count integer, failed_count integer, acknowledged_count integer,
    expectations json, checked_at timestamp, is_latest boolean, load_id varchar
);
-- load_id: the report version (raw load) whose marts were checked; NULL: the marts held no finished build.
alter table gate.check_results add column if not exists load_id varchar;
create table if not exists gate.failed_rows (
    run_id varchar, report_id varchar, suite varchar, row_key varchar, severity varchar,
    gate_status varchar, table_name varchar, table_no integer, source_line integer, other_lines varchar,
    label varchar, measure varchar, expected varchar, found varchar, difference varchar, tolerance varchar,
    message varchar, acknowledgement varchar, checked_at timestamp, label_path varchar, column_label varchar
);
-- the reconciliation evidence of a failed row (macro reconciliation_evidence): the computed value before
-- rounding, the rule applied, the printed unit (won per unit for amounts), the printed decimals, the
-- finding's own level and its note; expected / found above are at full precision (won for amounts).
alter table gate.failed_rows add column if not exists expected_exact varchar;
alter table gate.failed_rows add column if not exists rounding_rule varchar;
alter table gate.failed_rows add column if not exists unit varchar;
alter table gate.failed_rows add column if not exists won_per_unit bigint;
alter table gate.failed_rows add column if not exists printed_scale integer;
alter table gate.failed_rows add column if not exists finding_level varchar;
alter table gate.failed_rows add column if not exists note varchar;
-- label_path, column_label: the row's content key (int_row_labels), which names a finding in the reports.
alter table gate.failed_rows add column if not exists label_path varchar;
alter table gate.failed_rows add column if not exists column_label varchar;
"""

def _value(row: dict, column: str):
    value = row.get(column)
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    return value


def shown_figure(row: dict, column: str) -> str:
    """An amount in the report's own unit with thousands separators and the won figure beside it
    ('1,893,692 천원 (1,893,692,000 won)'); any other figure at full precision with its unit ('15.7%', '205 명')."""
    value = _value(row, column)
    if value is None:
        return "None"
    per_unit, unit = _value(row, "won_per_unit"), _value(row, "unit")
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        return str(value)
    if per_unit:
        printed = plain_decimal(number / Decimal(int(per_unit)))
        return f"{_grouped(printed)} {unit or ''} ({_grouped(plain_decimal(number))} won)".replace("  ", " ")
    if not unit:
        return plain_decimal(number)
    return f"{plain_decimal(number)}{'' if unit == '%' else ' '}{unit}"


def _grouped(text: str) -> str:
    whole, _, fraction = text.partition(".")
    sign = "-" if whole.startswith("-") else ""
    whole = f"{int(whole.lstrip('-')):,}"
    return sign + whole + (f".{fraction}" if fraction else "")


def describe(report_id: str, row: dict, suite: Suite) -> str:
    """'chungbuk-tp-2024-q3, 수탁사업비 (table 29), line 1863 "계" budget: expected 1, found 2 (…)'."""
    where = _value(row, "table_name") or suite.model
    if _value(row, "table_no") is not None:
        where += f" (table {int(row['table_no'])})"
    parts = [report_id, where]
    if _value(row, "source_line") is not None:
        parts.append(f"line {int(row['source_line'])}")
    text = ", ".join(parts)
    label = _value(row, "row_label")
    if label:
        text += f' "{label}"'
    if _value(row, "identity_name"):
        text += f" [{row['identity_name']}]"
    if _value(row, "measure_name"):
        text += f" {row['measure_name']}"
    if _value(row, "expected") is not None or _value(row, "found") is not None:
        text += f": expected {shown_figure(row, 'expected')}, found {shown_figure(row, 'found')}"
        if _value(row, "difference") is not None:
            text += f" (difference {row['difference']}"
            text += f", tolerance {row['tolerance']})" if _value(row, "tolerance") is not None else ")"
        if _value(row, "expected_exact") is not None and _value(row, "expected_exact") != _value(row, "expected"):
            text += f"; computed {row['expected_exact']} before rounding ({row.get('rounding_rule') or 'tolerance'})"
    if _value(row, "other_lines"):
        text += f"; parts on lines {row['other_lines']}"
    if _value(row, "detail"):
        text += f": {row['detail']}"
    if _value(row, "note"):
        text += f" — {row['note']}"
    if row.get("gate_status") == STALE and row.get("acknowledgement"):
        text += f" — stale acknowledgement: {row['acknowledgement']}"
    elif not row.get("gate_status") and row.get("failed_expectation"):
        text += f" — {row['failed_expectation']}"
    return text


EXACT_COLUMNS = ("expected_exact", "expected", "found", "difference", "tolerance")


def plain_decimal(text):
    """'1893692000.0000' -> '1893692000', '9.6000' -> '9.6'; None stays None."""
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return None
    value = Decimal(str(text))
    if value == value.to_integral_value():
        return str(value.quantize(Decimal(1)))
    return format(value.normalize(), "f")


@dataclass
class ReportGate:
    report_id: str
    results: list[SuiteResult]
    stale: list[dict]
    seconds: float

    @property
    def severity(self) -> str:
        levels = [r.severity for r in self.results] + ([ERROR] if self.stale else [])
        return ERROR if ERROR in levels else WARN if WARN in levels else PASS


def acknowledgements_file(expectations_dir: Path) -> Path:
    """`expectations/acknowledged.yaml`, or the file named by $BUDGET_RECON_ACKNOWLEDGED (a generated
    corpus brings the acknowledgements of its own report ids; see bench/generate_corpus.py)."""
    override = os.environ.get("BUDGET_RECON_ACKNOWLEDGED")
    return Path(override) if override else expectations_dir / "acknowledged.yaml"


def run_gate(
    con: duckdb.DuckDBPyConnection,
    report_ids: list[str],
    run_id: str,
    expectations_dir: Path,
    validator: GateValidator,
    log=None,
    load_ids: dict[str, str | None] | None = None,
) -> list[ReportGate]:
    """Validate every suite for every report and record the outcome in the `gate` schema, each
    verdict with the version it checked (`load_ids`, from publication.checked_versions)."""
    suites = load_suites(expectations_dir)
    acknowledgements = load_acknowledgements(acknowledgements_file(expectations_dir))
    con.execute(GATE_DDL)
    if report_ids:
        store_acknowledgements(con, run_id, acknowledgements, report_ids)
    shapes = _shapes(con, suites) if report_ids else {}
    for suite in suites if report_ids else []:
        if suite.name not in shapes:
            raise RuntimeError(f"gate suite {suite.path.name} covers {suite.table}, which the warehouse lacks")
    # One GE validation per batch for a suite of its own, and one for all identities of a template.
    groups = validation_groups(suites)
    # PostgreSQL: GE's SQL datasource runs the expectations in the warehouse. DuckDB: GE 1.24's SQL
    # datasource loses query results there, so its rows are validated as DataFrames.
    in_database = dialect(con) == "postgres"
    if report_ids and not in_database:
        validator.prepare([template_suite(g) if g[0].template else g[0] for g in groups])
    order = {suite.name: i for i, suite in enumerate(suites)}
    gates = []
    for batch in _batches(con, suites, report_ids):
        started = time.perf_counter()
        results: dict[str, list[SuiteResult]] = {r: [] for r in batch}
        stale: dict[str, list[dict]] = {r: [] for r in batch}
        for group in groups:
            if in_database:
                by_suite, unused = _validate_in_database(con, validator, group, shapes, batch, acknowledgements, run_id)
            else:
                reads = [_read(con, suite, shapes[suite.name], batch, acknowledgements, run_id) for suite in group]
                by_suite, unused = _validate_frames(validator, group, reads, batch), [r[2] for r in reads]
                del reads
            for suite, stale_acks in zip(group, unused):
                for item in stale_acks:
                    stale[item["report_id"]].append(dict(item, suite=suite.name))
            for suite in group:
                for report_id, result in by_suite[suite.name].items():
                    results[report_id].append(result)
            del by_suite

        for report_results in results.values():
            report_results.sort(key=lambda r: order[r.suite.name])
        seconds = (time.perf_counter() - started) / len(batch)
        batch_gates = [ReportGate(report_id, results[report_id], stale[report_id], seconds) for report_id in batch]
        _record(con, batch_gates, run_id, load_ids or {})
        gates.extend(batch_gates)
        if log:
            for gate in batch_gates:  # one line per report: a log event per report and suite is slow in Dagster
                shown = [f"{r.suite.name}: {r.severity} ({r.row_count} rows, {len(r.failing_rows)} flagged)"
                         for r in gate.results if r.severity not in (PASS, NOT_CHECKED) or len(r.failing_rows)]
                passing = sum(r.severity == PASS and not len(r.failing_rows) for r in gate.results)
                unchecked = [r.suite.name for r in gate.results if r.severity == NOT_CHECKED]
                log(f"{gate.report_id}: {gate.severity}; " + "; ".join(
                    shown + [f"{passing} more suites pass"]
                    + ([f"{len(unchecked)} not checked (no rows): {', '.join(unchecked)}"] if unchecked else [])))
    return gates


def _validate_frames(validator: GateValidator, group: list[Suite], reads: list[tuple], batch: list[str]) -> dict:
    """A group's per-suite, per-report results from the frames `_read` gave (DuckDB)."""
    if group[0].template:
        return validator.validate_identities(group, [r[0] for r in reads], batch, [r[1] for r in reads])
    return {group[0].name: validator.validate_reports(group[0], reads[0][0], batch, reads[0][1])}


def _validate_in_database(con, validator: GateValidator, group: list[Suite], shapes: dict, batch: list[str],
                          acknowledgements, run_id: str) -> tuple[dict, list[list[dict]]]:
    """A group's per-suite, per-report results with its expectations run in the PostgreSQL warehouse
    (GE's SQL datasource on a query over the batch's rows, classified there): only the keys of the
    unexpected rows leave the server, then the full rows of those, read as `_read` gives them."""
    ids = ", ".join(literal(r) for r in batch)
    template = bool(group[0].template)
    validated = template_suite(group) if template else group[0]
    narrow = list(dict.fromkeys(c for suite in group for c in shapes[suite.name].narrow))
    parts, counts = [], []
    for suite in group:
        shape = shapes[suite.name]
        reconciliation = suite.kind == "reconciliation"
        join, status = classification(suite.model, shape.columns, run_id) if reconciliation else ("", "")
        select = [f"r.{_q(c)}" if c in shape.narrow else f"null as {_q(c)}" for c in narrow]
        select += [f"{status} as gate_status"] * reconciliation + [f"{literal(suite.name)} as {IDENTITY}"] * template
        parts.append(f"select {', '.join(select)} from {suite.table} as r {join} where r.report_id in ({ids})")
        counts.append(f"select {literal(suite.name)} as suite, report_id, count(*) as n from {suite.table} "
                      f"where report_id in ({ids}) group by report_id")
    row_counts: dict[str, dict] = {suite.name: {} for suite in group}
    for name, report_id, n in con.execute(" union all ".join(counts)).fetchall():
        row_counts[name][report_id] = int(n)
    rows = sum(n for counts_of_suite in row_counts.values() for n in counts_of_suite.values())
    items = validator.validate_query(validated, con.url, " union all ".join(parts), rows)
    # The full rows of the keys an unexpected outcome names, per suite.
    named: dict[str, set] = {suite.name: set() for suite in group}
    for _, _, _, success, _, keys, _ in items:
        for key in keys if not success else []:
            name = key.get(IDENTITY, group[0].name) if template else group[0].name
            if name in named:
                named[name].add(tuple(key.get(c) for c in group[0].key))
    frames, unused = [], []
    by_entry = {a.index: a for a in acknowledgements}
    for suite in group:
        shape = shapes[suite.name]
        reconciliation = suite.kind == "reconciliation"
        join, status = classification(suite.model, shape.columns, run_id) if reconciliation else ("", "")
        classified = f", {status} as gate_status, a.entry as __gate_entry" if reconciliation else ""
        keys = sorted(named[suite.name], key=repr)
        match = " and ".join(f"cast(r.{_q(c)} as varchar) is not distinct from k.c{i}" for i, c in enumerate(suite.key))
        arrays = ", ".join("?::varchar[]" for _ in suite.key)
        full = con.execute(
            f"select {_full_select(suite, shape)}{classified} from {suite.table} as r {join} where r.report_id in ({ids}) "
            f"and exists (select 1 from unnest({arrays}) as k({', '.join(f'c{i}' for i in range(len(suite.key)))}) "
            f"where {match})",
            [[None if k[i] is None else str(k[i]) for k in keys] for i in range(len(suite.key))],
        ).df()
        if reconciliation:
            entries = full.pop("__gate_entry").to_numpy()
            _explain(full, shape, full["gate_status"].to_numpy(), entries, by_entry)
            unused.append(stale_entries(con.execute(unused_sql(suite.table, suite.model, shape.columns, run_id, ids)).fetchall(),
                                        acknowledgements))
        else:
            unused.append([])
        frames.append(full)
    if template:
        return validator.validate_identities(group, frames, batch, [None] * len(group), items=items,
                                             row_counts=[row_counts[s.name] for s in group]), unused
    return {validated.name: validator.validate_reports(validated, frames[0], batch, None, items=items,
                                                       row_counts=row_counts[validated.name])}, unused


@dataclass(frozen=True)
class _Shape:
    columns: tuple[str, ...]  # of the relation, in order
    narrow: tuple[str, ...]  # what validation needs: report_id, the key and the columns expectations name
    has_rowid: bool  # a base table: flagged rows are read again by rowid; a view is read whole


def _shapes(con: duckdb.DuckDBPyConnection, suites: list[Suite]) -> dict[str, _Shape]:
    """Each suite's relation as the warehouse has it (a suite whose relation is missing is left out)."""
    relations: dict[tuple[str, str], dict] = {}
    for schema, name, kind, column in con.execute(
        "select t.table_schema, t.table_name, t.table_type, c.column_name from information_schema.tables t "
        "join information_schema.columns c using (table_catalog, table_schema, table_name) "
        "where t.table_catalog = current_database() order by t.table_schema, t.table_name, c.ordinal_position"
    ).fetchall():
        relations.setdefault((schema, name), {"kind": kind, "columns": []})["columns"].append(column)
    shapes = {}
    for suite in suites:
        relation = relations.get(tuple(suite.table.split(".")))
        if relation is None:
            continue
        columns = tuple(relation["columns"])
        named = ["report_id", *suite.key]
        for expectation in suite.definition.get("expectations", []):
            kwargs = expectation.get("kwargs") or {}
            named += [kwargs["column"]] if isinstance(kwargs.get("column"), str) else []
            named += [c for c in kwargs.get("column_list") or [] if isinstance(c, str)]
        # A column the table lacks stays out of the frame, so GE fails that expectation as before.
        narrow = tuple(dict.fromkeys(c for c in named if c in columns))
        # rowid is DuckDB's: on PostgreSQL every relation is read the way a view is
        has_rowid = relation["kind"] == "BASE TABLE" and "rowid" not in columns and dialect(con) == "duckdb"
        shapes[suite.name] = _Shape(columns=columns, narrow=narrow, has_rowid=has_rowid)
    return shapes


def _batch_rows_limit() -> int:
    return max(1, int(os.environ.get("BUDGET_RECON_GATE_BATCH_ROWS", "500000")))


def _batches(con: duckdb.DuckDBPyConnection, suites: list[Suite], report_ids: list[str]) -> list[list[str]]:
    """Reports in order, grouped so that no suite's frame exceeds BUDGET_RECON_GATE_BATCH_ROWS rows (a
    report larger than that alone is a batch of its own) nor BUDGET_RECON_GATE_BATCH reports, if set.
    One GE validation per suite and batch: GE's cost per validation is far larger than per row, and
    the bound keeps memory flat (no frame holds the whole corpus)."""
    if not report_ids:
        return []
    limit = _batch_rows_limit()
    most = int(os.environ.get("BUDGET_RECON_GATE_BATCH", "0")) or len(report_ids)
    tables = sorted({s.table for s in suites})
    counts: dict[str, list[int]] = {r: [0] * len(tables) for r in report_ids}
    if tables and len(report_ids) > 1:
        # Counting every report is cheaper in DuckDB than filtering on a long list of them.
        union = " union all ".join(f"select {i} as t, report_id, count(*) as n from {table} group by report_id" for i, table in enumerate(tables))
        for i, report_id, n in con.execute(union).fetchall():
            if report_id in counts:
                counts[report_id][i] = n
    batches, batch, totals = [], [], [0] * len(tables)
    for report_id in report_ids:
        rows = counts[report_id]
        if batch and (len(batch) >= most or any(t + n > limit for t, n in zip(totals, rows))):
            batches.append(batch)
            batch, totals = [], [0] * len(tables)
        batch.append(report_id)
        totals = [t + n for t, n in zip(totals, rows)]
    return batches + ([batch] if batch else [])


def _read(con, suite: Suite, shape: _Shape, batch: list[str], acknowledgements, run_id: str):
    """The suite's frame for validation, a reader of full rows by frame position, and stale acknowledgements.

    The frame holds only the columns validation needs (plus `gate_status` for a reconciliation, which
    the warehouse computes: acknowledgements.classification): reading and converting every column of
    every row cost more than validating. Full rows are read again for the few rows a failed
    expectation names, exactly as the whole frame used to give them: amounts as plain decimal text,
    the row's classification and what its acknowledgement says."""
    where = "where r.report_id in (select unnest(?::varchar[]))"
    reconciliation = suite.kind == "reconciliation"
    exact = [c for c in shape.narrow if c in EXACT_COLUMNS] if reconciliation else []
    join, status = classification(suite.model, shape.columns, run_id) if reconciliation else ("", "")
    classified = f", {status} as gate_status, a.entry as __gate_entry" if reconciliation else ""
    if shape.has_rowid:
        select = [f"cast(r.{_q(c)} as varchar) as {_q(c)}" if c in exact else f"r.{_q(c)}" for c in shape.narrow]
        # In table order: the semi join on report ids does not keep it, and failed rows are recorded in this order.
        frame = con.execute(f"select {', '.join(select)}{classified}, r.rowid as __gate_rowid from {suite.table} as r "
                            f"{join} {where} order by r.rowid", [batch]).df()
        rowids = frame.pop("__gate_rowid").to_numpy()
    else:
        frame = con.execute(f"select {_full_select(suite, shape)}{classified} from {suite.table} as r {join} {where}",
                            [batch]).df()
        rowids = None
    for column in exact:  # an expectation on an amount sees it as the gate always showed it
        frame[column] = frame[column].map(plain_decimal).astype(object)
    stale_acks: list[dict] = []
    entries = None
    if reconciliation:
        entries = frame.pop("__gate_entry").to_numpy()
        ids = ", ".join(literal(r) for r in batch)
        stale_acks = stale_entries(con.execute(unused_sql(suite.table, suite.model, shape.columns, run_id, ids)).fetchall(),
                                   acknowledgements)
    by_entry = {a.index: a for a in acknowledgements}

    def rows(positions: np.ndarray) -> pd.DataFrame:
        if rowids is not None:
            wanted = rowids[positions]
            full = con.execute(
                f"select r.rowid as __gate_rowid, {_full_select(suite, shape)} from {suite.table} as r "
                "where r.rowid in (select unnest(?::bigint[]))",
                [wanted.tolist()],
            ).df()
            full = full.set_index("__gate_rowid").loc[wanted].reset_index(drop=True)
        else:
            full = frame.iloc[positions][list(shape.columns)].reset_index(drop=True)
        if reconciliation:
            _explain(full, shape, frame["gate_status"].to_numpy()[positions], entries[positions], by_entry)
        return full

    columns = list(shape.narrow) + ["gate_status"] * reconciliation
    validation = frame[columns].copy() if list(frame.columns) != columns else frame
    return validation, rows, stale_acks


def _explain(full: pd.DataFrame, shape: _Shape, statuses, entries, by_entry: dict) -> None:
    """Full reconciliation rows as the gate records them: exact amounts as text, the classification
    and what the acknowledgement matched says (acknowledgements.acknowledgement_text)."""
    for column in _exact(shape):
        full[column] = full[column].map(plain_decimal).astype(object)
    full["gate_status"] = list(statuses)
    expected = full["expected"] if "expected" in full else [None] * len(full)
    found = full["found"] if "found" in full else [None] * len(full)
    full["acknowledgement"] = [
        acknowledgement_text(s, by_entry.get(None if pd.isna(e) else int(e)), x, f)
        for s, e, x, f in zip(statuses, entries, expected, found)
    ]


def _q(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def _full_select(suite: Suite, shape: _Shape) -> str:
    """Every column of the relation; a reconciliation's amounts as exact decimal text (pandas would
    turn DECIMAL into float). Columns named one by one: the same SQL on DuckDB and PostgreSQL."""
    exact = EXACT_COLUMNS if suite.kind == "reconciliation" else ()
    return ", ".join(f"cast(r.{_q(c)} as varchar) as {_q(c)}" if c in exact else f"r.{_q(c)}" for c in shape.columns)


def _exact(shape: _Shape) -> list[str]:
    return [c for c in EXACT_COLUMNS if c in shape.columns]


def _record(con: duckdb.DuckDBPyConnection, gates: list[ReportGate], run_id: str, load_ids: dict) -> None:
    """Record a batch of reports in one transaction, each table in one statement."""
    checks: list[list] = [[] for _ in range(10)]
    failed: list[list] = [[] for _ in _FAILED_COLUMNS]
    texts: dict[tuple, str] = {}  # most reports share their outcomes' JSON (every expectation met)

    def add_failed(report_id: str, suite: Suite, row: dict) -> None:
        for column, value in zip(failed, _failed_values(report_id, suite, row)):
            column.append(value)

    for gate in gates:
        stale_by_suite: dict[str, list[dict]] = {}
        for item in gate.stale:
            stale_by_suite.setdefault(item["suite"], []).append(item)
        for result in gate.results:
            suite = result.suite
            stale = stale_by_suite.get(suite.name, [])
            severity = ERROR if stale else result.severity
            failing = result.failing_rows
            if result.failing_records is not None:
                acknowledged = sum(r.get("gate_status") == ACKNOWLEDGED for r in result.failing_records)
            else:
                acknowledged = int((failing["gate_status"] == ACKNOWLEDGED).sum()) if len(failing) and "gate_status" in failing else 0
            row = [
                gate.report_id,
                suite.name,
                "/".join(suite.asset),
                suite.kind,
                severity,
                result.row_count,
                len(failing) - acknowledged + len(stale),
                acknowledged,
                _outcomes_json(result.outcomes, texts),
                load_ids.get(gate.report_id),
            ]
            for column, value in zip(checks, row):
                column.append(value)
            if result.failing_records is not None:
                rows = [dict(r) for r in result.failing_records]
            else:
                rows = failing.to_dict("records") if len(failing) else []
            failed_expectations = {}
            for outcome in result.outcomes:
                if not outcome.success:
                    for key in outcome.unexpected_keys:
                        ident = tuple(key.get(c) for c in suite.key)
                        failed_expectations.setdefault(ident, f"{outcome.expectation}({outcome.column or ''})")
            for row in rows:
                ident = tuple(row.get(c) for c in suite.key)
                row.setdefault("failed_expectation", failed_expectations.get(ident))
                add_failed(gate.report_id, suite, row)
            for item in stale:
                add_failed(
                    gate.report_id, suite,
                    {"check_id": item["check_id"], "severity": ERROR, "gate_status": STALE, "acknowledgement": item["reason"],
                     "row_label": item["check_id"]},
                )
    con.execute("begin transaction")
    try:
        con.execute("update gate.check_results set is_latest = false where report_id in (select unnest(?::varchar[]))",
                    [[g.report_id for g in gates]])
        for insert, columns, types, tail in (
            ("insert into gate.check_results", checks, _CHECK_TYPES, "now()::timestamp, true, c9::varchar"),
            (_FAILED_INSERT, failed, _FAILED_TYPES, "now()::timestamp"),
        ):
            if columns[0]:
                # A registered frame of Python objects: binding long lists as parameters is slower.
                frame = pd.DataFrame({f"c{i}": pd.Series(c, dtype=object) for i, c in enumerate(columns)})
                con.register("__gate_rows", frame)
                try:
                    casts = ", ".join(f"c{i}::{t}" for i, t in enumerate(types))
                    con.execute(f"{insert} select ?, {casts}, {tail} from __gate_rows", [run_id])
                finally:
                    con.unregister("__gate_rows")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


def _outcomes_json(outcomes, texts: dict[tuple, str]) -> str:
    summary = tuple((o.expectation, o.column, o.severity, o.success, o.unexpected_count) for o in outcomes)
    text = texts.get(summary)
    if text is None:
        text = texts[summary] = json.dumps(
            [{"expectation": e, "column": c, "severity": s, "success": ok, "unexpected_count": n} for e, c, s, ok, n in summary]
        )
    return text


_CHECK_TYPES = ("varchar", "varchar", "varchar", "varchar", "varchar", "integer", "integer", "integer", "json")
_FAILED_TYPES = ("varchar", "varchar", "varchar", "varchar", "varchar", "varchar", "integer", "integer", "varchar",
                 "varchar", "varchar", "varchar", "varchar", "varchar", "varchar", "varchar", "varchar",
                 "varchar", "varchar", "varchar", "bigint", "integer", "varchar", "varchar", "varchar", "varchar")
# gate.failed_rows columns in _failed_values order (inserts name them: the evidence columns were added later)
_FAILED_COLUMNS = ("report_id", "suite", "row_key", "severity", "gate_status", "table_name", "table_no", "source_line",
                   "other_lines", "label", "measure", "expected", "found", "difference", "tolerance", "message",
                   "acknowledgement", "expected_exact", "rounding_rule", "unit", "won_per_unit", "printed_scale",
                   "finding_level", "note", "label_path", "column_label")
_FAILED_INSERT = "insert into gate.failed_rows (run_id, " + ", ".join(_FAILED_COLUMNS) + ", checked_at)"


def _failed_values(report_id: str, suite: Suite, row: dict) -> list:
    """One gate.failed_rows row after run_id: the columns up to checked_at, then label_path, column_label."""
    def text(column):
        value = _value(row, column)
        return None if value is None else str(value)

    key = "|".join(str(row.get(c)) for c in suite.key)
    status = row.get("gate_status") or ("failed" if row.get("severity") == ERROR else "warned")
    message = describe(report_id, row, suite)
    if status == STALE and row.get("source_line") is None:
        message = f"{report_id}, {suite.model}: {row.get('acknowledgement')} ({row.get('check_id')})"
    return [
        report_id, suite.name, key, row.get("severity"), status,
        text("table_name"), _value(row, "table_no"), _value(row, "source_line"), text("other_lines"),
        text("row_label"), text("measure_name"), text("expected"), text("found"), text("difference"), text("tolerance"),
        message, text("acknowledgement"),
        text("expected_exact"), text("rounding_rule"), text("unit"), _value(row, "won_per_unit"),
        _value(row, "printed_scale"), text("finding_level"), text("note"),
        text("label_path"), text("column_label"),
    ]


def _insert_failed(con, run_id: str, report_id: str, suite: Suite, row: dict) -> None:
    con.execute(
        f"{_FAILED_INSERT} values (?, {', '.join('?' * len(_FAILED_COLUMNS))}, now()::timestamp)",
        [run_id, *_failed_values(report_id, suite, row)],
    )


def latest_results(con: duckdb.DuckDBPyConnection, run_id: str, report_id: str) -> pd.DataFrame:
    return con.execute(
        "select * from gate.check_results where run_id = ? and report_id = ? order by suite", [run_id, report_id]
    ).df()


def failed_rows(con: duckdb.DuckDBPyConnection, run_id: str, report_id: str, suite: str | None = None) -> pd.DataFrame:
    sql = "select * from gate.failed_rows where run_id = ? and report_id = ?"
    params = [run_id, report_id]
    if suite:
        sql += " and suite = ?"
        params.append(suite)
    return con.execute(sql + " order by severity, source_line", params).df()


def failed_rows_of_reports(con: duckdb.DuckDBPyConnection, run_id: str, report_ids: list[str], suite: str) -> pd.DataFrame:
    """`failed_rows` of several reports in one query, in the order of `report_ids`."""
    frame = con.execute(
        "select * from gate.failed_rows where run_id = ? and suite = ? and report_id in (select unnest(?::varchar[])) "
        "order by severity, source_line",
        [run_id, suite, report_ids],
    ).df()
    order = {report_id: i for i, report_id in enumerate(report_ids)}
    # a stable sort keeps (severity, source_line) within each report
    return frame.sort_values("report_id", key=lambda ids: ids.map(order), kind="stable").reset_index(drop=True)


__all__ = ["run_gate", "latest_results", "failed_rows", "describe", "ReportGate", "CONSISTENT", "ACKNOWLEDGED"]
