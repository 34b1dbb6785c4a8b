"""Budget plan, cross-table and project funding identities (docs/report-families.md 6.1-6.4) on mutated report copies.

Each mutated copy changes printed numbers in place (no line added or removed, so row ids and check ids
stay those of the bundled report) and is loaded under a new report id next to the bundled reports. One
dbt run builds everything; a test compares the failing checks of the copy with those of the bundled
report: the new failures must be exactly the mutated rows, identity by identity.
"""

import pytest

TP, STI, GW = "chungbuk-tp-2024-q3", "chungbuk-sti-2020-h1", "gangwon-2025-plan"
MODELS = [
    "rec_parent_totals",
    "rec_budget_plan_columns",
    "rec_budget_plan_occurrences",
    "rec_cross_table_budget",
    "rec_funding_rows",
    "rec_cross_table_funding",
    "rec_funding_across_tables",
]

# (base report, {mutated id: [(printed text, replacement, which occurrence in the file)]})
MUTATIONS = {
    "tp-mut-a": (TP, [
        # 지출예산 반환금 계 141 -> 151: 계 column, 사업외지출 total and the annex 반환금 141,000 천원 disagree
        ("반환금\t141\t3\t105", "반환금\t151\t3\t105", 0),
        # headline of the income table
        ("○ 수입예산 : 168,017백만원", "○ 수입예산 : 168,018백만원", 0),
        # income 목적사업 당해연도, 정책 기획단 2,887 -> 2,897 (the expense block keeps 2,887)
        ("당해연도\t82,066\t2,887\t", "당해연도\t82,066\t2,897\t", 0),
    ]),
    "tp-mut-b": (TP, [
        # expense 계 168,017 -> 168,027: income = expense, the headline, the annex 합계 and both sums disagree
        ("계\t168,017\t3,854\t", "계\t168,027\t3,854\t", 0),
    ]),
    "sti-mut": (STI, [
        ("□ 2020년 예산 규모 : 26,507,677천원", "□ 2020년 예산 규모 : 26,507,678천원", 0),
        ("미래전략부(3건)", "미래전략부(4건)", 0),
        ("(57개월)\t17,780,000", "(58개월)\t17,780,000", 0),
        ("건 수\t6\t4\t9\t28", "건 수\t6\t4\t9\t29", 0),
        ("15,900,000\t42,273,000", "15,900,000\t42,273,001", 0),
        ("국비 8,780,000, 지방비 9,000,000", "국비 8,780,100, 지방비 9,000,000", 0),
    ]),
    "sti-across-mut": (STI, [
        # overview 2 (지역거점 AI 교육) 총사업비 1,500,000 -> 1,600,000 (project table 1,500,000)
        ("1,500,000천원(국비)", "1,600,000천원(국비)", 0),
        # project table: 스마트IT period 2020.4.1.~2021.3.31. -> 2020.5.1.~2021.4.30. (overview keeps 4.1.~3.31.)
        ("2020.4.1.~2021.3.31. (12개월)\t381,000", "2020.5.1.~2021.4.30. (12개월)\t381,000", 0),
        # project table: 신중년경력형일자리사업 주관부처 고용노동부 -> 행정안전부
        ("(9개월)\t1,000,000\t고용노동부", "(9개월)\t1,000,000\t행정안전부", 0),
        # overview 2 contact row: 미래전략부 -> 기획평가부 (its project table group is 미래전략부)
        ("부서명\t미래전략부\t부장\t정 덕 영", "부서명\t기획평가부\t부장\t정 덕 영", 0),
        # SOS랩 1차년도 도비 600,000 -> 3,900,000 (> 총사업비 도비 3,800,000; total kept = Σ sources)
        ("1,475,000천원(국비 875,000 도비 600,000)", "4,775,000천원(국비 875,000 도비 3,900,000)", 0),
    ]),
    "gw-mut": (GW, [
        # body printing (the last one) of 지역기업 역량강화 / 천연물바이오소재: '25 합계 4.50 -> 4.60
        ("3.150\t1.350\t4.50\t3.150\t1.350\t4.50", "3.150\t1.350\t4.60\t3.150\t1.350\t4.50", -1),
        # the summary printing's 기평비 row renamed: it has no counterpart in the body, nor the body's row in it
        ("\t지역 사업관리 지자체 기평비\t\t-\t1.00\t1.00\t-", "\t지역 사업관리 지자체 평가비\t\t-\t1.00\t1.00\t-", 0),
    ]),
}

