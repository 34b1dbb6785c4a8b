"""Nothing in the code depends on one report's years or names (docs/report-families.md).

The code of orchestration/ and dbt_project/ (comments and docstrings excluded: they quote the
reports as examples) must hold no year 2000-2099 and none of the program, department, indicator,
project or agency names that occur in the bundled reports' facts. The names are taken from the facts
the parsers extract, so a name a future report adds is covered as soon as a test report carries it.
"""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

import pytest

from orchestration.parsing import budget_execution, budget_plan, kpi, performance_targets, project_funding
from orchestration.parsing.reader import read_report
from orchestration.parsing.registry import load_registry

ROOT = Path(__file__).resolve().parents[1]
CODE_DIRS = (ROOT / "orchestration", ROOT / "dbt_project")
YEAR = re.compile(r"(?<![0-9/\\u])20[0-9]{2}(?![0-9])")  # not \u2002 escapes or URL paths
_HANGUL = re.compile(r"[가-힣]")

# fact columns that hold names of programs, departments, indicators, projects, agencies
NAME_COLUMNS = {
    budget_execution: ("department", "goal_name", "group_name"),
    budget_plan: ("org_unit", "program", "sub_program", "industry"),
    project_funding: ("project_name", "org_unit", "lead_ministry", "lead_agency"),
    kpi: ("org_unit", "goal_name"),
    performance_targets: ("indicator", "program", "sub_program", "industry"),
}


def _key(text: str) -> str:
    return re.sub(r"[\s·]", "", text)


@pytest.fixture(scope="module")
def report_names() -> set[str]:
    names: set[str] = set()
    registry = load_registry(ROOT / "seeds" / "reports.yaml")
    for entry in registry:
        names.add(entry.organization)
        report = read_report(entry.report_id, ROOT / "seeds" / "reports" / entry.file, entry.encoding)
        for module, columns in NAME_COLUMNS.items():
            for row in module.extract(report):
                for column in columns:
                    value = row.get(column)
                    if isinstance(value, str):
                        names.add(value)
    keys = {_key(n) for n in names if n}
    # a name is at least three Hangul syllables: shorter ones (기타, 소계) are the families' vocabulary
    return {k for k in keys if len(_HANGUL.findall(k)) >= 3}


def _python_code(path: Path) -> str:
    """The file's code with comments and docstrings removed (string literals kept)."""
    out: list[str] = []
    tokens = list(tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline))
    previous = tokenize.NEWLINE
    for token in tokens:
        if token.type == tokenize.COMMENT:
            continue
        if token.type == tokenize.STRING and previous in (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.NL):
            previous = token.type  # a docstring: a string standing alone as a statement
            continue
        if token.type not in (tokenize.NL, tokenize.COMMENT):
            previous = token.type
        out.append(token.string)
    return "\n".join(out)


def _sql_code(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"\{#.*?#\}", "", text, flags=re.S)
    return re.sub(r"--[^\n]*", "", text)


def _code_files() -> list[tuple[Path, str]]:
    files = []
    for directory in CODE_DIRS:
        for path in sorted(directory.rglob("*")):
            if "target" in path.parts or "dbt_packages" in path.parts or "logs" in path.parts:
                continue
            if path.suffix == ".py":
                files.append((path, _python_code(path)))
            elif path.suffix == ".sql":
                files.append((path, _sql_code(path)))
            elif path.name == "dbt_project.yml":
                files.append((path, re.sub(r"#[^\n]*", "", path.read_text(encoding="utf-8"))))
    return files


def test_code_holds_no_literal_year():
    found = [
        f"{path.relative_to(ROOT)}: {line.strip()}"
        for path, code in _code_files()
        for line in code.splitlines()
        if YEAR.search(line)
    ]
    assert found == []


def test_code_holds_no_name_from_the_bundled_reports(report_names):
    assert len(report_names) > 50  # the facts do carry names: the test can fail
    found = []
    for path, code in _code_files():
        squashed = _key(code)
        for name in sorted(report_names):
            if name in squashed:
                found.append(f"{path.relative_to(ROOT)}: {name}")
    assert found == []
