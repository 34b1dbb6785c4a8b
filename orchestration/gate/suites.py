"""Great Expectations suites kept as files in `expectations/`, validated where the warehouse allows:
on PostgreSQL by GE's SQL datasource on queries of the warehouse (the expectations run there), on
DuckDB against DataFrames read from it (GE 1.24's SQL datasource loses query results on DuckDB).

Each suite file is a GE ExpectationSuite in JSON plus a `meta` block telling the gate what it covers:
    {"name": ..., "meta": {"table": "reconciliation.rec_parent_totals", "asset": ["reconciliation", "rec_parent_totals"],
     "kind": "reconciliation" | "fact", "key": ["report_id", "check_id"]}, "expectations": [...]}
An expectation's `meta.severity` is ERROR (default: blocks publishing) or WARN.

A template file holds the expectations that many relations share once, and lists them in
`meta.identities` ({"name": ..., "description": ...}, one line each; the relation is
`<meta.schema>.<name>`): each identity is a suite of its own for every verdict (check results, Dagster
checks, status), while the gate validates all of them for a report in ONE GE validation, with the
identity as a column (`template_suite`): GE's fixed cost per validation was most of the gate's time.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

ERROR, WARN, PASS = "ERROR", "WARN", "PASS"
# A suite that had no row to check for a report: it did not pass, it was not checked (gate.check_results
# stores it as its severity). It does not block publishing; coverage and required fact types say why.
NOT_CHECKED = "NOT_CHECKED"
# The column naming each row's identity (its suite) when a template validates several together.
IDENTITY = "gate_suite"


def verdict_label(severity: str) -> str:
    """How a suite verdict reads to people: PASSED, ACKNOWLEDGED (WARN), FAILED (ERROR), NOT CHECKED."""
    return {PASS: "PASSED", WARN: "ACKNOWLEDGED", ERROR: "FAILED", NOT_CHECKED: "NOT CHECKED"}.get(severity, severity)


@dataclass(frozen=True)
class Suite:
    name: str
    path: Path
    table: str
    asset: tuple[str, ...]
    kind: str
    key: tuple[str, ...]
    definition: dict
    template: str | None = None  # the template this suite comes from: validated together with its siblings

    @property
    def model(self) -> str:
        return self.table.split(".")[-1]


def load_suites(directory: Path) -> list[Suite]:
    """Every suite of the directory, by name; a template gives one suite per identity it lists."""
    suites = []
    for path in sorted(directory.glob("*.json")):
        definition = json.loads(path.read_text(encoding="utf-8"))
        meta = definition.get("meta") or {}
        if "identities" in meta:
            suites += _identity_suites(path, definition)
            continue
        missing = [k for k in ("table", "asset", "kind", "key") if k not in meta]
        if missing:
            raise ValueError(f"{path}: suite meta lacks {', '.join(missing)}")
        suites.append(
            Suite(
                name=definition["name"],
                path=path,
                table=meta["table"],
                asset=tuple(meta["asset"]),
                kind=meta["kind"],
                key=tuple(meta["key"]),
                definition=definition,
            )
        )
    names = [s.name for s in suites]
    if len(set(names)) != len(names):
        raise ValueError(f"{directory}: suite names repeat: {sorted({n for n in names if names.count(n) > 1})}")
    return sorted(suites, key=lambda s: s.name)


def _identity_suites(path: Path, template: dict) -> list[Suite]:
    """The suites of a template, each as its own suite file would read."""
    meta = template["meta"]
    missing = [k for k in ("schema", "kind", "key") if k not in meta]
    if missing:
        raise ValueError(f"{path}: template meta lacks {', '.join(missing)}")
    suites = []
    for identity in meta["identities"]:
        name, table = identity["name"], f"{meta['schema']}.{identity['name']}"
        definition = {
            "name": name,
            "meta": {"table": table, "asset": [meta["schema"], name], "kind": meta["kind"], "key": list(meta["key"]),
                     "description": identity.get("description", "")},
            "expectations": template.get("expectations", []),
        }
        suites.append(Suite(name=name, path=path, table=table, asset=(meta["schema"], name), kind=meta["kind"],
                            key=tuple(meta["key"]), definition=definition, template=template["name"]))
    return suites


def validation_groups(suites: list[Suite]) -> list[list[Suite]]:
    """What the gate validates in one go: a suite on its own, or every identity of a template."""
    groups: dict[str, list[Suite]] = {}
    for suite in suites:
        groups.setdefault(suite.template or f"\0{suite.name}", []).append(suite)
    return list(groups.values())


def template_suite(suites: list[Suite]) -> Suite:
    """The suite ONE validation runs over the rows of every identity of a template: the identity is a
    column of the frame and leads the key, so uniqueness holds per identity as in each suite alone."""
    first = suites[0]
    expectations = copy.deepcopy(first.definition.get("expectations", []))
    for expectation in expectations:
        kwargs = expectation.get("kwargs") or {}
        if expectation["type"] == "expect_column_values_to_be_unique":
            raise ValueError(f"{first.path}: a template's uniqueness must be compound (expect_compound_columns_to_be_unique)")
        if "column_list" in kwargs:
            kwargs["column_list"] = [IDENTITY, *kwargs["column_list"]]
    definition = {
        "name": first.template,
        "meta": {"table": "", "asset": [], "kind": first.kind, "key": [IDENTITY, *first.key],
                 "description": f"{first.path.name}: " + ", ".join(s.name for s in suites)},
        "expectations": expectations,
    }
    return Suite(name=first.template, path=first.path, table="", asset=(), kind=first.kind,
                 key=(IDENTITY, *first.key), definition=definition)


@dataclass
class ExpectationOutcome:
    expectation: str
    column: str | None
    severity: str
    success: bool
    unexpected_count: int
    unexpected_keys: list[dict] = field(default_factory=list)
    observed: object = None


@dataclass
class SuiteResult:
    suite: Suite
    row_count: int
    outcomes: list[ExpectationOutcome]
    failing_rows: pd.DataFrame  # rows named by a failed expectation, with the severity they failed at
    failing_records: list[dict] | None = None  # the same rows as dicts, when already made (to_dict is slow per frame)

    @property
    def severity(self) -> str:
        failed = [o.severity for o in self.outcomes if not o.success]
        if ERROR in failed:
            return ERROR
        if failed:
            return WARN
        return PASS if self.row_count else NOT_CHECKED


class GateValidator:
    """One GE file context under the run home, so Data Docs are built where the UI links to them."""

    DATASOURCE = "warehouse_frames"
    SQL_DATASOURCE = "warehouse_sql"  # PostgreSQL: expectations run in the warehouse (results.run_gate)
    URL_VARIABLE = "BUDGET_RECON_GATE_WAREHOUSE_URL"

    def __init__(self, context_dir: Path):
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
        logging.getLogger("great_expectations").setLevel(logging.WARNING)
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self._gx = gx
        context_dir.mkdir(parents=True, exist_ok=True)
        self.context = gx.get_context(mode="file", project_root_dir=str(context_dir))
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        self.datasource = None  # registered with the suites (`prepare`)
        self._suites: dict[str, Suite] = {}  # registered, by name
        self._validations: dict[tuple, object] = {}
        self._queries: dict[str, str] = {}  # the query asset of each suite validated in the database
        self._stored: list = []  # validation results stored by this validator, for an incremental Data Docs build
        # The name Data Docs show for each validation ("Run Name"): the gate sets the Dagster run and reports.
        self.run_name: str | None = None

    @staticmethod
    def _key(suite: Suite) -> tuple:
        return (suite.name, json.dumps(suite.definition, sort_keys=True, ensure_ascii=False))

    def prepare(self, suites: list[Suite]) -> None:
        """Register the suites with GE once per validator (one per gate run): every data asset in ONE
        write of the GE config (adding assets one at a time rewrites the whole config each time, which
        cost more than validating), then one validation definition per suite."""
        if all(self._key(s) in self._validations for s in suites):
            return
        from great_expectations.core.batch_definition import BatchDefinition
        from great_expectations.datasource.fluent.pandas_datasource import DataFrameAsset, PandasDatasource

        gx = self._gx
        self._suites.update({s.name: s for s in suites})
        names = sorted(self._suites)
        self.datasource = self.context.data_sources.add_or_update_pandas(
            datasource=PandasDatasource(
                name=self.DATASOURCE,
                assets=[DataFrameAsset(name=n, batch_definitions=[BatchDefinition(name="frame")]) for n in names],
            )
        )
        self._validations = {}
        for name in names:
            suite = self._suites[name]
            definition = {k: v for k, v in suite.definition.items() if k != "meta"}
            definition["meta"] = {k: v for k, v in (suite.definition.get("meta") or {}).items()}
            batch = self.datasource.get_asset(name).get_batch_definition("frame")
            # add_or_update also adds or updates the suite itself
            validation = gx.ValidationDefinition(data=batch, suite=gx.ExpectationSuite(**definition), name=name)
            self._validations[self._key(suite)] = self.context.validation_definitions.add_or_update(validation)

    def _validation(self, suite: Suite):
        """The suite's GE validation definition (registering it if need be)."""
        self.prepare([suite])
        return self._validations[self._key(suite)]

    def _query_validation(self, suite: Suite, query: str, url: str):
        """The suite's GE validation definition on a query asset of the PostgreSQL warehouse (GE's SQL
        datasource: the expectations run in the database). The datasource holds one query asset per
        suite validated this way, its query the latest batch's; the connection string is read from
        the environment, so no password is written into the GE project's files."""
        from great_expectations.core.batch_definition import BatchDefinition
        from great_expectations.datasource.fluent.postgres_datasource import PostgresDatasource
        from great_expectations.datasource.fluent.sql_datasource import QueryAsset

        gx = self._gx
        os.environ[self.URL_VARIABLE] = "postgresql://" + url.split("://", 1)[1]  # SQLAlchemy's scheme
        self._queries[suite.name] = query
        datasource = self.context.data_sources.add_or_update_postgres(
            datasource=PostgresDatasource(
                name=self.SQL_DATASOURCE,
                connection_string="${" + self.URL_VARIABLE + "}",
                assets=[QueryAsset(name=n, query=q, batch_definitions=[BatchDefinition(name="batch")])
                        for n, q in sorted(self._queries.items())],
            )
        )
        self._suites[suite.name] = suite
        definition = dict(suite.definition, meta=dict(suite.definition.get("meta") or {}))
        batch = datasource.get_asset(suite.name).get_batch_definition("batch")
        validation = gx.ValidationDefinition(data=batch, suite=gx.ExpectationSuite(**definition), name=suite.name)
        return self.context.validation_definitions.add_or_update(validation)

    def _run(self, suite: Suite, frame: pd.DataFrame | None = None, query: tuple[str, str, int] | None = None) -> list[tuple]:
        """Validate once, a DataFrame or (`query`: url, SQL, its row count) the rows of a query in the
        PostgreSQL warehouse: per expectation (type, column, severity, success, unexpected_count, keys, observed)."""
        from great_expectations.core.run_identifier import RunIdentifier

        if query is None:
            validation, parameters = self._validation(suite), {"batch_parameters": {"dataframe": frame}}
        else:
            validation, parameters = self._query_validation(suite, query[1], query[0]), {}
        result = validation.run(
            run_id=RunIdentifier(run_name=self.run_name) if self.run_name else None,
            **parameters,
            result_format={
                "result_format": "COMPLETE",
                "unexpected_index_column_names": list(suite.key),
                "return_unique_unexpected_index_query": False,
                # On a SQL asset GE names at most this many unexpected rows, even with COMPLETE
                # (a DataFrame's are all named): the rows validated, so every one is.
                **({"partial_unexpected_count": max(20, query[2])} if query is not None else {}),
            },
        )
        self._remember(suite, result)
        severity_by_type = {}
        for expectation in suite.definition.get("expectations", []):
            column = (expectation.get("kwargs") or {}).get("column")
            severity_by_type[(expectation["type"], column)] = (expectation.get("meta") or {}).get("severity", ERROR)
        items = []
        for item in result.results:
            config = item.expectation_config
            column = config.kwargs.get("column")
            details = item.result or {}
            keys = [k for k in (details.get("unexpected_index_list") or []) if isinstance(k, dict)]
            if not keys and config.type == "expect_compound_columns_to_be_unique" and query is not None:
                # on a SQL asset GE names the repeated rows by their values only (unexpected_list), and
                # the column list holds the key: the same keys as a DataFrame's unexpected_index_list
                keys = [{c: k.get(c) for c in suite.key} for k in details.get("unexpected_list") or []
                        if isinstance(k, dict) and all(c in k for c in suite.key)]
            if query is not None and len(keys) < int(details.get("unexpected_count") or 0):
                # GE returns at most 200 repeated rows of a SQL asset: without all of them the
                # outcome names no rows, so it fails for every report of the batch (never passes one)
                keys = []
            items.append((config.type, column, severity_by_type.get((config.type, column), ERROR), bool(item.success),
                          int(details.get("unexpected_count") or 0), keys, details.get("observed_value")))
        return items

    def validate_query(self, suite: Suite, url: str, query: str, rows: int) -> list[tuple]:
        """The suite run by GE's SQL datasource on the `rows` rows of `query` in the PostgreSQL warehouse
        at `url`: per expectation, what `validate_reports` and `validate_identities` take as `items`."""
        return self._run(suite, query=(url, query, rows))

    @staticmethod
    def _result(suite: Suite, frame: pd.DataFrame, items: list[tuple]) -> SuiteResult:
        outcomes = []
        flagged: dict[tuple, str] = {}
        for expectation, column, severity, success, count, keys, observed in items:
            outcomes.append(
                ExpectationOutcome(
                    expectation=expectation,
                    column=column,
                    severity=severity,
                    success=success,
                    unexpected_count=count,
                    unexpected_keys=keys,
                    observed=observed,
                )
            )
            if not success:
                for key in keys:
                    ident = tuple(key.get(c) for c in suite.key)
                    if flagged.get(ident) != ERROR:
                        flagged[ident] = severity
        if flagged and len(frame):
            index = frame.set_index(list(suite.key), drop=False).index
            mask = [(tuple(i) if isinstance(i, tuple) else (i,)) in flagged for i in index]
            failing = frame[mask].copy()
            failing["severity"] = [
                flagged[(tuple(i) if isinstance(i, tuple) else (i,))] for i in failing.set_index(list(suite.key)).index
            ]
        else:
            failing = frame.head(0).assign(severity=pd.Series(dtype=str))
        return SuiteResult(suite=suite, row_count=len(frame), outcomes=outcomes, failing_rows=failing)

    def validate(self, suite: Suite, frame: pd.DataFrame) -> SuiteResult:
        return self._result(suite, frame, self._run(suite, frame))

    def validate_identities(
        self,
        suites: list[Suite],
        frames: list[pd.DataFrame],
        report_ids: list[str],
        rows: list[Callable[[np.ndarray], pd.DataFrame] | None],
        items: list[tuple] | None = None,
        row_counts: list[dict] | None = None,
    ) -> dict[str, dict[str, SuiteResult]]:
        """The identities of one template (`suites`, each with its frame and full-row reader as
        `validate_reports` takes them) in ONE GE validation, split per identity and then per report:
        each result is the one `validate_reports` gives for that suite alone (every expectation is
        row-level and uniqueness is per identity, so an identity fails exactly where its rows do).
        `items`, `row_counts`: the outcome of the template's validation in the database, and each
        identity's rows per report (`frames` then hold only the rows named, see validate_reports)."""
        if items is None:
            combined = template_suite(suites)
            frame = pd.concat([f.assign(**{IDENTITY: s.name}) for s, f in zip(suites, frames)], ignore_index=True)
            items = self._run(combined, frame)
        out = {}
        for i, (suite, part, part_rows) in enumerate(zip(suites, frames, rows)):
            mine = []
            for expectation, column, severity, success, count, keys, observed in items:
                if not success and keys:  # the identity's own unexpected rows, keyed as in its suite
                    keys = [{c: v for c, v in k.items() if c != IDENTITY} for k in keys if k.get(IDENTITY) == suite.name]
                    success, count = not keys, len(keys)
                mine.append((expectation, column, severity, success, count, keys, observed))
            out[suite.name] = self.validate_reports(suite, part, report_ids, part_rows, items=mine,
                                                    row_counts=row_counts[i] if row_counts is not None else None)
        return out

    def validate_reports(
        self,
        suite: Suite,
        frame: pd.DataFrame,
        report_ids: list[str],
        rows: Callable[[np.ndarray], pd.DataFrame] | None = None,
        items: list[tuple] | None = None,
        row_counts: dict | None = None,
    ) -> dict[str, SuiteResult]:
        """Validate the rows of several reports in ONE GE validation and split the outcome per report.

        Exact for this gate's expectations: every one is row-level (not null, in set, between, unique
        on a key that includes report_id; `mostly` at most 1.0), so an expectation fails for a report
        exactly when some of that report's rows are unexpected. An expectation that fails without
        naming rows (e.g. a missing column) fails for every report.

        `frame` needs only report_id, the key and the columns the expectations name: `rows(positions)`
        returns the full rows at those positions of `frame`, in that order, and is asked only for the
        rows a failed expectation names (without it, `frame` holds the full rows). Each report's result
        is the one `validate` gives on that report's full rows. `items`: this suite's outcome when it
        was validated with others (`validate_identities`) or in the database; then `row_counts` gives
        each report's rows and `frame` may hold only the full rows the outcome names."""
        if items is None:
            items = self._run(suite, frame)
        key = list(suite.key)
        # Per report, what validating its rows alone would give: its own unexpected keys.
        own: list[dict] = []
        flagged: dict[object, dict[tuple, str]] = {}  # report -> key -> severity (ERROR wins)
        for expectation, column, severity, success, count, keys, observed in items:
            mine: dict = {}
            if not success:
                for k in keys:
                    mine.setdefault(k.get("report_id"), []).append(k)
            own.append(mine)
        for (expectation, column, severity, success, count, keys, observed), mine in zip(items, own):
            for report_id, keys_of_report in mine.items():
                marks = flagged.setdefault(report_id, {})
                for k in keys_of_report:
                    ident = tuple(k.get(c) for c in key)
                    if marks.get(ident) != ERROR:
                        marks[ident] = severity
        positions, severities = self._flagged_positions(frame, key, flagged, set(report_ids))
        spans: dict = {}  # report -> its rows in `full`, which holds each report's flagged rows together
        if len(positions):
            owner = frame["report_id"].to_numpy()[positions]
            codes, uniques = pd.factorize(owner)
            order = np.argsort(codes, kind="stable")  # frame order within a report
            full = rows(positions) if rows is not None else frame.iloc[positions]
            full = full.copy()
            full["severity"] = severities
            full = full.take(order)
            sizes = np.bincount(codes, minlength=len(uniques))
            spans = {report_id: (int(end - n), int(end)) for report_id, end, n in zip(uniques, np.cumsum(sizes), sizes)}
            records = full.to_dict("records")  # once: to_dict per report frame cost more than validating
        else:
            full, records = None, []
        empty = (full if full is not None else frame).head(0).assign(severity=pd.Series(dtype=str))
        if row_counts is not None:
            counts = row_counts
        else:
            counts = frame["report_id"].value_counts(sort=False).to_dict() if len(frame) else {}
        # An outcome that is the same for every report is made once (outcomes are read only).
        common = [
            ExpectationOutcome(expectation=e, column=c, severity=s, success=ok, unexpected_count=n if not ok else 0,
                               unexpected_keys=[], observed=o)
            if ok or not keys else
            ExpectationOutcome(expectation=e, column=c, severity=s, success=True, unexpected_count=0, unexpected_keys=[], observed=o)
            for e, c, s, ok, n, keys, o in items
        ]
        out = {}
        for report_id in report_ids:
            outcomes = []
            for (expectation, column, severity, success, count, keys, observed), mine, shared in zip(items, own, common):
                keys_of_report = mine.get(report_id) if not success and keys else None
                outcomes.append(
                    ExpectationOutcome(expectation=expectation, column=column, severity=severity, success=False,
                                       unexpected_count=len(keys_of_report), unexpected_keys=keys_of_report, observed=observed)
                    if keys_of_report else shared
                )
            start, stop = spans.get(report_id, (0, 0))
            out[report_id] = SuiteResult(suite=suite, row_count=int(counts.get(report_id, 0)), outcomes=outcomes,
                                         failing_rows=full.iloc[start:stop] if stop > start else empty,
                                         failing_records=records[start:stop])
        return out

    @staticmethod
    def _flagged_positions(
        frame: pd.DataFrame, key: list[str], flagged: dict[object, dict[tuple, str]], report_ids: set
    ) -> tuple[np.ndarray, list[str]]:
        """Positions (in frame order) of the rows whose report named their key, and each one's severity."""
        idents = {ident for report_id, marks in flagged.items() if report_id in report_ids and marks for ident in marks}
        if not idents or not len(frame):
            return np.array([], dtype=np.int64), []
        # Narrow down with vectorised membership per key column, then match whole keys as `_result` does.
        mask = np.ones(len(frame), dtype=bool)
        for j, column in enumerate(key):
            mask &= frame[column].isin([i[j] for i in idents]).to_numpy()
        candidates = np.flatnonzero(mask)
        index = frame.iloc[candidates].set_index(key).index
        reports = frame["report_id"].to_numpy()[candidates]
        positions, severities = [], []
        for position, i, report_id in zip(candidates, index, reports):
            marks = flagged.get(report_id)
            ident = tuple(i) if isinstance(i, tuple) else (i,)
            if marks and ident in marks:
                positions.append(position)
                severities.append(marks[ident])
        return np.array(positions, dtype=np.int64), severities

    def _remember(self, suite: Suite, result) -> None:
        """The store key of a validation result, as ValidationDefinition.run stored it (None if unknown)."""
        from great_expectations.data_context.types.resource_identifiers import (
            ExpectationSuiteIdentifier,
            ValidationResultIdentifier,
        )

        batch = result.meta.get("active_batch_definition") or {}
        run_id = result.meta.get("run_id")
        if not isinstance(batch, dict) or run_id is None:
            self._stored.append(None)
            return
        self._stored.append(
            ValidationResultIdentifier(
                expectation_suite_identifier=ExpectationSuiteIdentifier(name=suite.name),
                run_id=run_id,
                batch_identifier=f"{batch.get('datasource_name')}-{batch.get('data_asset_name')}",
            )
        )

    def build_docs(self) -> Path | None:
        """Render this validator's suites and results, and the index: the pages of earlier runs are
        already on disk, and rebuilding every stored result made each run slower than the last. If a
        stored key cannot be confirmed, the whole site is rebuilt."""
        from great_expectations.data_context.types.resource_identifiers import ExpectationSuiteIdentifier

        from .data_docs import make_offline

        started = time.time()
        store = self.context.validation_results_store
        if self._stored and all(k is not None and store.has_key(k) for k in self._stored):
            resources = [*self._stored, *(ExpectationSuiteIdentifier(name=n) for n in sorted(self._suites))]
            self.context.build_data_docs(resource_identifiers=resources)
        else:
            self.context.build_data_docs()
        for site in self.context.get_docs_sites_urls():
            url = site.get("site_url") or ""
            if url.startswith("file://"):
                index = Path(url[len("file://") :])
                make_offline(index.parent, since=started)  # CDN links -> vendored copies
                return index
        return None
