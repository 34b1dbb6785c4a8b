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
    assert set(coverage) == {"budget_execution", "budget_plan", "project_funding", "kpi", "performance_target", "staffing",
                             "facility", "table_total", "group_statistic"}
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


# gangwon-2025-plan fragments (its lines 894-895 and 897, 2101-2104, 5272-5276, 1338-1340), read as a regional
# industry plan: a roadmap is context; a table showing a total or a combined column never is.
PLAN_FRAGMENT = """천연물바이오표재 산업 육성 전략품목 로드맵 및 과제 지원전략

구분\t전략품목\t1단계\t\t\t2단계\t
\t\t2025\t2026\t2027\t2028\t2029
\t★ 천연물을 활용한 반려동물 구강관리 기능성 제품\t\t\t\t\t

#### 강원지역 기업 장비 지원 수요

구분\t기업수\t① 전혀 불필요\t② 불 필요\t③ 보통\t④ 필요\t⑤ 매우 필요\t①+② 불 필요\t④+⑤ 필요\t5점 평균
천연물바이오소재\t130\t5.4\t7.7\t21.5\t40.0\t25.4\t13.1\t65.4\t3.7
세라믹원료소재\t67\t0.0\t3.0\t10.4\t58.2\t28.4\t3.0\t86.6\t4.1

성과지표별 목표

구분\t성과 지표명\t산출근거\t1차년도\t2차년도\t목표\t합계
역신회향성향촉진\t· 지역 우수기업에 대한 지원\t· 지역 우수기업에 대한 지원\t100\t100\t200\t200
실적 지표\t· 매출액 증대\t· 매출액 증대\t100\t100\t200\t200

□ 강원지역 중소기업 생태계 조성을 위한 지원 전략

비 전\t\t강원 중소기업의 지속 가능한 성장을 위한 혁신성장 생태계 조성
목 표\t\t성장단계별 맞춤형 지원을 통한 강원 중소기업의 경쟁력 강화
추 방 진 향\t1\t기술개발 연계성 강화\t2\t초광역권 & 혁신선도기업 육성\t3\t지원시스템 체계화 및 기업DB기반지원"""


def test_context_tables_come_from_the_family_profile_and_never_hide_an_identity():
    report = _report(PLAN_FRAGMENT)
    report.family = "regional_industry_plan"
    by_no = {r["table_no"]: r for r in classify_tables(report, {}, FACTS)}
    roadmap, survey, indicators, strategy = (by_no[n] for n in sorted(by_no))
    assert (roadmap["classification"], roadmap["reason"]) == (NOT_FACTS, "roadmap (strategic items by stage, no amounts)")
    # the numbered directions are numbers, but no identity: the layout is context
    assert strategy["classification"] == NOT_FACTS and strategy["reason"].startswith("strategy layout")
    assert survey["classification"] == UNRECOGNISED and "a combined column" in survey["reason"]
    assert indicators["classification"] == UNRECOGNISED and "(합계)" in indicators["reason"]
    # without the family's rules the roadmap holds numbers no extractor read
    report.family = "agency_status_report"
    assert classify_tables(report, {}, FACTS)[0]["classification"] == UNRECOGNISED