# New failing check ids per mutated report and model (those of the bundled report excluded).
EXPECTED = {
    "tp-mut-a": {
        "rec_parent_totals": {
            "parent_total:fct_budget_plan:t6:L145:c1:budget_won",
            "parent_total:fct_budget_plan:t5:L115:c2:budget_won",
        },
        "rec_budget_plan_columns": {"column_total:t6:L147:c1", "column_total:t5:L116:c1"},
        "rec_cross_table_budget": {
            "plan_annex:t6:L147:c1",
            "headline:income_budget:L100",
            "purpose_block:t5:L116:c2:t6:L141:c2",
        },
    },
    "tp-mut-b": {
        "rec_parent_totals": {"parent_total:fct_budget_plan:t6:L131:c1:budget_won"},
        "rec_budget_plan_columns": {"column_total:t6:L131:c1"},
        "rec_cross_table_budget": {
            "income_equals_expense:t5:L105:c1:t6:L131:c1",
            "headline:expense_budget:L126",
            "plan_annex:t6:L131:c1",
        },
    },
    "sti-mut": {
        "rec_parent_totals": {"parent_total:fct_project_funding:L654:amount_won"},
        "rec_cross_table_budget": {"budget_size:L51:t22:L1060"},
        "rec_funding_rows": {"item_count:t21:L1016", "period_count:t21:L1013"},
        "rec_cross_table_funding": {"yearly_count:t20:L1008:c4", "yearly_amount:t20:L1009:c4"},
    },
    "sti-across-mut": {
        "rec_funding_across_tables": {
            "overview_amount:t21:L1014",
            "overview_period_start:t21:L1015",
            "overview_period_end:t21:L1015",
            "overview_ministry:t21:L1027",
            "overview_department:t21:L1014",
            "first_year_within_total:L834#2",
        },
    },
    "gw-mut": {
        "rec_parent_totals": {"parent_total:fct_budget_plan:t307:L6854:c6:budget_won"},
        "rec_budget_plan_columns": {"column_total:t307:L6851:c6", "change:t307:L6851:c9"},
        "rec_budget_plan_occurrences": {
            "occurrence_cell:t119:L2364:c6",
            "occurrence_row:t119:L2387:2",
            "occurrence_row:t307:L6875:1",
        },
    },
}


@pytest.fixture(scope="module")
def warehouse(mutated_warehouse):
    """The session's one build of the bundled reports and every module's copies (conftest.py)."""
    return mutated_warehouse


def failing(con, model: str, report_id: str) -> set[str]:
    rows = con.execute(
        f"select check_id from reconciliation.{model} where report_id = ? and not is_consistent", [report_id]
    ).fetchall()
    return {r[0] for r in rows}


@pytest.mark.parametrize("mutated", sorted(MUTATIONS))
def test_mutation_fails_exactly_the_mutated_rows(warehouse, mutated):
    base_id = MUTATIONS[mutated][0]
    for model in MODELS:
        new = failing(warehouse, model, mutated) - failing(warehouse, model, base_id)
        assert new == EXPECTED[mutated].get(model, set()), model


def test_mutated_checks_report_both_sides(warehouse):
    rows = warehouse.execute(
        "select expected, found, difference, tolerance, source_line, other_lines "
        "from reconciliation.rec_cross_table_budget "
        "where report_id = 'tp-mut-a' and check_id = 'plan_annex:t6:L147:c1'"
    ).fetchall()
    # annex 141,000 천원 -> 141 백만원 expected; 151 printed
    assert [tuple(map(str, r)) for r in rows] == [
        ("141000000.00000000", "151000000.00000000", "10000000.00000000", "0E-8", "147", "1783")
    ]
    rows = warehouse.execute(
        "select expected, found, source_line from reconciliation.rec_budget_plan_occurrences "
        "where report_id = 'gw-mut' and check_id = 'occurrence_cell:t119:L2364:c6'"
    ).fetchall()
    assert [tuple(map(str, r)) for r in rows] == [("460000000.00000000", "450000000.00000000", "2364")]


def test_bundled_reports_fail_only_on_the_real_inconsistencies(warehouse):
    bad = {
        (rid, model): failing(warehouse, model, rid)
        for rid in (TP, STI, GW)
        for model in MODELS[1:]
    }
    # chungbuk-tp-2024-q3 지출예산 수익사업비 (line 136) vs 인건비 + 운영비 + 기타: 차세대 에너지 센터 +10, 바이오 센터 −20,
    # 수송기계 부품센터 +10 (백만원)
    plan_totals = {c for c in failing(warehouse, "rec_parent_totals", TP) if ":fct_budget_plan:" in c}
    assert plan_totals == {f"parent_total:fct_budget_plan:t6:L136:{c}:budget_won" for c in ("c5", "c6", "c8")}
    # gangwon-2025-plan: the summary printing of B1 has no 자율기획 row, its 성장 사다리 지원 소계 includes it
    gw_totals = {c for c in failing(warehouse, "rec_parent_totals", GW) if ":fct_budget_plan:" in c}
    assert gw_totals == {f"parent_total:fct_budget_plan:t119:L2382:{c}" for c in (
        "c4:budget_won", "c5:budget_won", "c6:budget_won", "c7:change_won", "c8:change_won", "c9:change_won")}
    assert bad.pop((GW, "rec_budget_plan_occurrences")) == {"occurrence_row:t307:L6869:1"}
    assert all(not checks for checks in bad.values()), {k: v for k, v in bad.items() if v}
    for rid in (TP, STI, GW):
        funding = {c for c in failing(warehouse, "rec_parent_totals", rid) if ":fct_project_funding:" in c}
        assert not funding


def test_row_counts_of_the_bundled_reports(warehouse):
    counts = dict(
        ((r[0], r[1]), r[2])
        for model in MODELS[1:]
        for r in warehouse.execute(
            f"select '{model}', report_id, count(*) from reconciliation.{model} "
            f"where report_id in ('{TP}', '{STI}', '{GW}') group by report_id"
        ).fetchall()
    )
    assert counts == {
        ("rec_budget_plan_columns", TP): 38,
        ("rec_budget_plan_columns", GW): 396,
        ("rec_budget_plan_occurrences", GW): 290,
        ("rec_cross_table_budget", TP): 66,
        ("rec_cross_table_budget", STI): 1,
        ("rec_funding_rows", TP): 13,
        ("rec_funding_rows", STI): 45,
        ("rec_cross_table_funding", STI): 2,
        ("rec_funding_across_tables", STI): 51,
    }
