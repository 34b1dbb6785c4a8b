"""Great Expectations suites kept as files in `expectations/`, validated against DataFrames read from
the warehouse (GE 1.24's SQL datasource loses query results on DuckDB, so we hand it frames).

Each suite file is a GE ExpectationSuite in JSON plus a `meta` block telling the gate what it covers:
    {"name": ..., "meta": {"table": "reconciliation.rec_parent_totals", "asset": ["reconciliation", "rec_parent_totals"],
     "kind": "reconciliation" | "fact", "key": ["report_id", "check_id"]}, "expectations": [...]}
An expectation's `meta.severity` is ERROR (default: blocks publishing) or WARN.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

ERROR, WARN, PASS = "ERROR", "WARN", "PASS"


@dataclass(frozen=True)
class Suite:
    name: str
    path: Path
    table: str
    asset: tuple[str, ...]
    kind: str
    key: tuple[str, ...]
    definition: dict

    @property
    def model(self) -> str:
        return self.table.split(".")[-1]


def load_suites(directory: Path) -> list[Suite]:
    suites = []
    for path in sorted(directory.glob("*.json")):
        definition = json.loads(path.read_text(encoding="utf-8"))
        meta = definition.get("meta") or {}
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
    return suites


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

    @property
    def severity(self) -> str:
        failed = [o.severity for o in self.outcomes if not o.success]
        if ERROR in failed:
            return ERROR
        return WARN if failed else PASS


class GateValidator:
    """One GE file context under the run home, so Data Docs are built where the UI links to them."""

    def __init__(self, context_dir: Path):
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
        logging.getLogger("great_expectations").setLevel(logging.WARNING)
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self._gx = gx
        context_dir.mkdir(parents=True, exist_ok=True)
        self.context = gx.get_context(mode="file", project_root_dir=str(context_dir))
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        self.datasource = self.context.data_sources.add_or_update_pandas("warehouse_frames")
        self._validations: dict[tuple, object] = {}

    def _validation(self, suite: Suite):
        """The suite's GE validation definition, registered once per validator (one per gate run):
        registering a suite and a validation definition writes files, so doing it per report and suite
        cost more than the validation itself."""
        key = (suite.name, json.dumps(suite.definition, sort_keys=True, ensure_ascii=False))
        cached = self._validations.get(key)
        if cached is not None:
            return cached
        gx = self._gx
        definition = {k: v for k, v in suite.definition.items() if k != "meta"}
        definition["meta"] = {k: v for k, v in (suite.definition.get("meta") or {}).items()}
        ge_suite = gx.ExpectationSuite(**definition)
        try:
            self.context.suites.delete(suite.name)
        except Exception:  # not there yet
            pass
        ge_suite = self.context.suites.add(ge_suite)
        names = [a.name for a in self.datasource.assets]
        asset = self.datasource.get_asset(suite.name) if suite.name in names else self.datasource.add_dataframe_asset(suite.name)
        batch = asset.batch_definitions[0] if asset.batch_definitions else asset.add_batch_definition_whole_dataframe("frame")
        validation = gx.ValidationDefinition(data=batch, suite=ge_suite, name=suite.name)
        validation = self.context.validation_definitions.add_or_update(validation)
        self._validations[key] = validation
        return validation

    def _run(self, suite: Suite, frame: pd.DataFrame) -> list[tuple]:
        """Validate once: per expectation (type, column, severity, success, unexpected_count, keys, observed)."""
        validation = self._validation(suite)
        result = validation.run(
            batch_parameters={"dataframe": frame},
            result_format={
                "result_format": "COMPLETE",
                "unexpected_index_column_names": list(suite.key),
                "return_unique_unexpected_index_query": False,
            },
        )
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
            items.append((config.type, column, severity_by_type.get((config.type, column), ERROR), bool(item.success),
                          int(details.get("unexpected_count") or 0), keys, details.get("observed_value")))
        return items

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

    def validate_reports(self, suite: Suite, frame: pd.DataFrame, report_ids: list[str]) -> dict[str, SuiteResult]:
        """Validate the rows of several reports in ONE GE validation and split the outcome per report.

        Exact for this gate's expectations: every one is row-level (not null, in set, between, unique
        on a key that includes report_id; `mostly` at most 1.0), so an expectation fails for a report
        exactly when some of that report's rows are unexpected. An expectation that fails without
        naming rows (e.g. a missing column) fails for every report."""
        items = self._run(suite, frame)
        positions = frame.groupby("report_id", sort=False).indices if len(frame) else {}
        out = {}
        for report_id in report_ids:
            rows = positions.get(report_id)
            part = frame.iloc[rows] if rows is not None else frame.head(0)
            mine = []
            for expectation, column, severity, success, count, keys, observed in items:
                if success or not keys:
                    mine.append((expectation, column, severity, success, count if not success else 0, [], observed))
                    continue
                own = [k for k in keys if k.get("report_id") == report_id]
                mine.append((expectation, column, severity, not own, len(own), own, observed))
            out[report_id] = self._result(suite, part, mine)
        return out

    def build_docs(self) -> Path | None:
        self.context.build_data_docs()
        for site in self.context.get_docs_sites_urls():
            url = site.get("site_url") or ""
            if url.startswith("file://"):
                return Path(url[len("file://") :])
        return None
