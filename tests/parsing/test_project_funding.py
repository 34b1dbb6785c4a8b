"""Project funding parser: fragments of the real reports, then pins on the bundled reports."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from orchestration.parsing import project_funding as pf
from orchestration.parsing.reader import read_report

ROOT = Path(__file__).resolve().parents[2]


def _sources(text: str) -> list[tuple[str, str | None, Decimal | None, str | None]]:
    (expr,) = pf.find_funding(text)
    out = []

    def walk(part: pf.Part) -> None:
        for child in part.parts:
            out.append((child.source, child.amount.printed, child.amount.number, child.amount.unit))
            walk(child)

    walk(expr.total)
    return out


# --- funding expressions -------------------------------------------------------------------------


def test_unit_only_on_the_total():
    (expr,) = pf.find_funding("- 사업비 : 280억원(국비 140, 도비 65, 시비 65, 민간 10)")
    assert (expr.total.amount.number, expr.total.amount.unit) == (Decimal(280), "억원")
    assert _sources("- 사업비 : 280억원(국비 140, 도비 65, 시비 65, 민간 10)") == [
        ("국비", "140", Decimal(140), "억원"),
        ("도비", "65", Decimal(65), "억원"),
        ("시비", "65", Decimal(65), "억원"),
        ("민간", "10", Decimal(10), "억원"),
    ]
    assert expr.label_raw == "- 사업비 : "
    assert not any(p.missing_separator for p in expr.total.parts)


def test_decimals_keep_the_printed_scale():
    got = _sources("- 사업비 : 57.14억원(국비 13.54, 도비 43.60)")
    assert got[1] == ("도비", "43.60", Decimal("43.60"), "억원")


def test_single_source_and_city_county():
    assert _sources("- 사업비 : 35억원(도비 35)") == [("도비", "35", Decimal(35), "억원")]
    assert [s[0] for s in _sources("- 사업비 : 205.58억원(국비 100, 도비 52.93, 시군비 47.7, 민간 4.95)")] == [
        "국비", "도비", "시군비", "민간",
    ]


def test_missing_comma_and_in_kind():
    (expr,) = pf.find_funding("- 사업비 : 199.7억원(국비 99.7, 도비 47, 시비 47, 현물 4.29 민간 1.71)")
    parts = expr.total.parts
    assert [(p.source, p.amount.number) for p in parts][-2:] == [("현물", Decimal("4.29")), ("민간", Decimal("1.71"))]
    assert [p.missing_separator for p in parts] == [False, False, False, False, True]
    (expr,) = pf.find_funding("  - 1차년도 사업비 : 1,475,000천원(국비 875,000 도비 600,000)")
    assert [(p.source, p.amount.number, p.missing_separator) for p in expr.total.parts] == [
        ("국비", Decimal(875000), False),
        ("도비", Decimal(600000), True),
    ]


def test_sti_standard_and_local_funds():
    assert _sources("- 총사업비 : 9,339,000천원(국비 5,539,000, 도비 3,800,000)") == [
        ("국비", "5,539,000", Decimal(5539000), "천원"),
        ("도비", "3,800,000", Decimal(3800000), "천원"),
    ]
    assert _sources("- 총사업비 : 17,780,000천원(국비 8,780,000, 지방비 9,000,000)")[1][0] == "지방비"


def test_source_without_amount_is_the_whole_total():
    (expr,) = pf.find_funding("- 총사업비 : 1,500,000천원(국비)")
    (part,) = expr.total.parts
    assert part.implied and part.amount.printed is None
    assert (part.amount.number, part.amount.unit) == (Decimal(1500000), "천원")


def test_nested_sources_with_own_units():
    text = "- ◆ 총 146.12억원(국비 101.195억원, 지방비 44.925억원(도비 37.245억원, 시군비 7.68억원)) 투자 계획"
    (expr,) = pf.find_funding(text)
    local = expr.total.parts[1]
    assert (local.source, local.amount.number) == ("지방비", Decimal("44.925"))
    assert [(p.source, p.amount.number) for p in local.parts] == [
        ("도비", Decimal("37.245")),
        ("시군비", Decimal("7.68")),
    ]
    assert expr.total.parts[0].amount.number == Decimal("101.195")


def test_masked_amounts_and_slash_separator():
    (expr,) = pf.find_funding(pf.clean_text("연 ***천원(국비 ***천원 / 지방비 ***천원)"))
    assert expr.total.amount.flag == "masked" and expr.total.amount.printed == "***천원"
    assert [(p.source, p.amount.flag, p.amount.unit) for p in expr.total.parts] == [
        ("국비", "masked", "천원"),
        ("지방비", "masked", "천원"),
    ]
    (expr,) = pf.find_funding(pf.clean_text("***억 (시비**억, 민자**억)"))
    assert [(p.source, p.amount.printed) for p in expr.total.parts] == [("시비", "**억"), ("민자", "**억")]
    (expr,) = pf.find_funding("***억 (전액시비)")
    (part,) = expr.total.parts
    assert part.source == "시비" and part.whole and part.implied


@pytest.mark.parametrize(
    "text",
    [
        "- '24. 7. 장비 계약(4.68억) 완료",
        "- 이차전지 소재 실증 인프라(350억 규모) 유치 추진",
        "  - R&D: 34.35억원(지역혁신선도기업육성 신규 24.75억원, 지역특화산업육성+ 9.60억원)",
        "□ 2020년 예산 규모 : 26,507,677천원 (2회추경 기준)",
        "- 최대 14억원 (연 7억원)",
    ],
)
def test_not_funding_statements(text):
    assert pf.find_funding(text) == []


# --- periods -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, start, end, precision, printed, unit, computed",
    [
        ("2022. 1. ~ 2024. 12.(3년)", date(2022, 1, 1), date(2024, 12, 31), "month", 3, "년", 3),
        ("2020. 11. ~ 2024. 9.(5년)", date(2020, 11, 1), date(2024, 9, 30), "month", 5, "년", 5),
        ("2024. 1. 1. ~ 2024. 12. 31.(1년)", date(2024, 1, 1), date(2024, 12, 31), "day", 1, "년", 1),
        ("2020. 4. 1. ~ 2024. 12. 31.(57개월)", date(2020, 4, 1), date(2024, 12, 31), "day", 57, "개월", 57),
        ("2020. 3. 1. ~ 2020. 11. 30(9개월)", date(2020, 3, 1), date(2020, 11, 30), "day", 9, "개월", 9),
        ("2021. ~ 2023.(3년)", date(2021, 1, 1), date(2023, 12, 31), "year", 3, "년", 3),
        ("2020.4.1.~2024.12.31. (57개월)", date(2020, 4, 1), date(2024, 12, 31), "day", 57, "개월", 57),
        ("2020.1.28.~2020.12.31. (11개월)", date(2020, 1, 28), date(2020, 12, 31), "day", 11, "개월", 11),
    ],
)
def test_periods(text, start, end, precision, printed, unit, computed):
    period = pf.parse_period(text)
    assert (period.start, period.end, period.precision) == (start, end, precision)
    assert (period.count_printed, period.count_unit, period.count_computed) == (printed, unit, computed)


def test_months_are_floored_and_years_are_calendar_years():
    assert pf.months_spanned(date(2020, 1, 28), date(2020, 12, 31)) == 11
    assert pf.months_spanned(date(2020, 3, 1), date(2021, 2, 28)) == 12
    # a wrong printed count is kept and shows up against the computed one
    period = pf.parse_period("2023. 5. ~ 2026. 12.(5년)")
    assert (period.count_printed, period.count_computed) == (5, 4)


# --- small reports -------------------------------------------------------------------------------

TP_FRAGMENT = """|||목 차|||
I. 일반현황\t1
III. 전략목표별 추진계획\t5
1. 정책기획단\t6
2. 반도체·IT센터\t9

