"""Table coverage: every table the reader finds is extracted, not a fact table (and why) or
unrecognised (with its header); a family profile's required fact types are checked per report."""

from pathlib import Path

import pytest

from orchestration.parsing.coverage import (
    EXTRACTED,
    NOT_FACTS,
    UNRECOGNISED,
    classify_tables,
    fact_coverage,
    required_fact_types,
)
from orchestration.parsing.raw_layer import all_extractors
from orchestration.parsing.reader import Report, ReportFormatError, split_tables
from orchestration.warehouse import extract_all, fact_extractors

FACTS = fact_extractors(all_extractors())

# Fragments shaped like the bundled reports' tables (contents, contact row, history, prose, staffing).
FRAGMENT = """||| 목 차 |||
I. 일반현황\t1
II. 2024년도 비전과 추진전략\t11
III. 전략목표별 추진계획\t12

부서명\t정책기획단\t담당자\t직급 : 5급 성명 : 홍길동 ☎ 043-270-2113
-----\t-------\t-----\t---------------------------------

2. 추진경과
연도\t주요내용
2024년\t5월 제천 스마트공장 테스트베드 완공
2023년\t3월 센터 개소

5 부서별 주요 업무
부서명\t주요업무
정책기획단\t· 지역산업진흥사업 총괄 기획

정·현원표 (2024.9.30. 기준)
구 분\t계\t경영진\t직 원
정 원\t205\t9\t178
현 원\t190\t8\t170"""


def _report(text: str) -> Report:
    lines = text.split("\n")
    return Report(report_id="r", path="r.txt", lines=lines, tables=split_tables("r", lines))


def test_every_table_gets_one_classification_from_its_shape():
    report = _report(FRAGMENT)
    rows = classify_tables(report, {}, FACTS)
    assert [r["table_no"] for r in rows] == [t.table_no for t in report.tables]
    by_no = {r["table_no"]: r for r in rows}
    assert [by_no[n]["classification"] for n in sorted(by_no)] == [NOT_FACTS, NOT_FACTS, NOT_FACTS, NOT_FACTS, UNRECOGNISED]
    assert by_no[1]["reason"].startswith("table of contents")
    assert by_no[2]["reason"].startswith("contact list")
    assert by_no[3]["reason"].startswith("schedule")
    assert by_no[4]["reason"].startswith("prose layout")
    staffing = by_no[5]
    assert staffing["header"].startswith("구분 | 계 | 경영진") and staffing["numeric_cells"] == 6
    assert staffing["title"] == "정·현원표 (2024.9.30. 기준)"


def test_a_table_an_extractor_took_is_extracted_with_its_fact_type():
    report = _report(FRAGMENT)
    taken = {"budget_execution_lines": [{"table_no": 5}, {"table_no": 5}]}
    (staffing,) = [r for r in classify_tables(report, taken, FACTS) if r["table_no"] == 5]
    assert (staffing["classification"], staffing["extractors"], staffing["fact_rows"]) == (EXTRACTED, "budget_execution", 2)


def test_a_required_fact_type_without_rows_names_the_candidate_tables():
    report = _report(FRAGMENT)
    report.family, report.required_fact_types = "agency_status_report", ("budget_execution", "kpi")
    rows = {"kpi_lines": [{"table_no": None}]}
    tables = classify_tables(report, rows, FACTS)
    coverage = {r["fact_type"]: r for r in fact_coverage(report, rows, FACTS, tables)}
    assert set(coverage) == {"budget_execution", "budget_plan", "project_funding", "kpi", "performance_target", "staffing"}
    assert coverage["kpi"]["is_satisfied"] and coverage["budget_plan"]["is_satisfied"]  # not required
    missing = coverage["budget_execution"]
    assert not missing["is_satisfied"] and missing["is_required"] and missing["fact_rows"] == 0
    assert "table 5 (lines " in missing["detail"] and "정·현원표" in missing["detail"]


def test_required_fact_types_come_from_the_family_profile():
    assert required_fact_types(None) == ()  # a fragment read without a family: nothing required
    assert "budget_execution" in required_fact_types("agency_status_report")
    assert "performance_target" in required_fact_types("regional_industry_plan")
    report = _report(FRAGMENT)
    report.required_fact_types = ("budget_executions",)
    with pytest.raises(ReportFormatError, match="unknown fact types budget_executions"):
        fact_coverage(report, {}, FACTS, [])


def test_extract_all_adds_both_coverage_tables():
    rows = extract_all(_report(FRAGMENT))
    assert len(rows["table_coverage"]) == 5 and len(rows["fact_coverage"]) == len(FACTS)
    staffing = rows["table_coverage"][4]  # the staffing extractor reads the 정원 / 현원 table
    assert (staffing["classification"], staffing["extractors"], staffing["fact_rows"]) == (EXTRACTED, "staffing", 6)