IV. 주요 현안사업

1. 충북 지역산업진흥계획 수립

□ 사업개요
- 사업기간 : 2022. 1. ~ 2024. 12.(3년)
- 사업비 : 57.14억원(국비 13.54, 도비 43.60)
- 수행기관 : 충북테크노파크(주관) ※ 정책기획단, 기업지원단 공동수행

□ 추진상황
- '24. 7. 장비 계약(4.68억) 완료

부서명\t정책 기획단\t담당자\t직급 : 5급 성명 : 장현영 ☎ 043-270-2113
-----\t-------\t-----\t-----

2. 특장차 수소파워팩 기술지원 기반구축사업

- 사업기간 : 2023. 4. ~ 2027. 12.(5년)
- 사업비 : 199.7억원(국비 99.7, 도비 47, 시비 47, 현물 4.29 민간 1.71)
- 수행기관 : 고등기술연구원 충청캠퍼스(주관), 충북테크노파크(참여)

부서명\t반도체 IT센터\t담당자\t직급 : 팀장 성명 : 육현호
-----\t-------\t-----\t-----

[별첨]
3. 아무 목록
- 사업비 : 1억원(국비 1)"""

STI_FRAGMENT = """## IV. 주요 현안사업

### 현안사업 2 : 2020년 지역거점 AI 교육 운영사업

### □ 사업개요

- 사업기간 : 2020. 5. 1. ~ 2020. 12. 31.(8개월)
- 총사업비 : 1,500,000천원(국비)
- 추진체계 : 과기정통부(정보통신산업진흥원), 충북도(과기원)
- 2. 교육 운영 : '20. 6.

부서명\t미래전략부\t부장\t정 덕 영\t담당\t5급 이 주 형
-----\t-------\t----\t-------\t----\t----------

## 현안사업 9 : 신중년 경력형 일자리 사업

- 사업기간 : 2020. 3. 1. ~ 2020. 11. 30(9개월)
- 사 업 비 : 1,000,000천원(국비 500,000, 도비 500,000)
  - 1차년도 사업비 : 400,000천원(국비 200,000 도비 200,000)

부서명\t융합사업부\t-\t담당\t5급 박범철
-----\t-------\t---\t----\t--------

## 2020년도 신규사업 확보현황

### <연도별 신규사업 확보실적>

('20. 6. 30 현재, 단위 : 건, 천원)

구 분\t2019년\t2020년
건 수\t9\t3
총사업비\t15,900,000\t2,560,000

번호\t사업명\t사업기간\t사업비(천원)\t주관부처
합 계\t\t\t2,560,000\t-
1\t지역거점 AI교육운영사업\t2020.5.1.~2020.12.31. (8개월)\t1,500,000\t과학기술정보통신부
미래전략부(1건)\t\t\t1,500,000\t-



번호\t사업명\t사업기간\t사업비(현금)\t주관부처
2\t신중년경력형일자리사업\t2020.3.1.~2020.11.30. (9개월)\t1,000,000\t고용노동부
3\t청주시 수출기업 외국어 통번역 지원사업\t2020.1.28.~2020.12.31. (11개월)\t60,000\t청주시
<b>융합사업부(2건)</b>\t\t\t<b>1,060,000</b>\t<b>-</b>"""


def _report(tmp_path, text: str, report_id: str = "fragment"):
    path = tmp_path / f"{report_id}.txt"
    path.write_text(text, encoding="utf-8")
    return read_report(report_id, path)


def test_tp_overview_block(tmp_path):
    rows = {r["row_id"]: r for r in pf.extract(_report(tmp_path, TP_FRAGMENT))}
    assert sorted(rows) == sorted(
        ["L13", "L13#1", "L13#2"] + ["L25"] + [f"L25#{i}" for i in range(1, 6)] + ["L33", "L33#1"]
    ), "the 장비 계약(4.68억) mention is not a funding statement"
    _pin(rows["L33"], source_kind="plan_line", project_no=None, org_unit=None)  # after [별첨]: no project
    total = rows["L13"]
    assert total["project_no"] == 1 and total["project_name"] == "충북 지역산업진흥계획 수립"
    assert (total["org_unit_printed"], total["org_unit"], total["org_unit_no"]) == ("정책 기획단", "정책기획단", 1)
    assert total["amount_won"] == Decimal(5714000000) and total["basis"] == "total_project_cost"
    assert (total["period_start"], total["period_end"], total["period_count_computed"]) == (
        date(2022, 1, 1), date(2024, 12, 31), 3,
    )
    assert total["lead_agency"] == "충북테크노파크" and total["source_kind"] == "overview_line"
    assert rows["L13#2"]["parent_row_id"] == "L13" and rows["L13#2"]["amount_won"] == Decimal(4360000000)
    assert rows["L13#2"]["flags"] == "unit_inherited"
    second = rows["L25#4"]
    assert (second["funding_source"], second["funding_source_en"], second["amount_won"]) == (
        "현물", "in_kind", Decimal(429000000),
    )
    assert rows["L25#5"]["flags"] == "missing_separator,unit_inherited"
    assert (second["org_unit"], second["org_unit_no"]) == ("반도체·IT센터", 2)
    assert second["lead_agency"] == "고등기술연구원 충청캠퍼스"


def test_sti_blocks_and_tables(tmp_path):
    rows = pf.extract(_report(tmp_path, STI_FRAGMENT))
    by_id = {r["row_id"]: r for r in rows}
    ai = by_id["L8"]
    assert (ai["project_no"], ai["org_unit"], ai["lead_ministry"]) == (2, "미래전략부", "과기정통부")
    assert (ai["period_count_printed"], ai["period_count_unit"], ai["period_count_computed"]) == (8, "개월", 8)
    assert by_id["L8#1"]["amount_won"] == Decimal(1500000000)
    assert by_id["L8#1"]["flags"] == "amount_implied_by_total" and by_id["L8#1"]["amount_printed"] is None
    spaced = by_id["L18"]
    assert (spaced["label"], spaced["basis"], spaced["flags"]) == ("사업비", "total_project_cost", "letter_spaced_label")
    first = by_id["L19"]
    assert (first["basis"], first["parent_row_id"], first["project_no"]) == ("first_year", None, 9)
    assert by_id["L19#2"]["flags"] == "missing_separator,unit_inherited"

    table = [r for r in rows if r["source_kind"] == "project_table"]
    kinds = [(r["row_kind"], r["project_no"], r["org_unit"]) for r in table]
    assert kinds == [
        ("total", None, None),
        ("project", 1, "미래전략부"),
        ("subtotal", None, "미래전략부"),
        ("project", 2, "융합사업부"),
        ("project", 3, "융합사업부"),
        ("subtotal", None, "융합사업부"),
    ]
    total_id = table[0]["row_id"]
    assert [r["parent_row_id"] for r in table] == [
        None, table[2]["row_id"], total_id, table[5]["row_id"], table[5]["row_id"], total_id,
    ]
    assert table[5]["item_count_printed"] == 2 and table[5]["amount_won"] == Decimal(1060000000)
    assert table[4]["period_count_computed"] == 11 and table[4]["lead_ministry"] == "청주시"
    assert table[3]["unit"] == "천원", "the repeated header '사업비(현금)' keeps the first header's unit"

    yearly = {r["row_id"].split(":", 1)[1]: r for r in rows if r["source_kind"] == "yearly_table"}
    assert len(yearly) == 4
    count_2020 = next(r for r in yearly.values() if r["basis"] == "project_count" and r["period_printed"] == "2020년")
    assert (count_2020["amount"], count_2020["unit"], count_2020["amount_won"]) == (Decimal(3), "건", None)
    cost_2019 = next(r for r in yearly.values() if r["basis"] == "secured" and r["period_printed"] == "2019년")
    assert cost_2019["amount_won"] == Decimal(15900000000)


# --- the bundled reports -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bundled():
    entries = yaml.safe_load((ROOT / "seeds" / "reports.yaml").read_text(encoding="utf-8"))["reports"]
    out = {}
    for entry in entries:
        report = read_report(entry["report_id"], ROOT / "seeds" / "reports" / entry["file"])
        out[entry["report_id"]] = {r["row_id"]: r for r in pf.extract(report)}
    return out


def test_row_counts(bundled):
    counts = {rid: len(rows) for rid, rows in bundled.items()}
    assert counts == {"chungbuk-tp-2024-q3": 55, "chungbuk-sti-2020-h1": 77, "gangwon-2025-plan": 53}
    kinds = defaultdict(int)
    for rid, rows in bundled.items():
        for row in rows.values():
            kinds[(rid, row["source_kind"], row["row_kind"])] += 1
    assert kinds[("chungbuk-tp-2024-q3", "overview_line", "total")] == 13
    assert kinds[("chungbuk-sti-2020-h1", "overview_line", "total")] == 12  # 10 projects + 2 first-year lines
    assert kinds[("chungbuk-sti-2020-h1", "project_table", "project")] == 28
    assert kinds[("chungbuk-sti-2020-h1", "project_table", "subtotal")] == 5
    assert kinds[("chungbuk-sti-2020-h1", "yearly_table", "yearly")] == 8
    assert kinds[("gangwon-2025-plan", "plan_line", "total")] == 16


def _pin(row, **expected):
    assert {k: row[k] for k in expected} == expected


def test_tp_pins(bundled):
    rows = bundled["chungbuk-tp-2024-q3"]
    _pin(rows["L1439"], project_no=4, project_name="혁신기술 제조창업 공유공장 구축사업", org_unit="기업지원단",
         amount_won=Decimal(28000000000), parent_row_id=None, source_line=1439, period_count_printed=4,
         period_count_computed=4)
    _pin(rows["L1439#4"], funding_source="민간", amount_won=Decimal(1000000000), parent_row_id="L1439", flags="unit_inherited")
    _pin(rows["L1475"], org_unit="반도체·IT센터", org_unit_no=3)
    _pin(rows["L1506#3"], funding_source="시군비", amount_won=Decimal(4770000000))
    _pin(rows["L1574"], period_start=date(2020, 11, 1), period_end=date(2024, 9, 30), period_count_printed=5,
         period_count_computed=5)
    _pin(rows["L1678#4"], funding_source="현물", amount_won=Decimal(429000000), flags="unit_inherited")
    _pin(rows["L1678#5"], funding_source="민간", flags="missing_separator,unit_inherited")
    _pin(rows["L1744"], project_no=13, org_unit="스마트제조혁신센터", period_precision="day", lead_agency=None)


def test_sti_pins(bundled):
    rows = bundled["chungbuk-sti-2020-h1"]
    _pin(rows["L695#1"], funding_source="국비", amount_won=Decimal(1500000000), flags="amount_implied_by_total")
    _pin(rows["L834"], basis="first_year", project_no=6, org_unit="성과확산부", amount_won=Decimal(1475000000))
    _pin(rows["L942"], project_no=9, label="사업비", basis="total_project_cost", flags="letter_spaced_label")
    _pin(rows["L974"], project_no=10, period_precision="year", period_count_printed=3, period_count_computed=3)
    _pin(rows["t21:L1012"], row_kind="total", amount_won=Decimal(42273000000), parent_row_id=None)
    _pin(rows["t21:L1016"], row_kind="subtotal", org_unit="미래전략부", item_count_printed=3, parent_row_id="t21:L1012")
    _pin(rows["t21:L1023"], project_no=9, org_unit="융합사업부", parent_row_id="t21:L1043",
         amount_won=Decimal(1000000000), period_count_printed=56, period_count_computed=56, lead_ministry="고용노동부")
    _pin(rows["t21:L1049"], row_kind="subtotal", org_unit="문화콘텐츠부", amount_won=Decimal(850000000))
    _pin(rows["t20:L1009:c4"], basis="secured", amount_won=Decimal(42273000000), period_printed="2020년")


def test_gangwon_pins(bundled):
    rows = bundled["gangwon-2025-plan"]
    _pin(rows["L2344"], source_kind="plan_line", table_no=None, amount_won=Decimal(14612000000), basis="annual_budget")
    _pin(rows["L2344#2"], funding_source="지방비", parent_row_id="L2344", amount_won=Decimal(4492500000))
    _pin(rows["L2344#2.2"], funding_source="시군비", parent_row_id="L2344#2", amount_won=Decimal(768000000))
    _pin(rows["L2346"], flags="excludes_component", amount_won=Decimal(8902000000))
    l1519 = next(r for r in rows.values() if r["source_line"] == 1519 and r["row_kind"] == "total")
    _pin(l1519, value_flag="masked", amount=None, unit="천원", amount_printed="***천원",
         project_name="지방소멸 대응 강릉시 첨단부품 상용화 혁신 프로젝트")
    assert l1519["table_no"] is not None


@pytest.mark.parametrize("report_id", ["chungbuk-tp-2024-q3", "chungbuk-sti-2020-h1", "gangwon-2025-plan"])
def test_every_known_total_equals_its_parts(bundled, report_id):
    rows = bundled[report_id]
    children = defaultdict(list)
    for row in rows.values():
        if row["parent_row_id"]:
            children[row["parent_row_id"]].append(row)
    checked = 0
    for parent_id, kids in children.items():
        parent = rows[parent_id]
        if parent["amount_won"] is None or any(k["amount_won"] is None for k in kids):
            continue
        assert parent["amount_won"] == sum(k["amount_won"] for k in kids), parent_id
        checked += 1
        if parent["item_count_printed"] is not None:
            assert parent["item_count_printed"] == len(kids)
    assert checked > 0
    for row in rows.values():
        if row["period_count_printed"] is not None:
            assert row["period_count_printed"] == row["period_count_computed"], row["row_id"]
