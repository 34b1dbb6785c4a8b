"""Performance targets (B2/B3 target tables and the K1 headline of regional industry plans,
docs/report-families.md 4.3/4.4/6.3): fragments of the real gangwon-2025-plan text and pins on the full report."""

from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from orchestration.parsing.performance_targets import COLUMNS, EXTRACTOR, extract
from orchestration.parsing.program_budget import program_budget_rows
from orchestration.parsing.reader import Report, read_report, split_tables

from .gangwon_fragments import B2_BODY

SEEDS = Path(__file__).resolve().parents[2] / "seeds" / "reports"


def make_report(text: str, report_id: str = "fragment") -> Report:
    lines = text.split("\n")
    return Report(report_id=report_id, path="<fragment>", lines=lines, tables=split_tables(report_id, lines))


HEADLINE = (
    '#### 2025년도 지역중소기업 육성 비전 및 목표\n'
    '\n'
    '<b>비전 및 전략목표</b>\t<ul style="list-style-type: none"> <li>■ (비전) 강원특별자치도 산업 생태계의 첨단·고도화 및 지역 경제 도약을 선도</li> <li>■ (목표) 중소기업 기술혁신 및 협력(협업) 활성화를 통한 기술·시장선도형기업 육성 - 2027년까지 기술·시장선도형기업 10개사 신규 육성 -</li> </ul>\t\t\t\n'
    '------------------\t---\t--\t--\t--\n'
    '\n'
    '<b>전체 성과목표</b>\t(공통) 신규고용 <b>229.18명</b> (ROI)1.80\t(공통) 사업화매출액 <b>489.69억원</b> (ROI)3.85\t(자율지표 1) 사업화수출액 <b>39.40억원</b> (ROI)0.60\t(자율지표 2) 특허출원·등록 <b>19.92건</b> (ROI)0.58\n'
    '----------------\t---\t--\t---\t---\n'
)
B3_SUMMARY = (
    '② 신규고용\n'
    '\n'
    ' \n'
    '(단위 : 억원)\n'
    '\n'
    "구 분\t사업명 (산업명)\t'24년도\t\t\t'25년도\t\t\t증감\t\t\t\t\n"
    '\t\t목표\t예산\t1억원당\t목표\t예산\t1억원당\t목표\t예산\t1억원당\t\t\n'
    '총 계\t\t-\t155.14\t-\t-\t146.12\t-\t-\t△9.02\t-\t\t\n'
    'R&D + 비R&D 합계(기타 제외)\t\t228.00\t136.74\t1.67\t229.18\t127.27\t1.80\t1.18\t△9.47\t0.13\t\t\n'
    'R&D\tR&D 합계\t\t47.24\t46.80\t1.01\t35.00\t34.35\t1.02\t△12.24\t△12.45\t0.01\t\n'
    '\t지역 혁신 선도 기업 육성 (R&D)\t주력산업 생태계 육성\t천연물바이오소재\t-\t-\t-\t4.67\t5.25\t0.89\t4.67\t5.25\t0.89\n'
    '\t\t\t세라믹원료·소재\t-\t-\t-\t3.93\t5.25\t0.75\t3.93\t5.25\t0.75\n'
    '\t\t\t디지털헬스케어\t-\t-\t-\t6.20\t5.25\t1.18\t6.20\t5.25\t1.18\n'
    '\t\t소계\t\t-\t-\t-\t14.80\t15.75\t0.94\t14.80\t15.75\t0.94\n'
    '\t\t지역기업 역량강화\t천연물바이오소재\t-\t-\t-\t4.01\t4.50\t0.89\t4.01\t4.50\t0.89\n'
    '\t\t\t세라믹원료·소재\t-\t-\t-\t1.13\t1.50\t0.75\t1.13\t1.50\t0.75\n'
    '\t디지털헬스케어\t\t-\t-\t-\t3.54\t3.00\t1.18\t3.54\t3.00\t1.18\t\n'
    '\t소계\t\t-\t-\t-\t8.68\t9.00\t0.96\t8.68\t9.00\t0.96\t\n'
    '\t소 계\t\t-\t-\t-\t23.48\t24.75\t0.95\t23.48\t24.75\t0.95\t\n'
    '\t지역 특화 산업 육성+ (R&D)\t지역주력 산업육성\t천연물바이오소재\t8.82\t9.28\t0.95\t-\t-\t-\t△8.82\t△9.28\t△0.95\n'
    '\t\t\t세라믹원료·소재\t7.91\t11.30\t0.70\t-\t-\t-\t△7.91\t△11.30\t△0.70\n'
    '\t\t\t디지털헬스케어\t12.42\t9.70\t1.28\t-\t-\t-\t△12.42\t△9.70\t△1.28\n'
    '\t\t\t지역혁신 선도기업육성\t11.52\t9.60\t1.20\t11.52\t9.60\t1.20\t0.00\t0.00\t0.00\n'
    '\t\t소계\t\t40.67\t39.88\t1.02\t11.52\t9.60\t1.20\t△29.15\t△30.28\t0.18\n'
    '지역스타기업육성\t\t6.57\t6.92\t0.95\t0.00\t0.00\t0.00\t△6.57\t△6.92\t△0.95\t\t\n'
    '소 계\t\t47.24\t46.80\t1.01\t11.52\t9.60\t1.20\t△35.72\t△37.20\t0.19\t\t\n'
)


def by_id(rows):
    return {r["row_id"]: r for r in rows}


def test_extractor_contract():
    assert EXTRACTOR.table == "performance_target_lines"
    assert EXTRACTOR.key == ("report_id", "row_id")
    assert list(COLUMNS)[:2] == ["report_id", "row_id"]
    rows = extract(make_report(B2_BODY))
    assert rows and all(set(r) == set(COLUMNS) for r in rows)
    assert len({r["row_id"] for r in rows}) == len(rows)


def test_sales_target_fragment():
    rows = by_id(extract(make_report(B2_BODY)))
    # lines: 9 총 계, 10 R&D + 비R&D, 11 비R&D 합계, 12 1.0, 13 2.0, 14-17 성장사다리, 18 소 계, 19 시군구, 20 TP장비,
    # 21 기타 합계, 22 거점기능강화, 23 기평비
    roi = rows["t1:L11:c6"]
    assert (roi["target_table"], roi["indicator"], roi["indicator_unit"]) == ("sales_target", "사업화매출액", "억원")
    assert (roi["measure"], roi["period"], roi["value"], roi["companion"]) == ("roi", "2025", Decimal("4.38"), Decimal("4.61"))
    assert roi["companion_meaning"] == "roi_alternative" and roi["flags"] == "footnote"
    assert "TP생산장비고도화" in roi["note"] and roi["parent_row_id"] is None
    assert roi["parent_line_row_id"] == "t1:L10"
    budget = rows["t1:L12:c2"]  # 1.0(계속과제) '24 예산 '8.00 (71.72)'
    assert (budget["measure"], budget["value"], budget["companion"]) == ("budget", Decimal("8.00"), Decimal("71.72"))
    assert budget["companion_meaning"] == "total_project_cost" and budget["value_unit"] == "억원"
    assert rows["t1:L12:c8"]["companion_meaning"] == "total_project_cost_change"
    target = rows["t1:L12:c4"]
    assert (target["measure"], target["value"], target["parent_row_id"]) == ("target", Decimal("44.24"), "t1:L11:c4")
    assert target["program"] == "지역특화 프로젝트" and target["sub_program"] == "1.0(계속과제)"
    # 총 계 prints '-' targets (budgets only): its children's targets do not roll up into it
    assert rows["t1:L10:c4"]["parent_row_id"] is None and rows["t1:L10:c5"]["parent_row_id"] == "t1:L9:c5"
    assert rows["t1:L9:c4"]["value_flag"] == "dash"
    assert rows["t1:L15:c4"]["parent_row_id"] == "t1:L18:c4"  # 예비선도(스타)기업 -> 성장사다리 소 계
    assert rows["t1:L21:c5"]["parent_row_id"] == "t1:L9:c5"  # 기타 합계 -> 총 계
    assert rows["t1:L22:c5"]["parent_row_id"] == "t1:L21:c5"
    change = rows["t1:L14:c7"]
    assert (change["period"], change["fiscal_year"], change["value"]) == ("change", 2025, Decimal("-5.14"))


def test_employment_target_fragment_units_and_shifted_label_column():
    rows = by_id(extract(make_report(B3_SUMMARY)))
    target = rows["t1:L11:c4"]
    assert (target["target_table"], target["indicator"], target["indicator_unit"]) == ("employment_target", "신규고용", "명")
    assert target["value_unit"] == "명" and target["value"] == Decimal("4.67")
    assert rows["t1:L11:c5"]["value_unit"] == "억원"  # the (단위 : 억원) line is the budget's unit
    assert rows["t1:L11:c6"]["value_unit"] == "명/억원"
    # ' | 디지털헬스케어 |  | - …' prints the industry in the program column
    shifted = rows["t1:L17:c4"]
    assert shifted["parent_row_id"] == "t1:L18:c4"
    assert (shifted["program"], shifted["sub_program"], shifted["industry"]) == (
        "지역 혁신 선도 기업 육성 (R&D)",
        "지역기업 역량강화",
        "디지털헬스케어",
    )
    assert rows["t1:L19:c4"]["parent_row_id"] == "t1:L10:c4"
    assert rows["t1:L25:c4"]["label"] == "지역스타기업육성" and rows["t1:L25:c4"]["parent_row_id"] == "t1:L26:c4"


def test_headline_fragment():
    rows = extract(make_report(HEADLINE))
    assert len(rows) == 8
    cells = by_id(rows)
    jobs, roi = cells["t2:L6:c1"], cells["t2:L6:c1r"]
    assert (jobs["target_table"], jobs["indicator"], jobs["indicator_group"]) == ("headline", "신규고용", "공통")
    assert (jobs["measure"], jobs["value"], jobs["value_unit"], jobs["indicator_unit"]) == (
        "target",
        Decimal("229.18"),
        "명",
        "명",
    )
    assert (roi["measure"], roi["value"]) == ("roi", Decimal("1.80"))
    patents = cells["t2:L6:c4"]
    assert (patents["indicator"], patents["indicator_group"], patents["value"], patents["value_unit"]) == (
        "특허출원·등록",
        "자율지표 2",
        Decimal("19.92"),
        "건",
    )
    assert cells["t2:L6:c3"]["indicator"] == "사업화수출액" and cells["t2:L6:c3"]["label"] == "전체 성과목표"


# ---------------------------------------------------------------------------------------------
# Full bundled reports


@pytest.fixture(scope="module")
def gangwon():
    return read_report("gangwon-2025-plan", SEEDS / "gangwon-2025-plan.txt")


@pytest.fixture(scope="module")
def rows(gangwon):
    return extract(gangwon)


@pytest.mark.parametrize("report_id", ["chungbuk-tp-2024-q3", "chungbuk-sti-2020-h1"])
def test_other_families_have_no_targets(report_id):
    assert extract(read_report(report_id, SEEDS / f"{report_id}.txt")) == []


def test_row_counts(rows):
    assert len(rows) == 1168 + 384 + 1392
    assert Counter(r["target_table"] for r in rows) == {
        "headline": 16,
        "sales_target": 576,
        "employment_target": 576,
        "three_year_review": 384,  # K3: 2 tables x 16 rows x 12 values
        # target-setting tables (tests/parsing/test_target_settings.py), each printed twice:
        "roi_trend": 576,  # K4: 2 indicators x 12 rows x 12 values
        "indicator_setting": 672,  # K5: 2 indicators x 14 rows x 12 values
        "self_indicator_review": 144,  # K6: 6 amount rows x 8 values + 6 ROI rows x 4 values
    }
    assert Counter(
        (r["target_table"], r["occurrence"]) for r in rows if r["target_table"] in ("sales_target", "employment_target")
    ) == {
        ("sales_target", 1): 288,
        ("sales_target", 2): 288,
        ("employment_target", 1): 288,
        ("employment_target", 2): 288,
    }
    assert len({r["row_id"] for r in rows}) == len(rows)


def test_pins(rows):
    cells = by_id(rows)
    total = cells["t308:L6886:c4"]
    assert (total["label"], total["value"], total["period"], total["measure"], total["source_line"]) == (
        "R&D + 비R&D 합계(기타 제외)",
        Decimal("489.69"),
        "2025",
        "target",
        6886,
    )
    jobs = cells["t309:L6951:c4"]  # 자율기획 '25 신규고용 목표
    assert (jobs["label"], jobs["value"], jobs["indicator_unit"], jobs["parent_row_id"]) == (
        "자율기획",
        Decimal("1.80"),
        "명",
        "t309:L6952:c4",
    )
    assert cells["t121:L2458:c6"]["companion"] == Decimal("2.20")
    assert cells["t22:L450:c2"]["value"] == Decimal("489.69") and cells["t154:L3521:c2"]["occurrence"] == 2


def test_targets_reconcile(rows):
    def num(r):
        return r["value"] if r["value"] is not None else Decimal(0)

    cells = by_id(rows)
    children: dict[str, list] = {}
    for r in rows:
        if r["parent_row_id"]:
            children.setdefault(r["parent_row_id"], []).append(r)
    for parent_id, kids in children.items():
        assert abs(num(cells[parent_id]) - sum(num(k) for k in kids)) <= Decimal("0.01") * len(kids), parent_id
    # ROI = target / budget (±0.005) and the footnoted ROI excludes the TP생산장비고도화 budget (4.50)
    grouped: dict[tuple, dict] = {}
    for r in rows:
        if r["target_table"] in ("sales_target", "employment_target") and r["period"] != "change":
            grouped.setdefault((r["line_row_id"], r["period"]), {})[r["measure"]] = r
    checked = 0
    for g in grouped.values():
        t, b, roi = g["target"]["value"], g["budget"]["value"], g["roi"]["value"]
        if t is not None and b and roi is not None:
            assert abs(t / b - roi) <= Decimal("0.005")
            checked += 1
            if g["roi"]["companion"] is not None:
                assert abs(t / (b - Decimal("4.50")) - g["roi"]["companion"]) <= Decimal("0.005")
    assert checked == 156


def test_budgets_equal_b1_totals_and_headline_equals_b_tables(gangwon, rows):
    b1 = {
        (r["occurrence"], r["item_path"].replace(" ", "").replace("·", ""), r["fiscal_year"]): r["amount"]
        for r in program_budget_rows(gangwon)
        if r["measure"] == "budget" and r["funding_source"] == "합계"
    }
    missing = []
    for r in rows:
        if r["measure"] == "budget" and r["period"] != "change" and r["target_table"] in ("sales_target", "employment_target"):
            key = (r["occurrence"], r["item_path"].replace(" ", "").replace("·", ""), r["fiscal_year"])
            if key not in b1:
                missing.append((r["source_line"], r["label"]))
                continue
            assert (b1[key] or 0) == (r["value"] or 0), (r["source_line"], r["label"])
    # the summary B1 does not print the 자율기획 row (see test_program_budget)
    assert {m[1] for m in missing} == {"자율기획"} and len(missing) == 4
    for h in (r for r in rows if r["target_table"] == "headline" and r["indicator"] in ("신규고용", "사업화매출액")):
        match = [
            r
            for r in rows
            if r["indicator"] == h["indicator"]
            and r["target_table"] in ("sales_target", "employment_target")
            and r["occurrence"] == h["occurrence"]
            and r["period"] == "2025"
            and r["measure"] == h["measure"]
            and r["label"].startswith("R&D + 비R&D")
        ]
        assert [m["value"] for m in match] == [h["value"]]


# ---------------------------------------------------------------------------------------------
# K3 3-year review

K3_EMPLOYMENT = (
    '□ 공통지표(신규고용) 성과 검토 및 목표설정 기준 도출\n'
    '\n'
    '신규고용 성과 검토(2023년 실적 및 3개년 평균 성과)\t\t\t\t\t\t\t\t\t\t\t\t\t\n'
    '(단위: 명, 억원, %)\t\t\t\t\t\t\t\t\t\t\t\t\t\n'
    '구분\t2023년\t\t\t\t\t\t3년 평균(21~23)\t\t\t\t\t\t\n'
    '\t목표\t성과\t달성율\t예산\t1억원당 목표\t1억원당 성과\t목표\t성과\t달성율\t예산\t1억원당 목표\t1억원당 성과\t\n'
    '총계\t288.74\t278.41\t96.42\t200.15\t1.44\t1.39\t248.00\t255.19\t102.90\t192.40\t1.29\t1.33\t\n'
    'R & D\t107.67\t111.35\t103.4\t120.06\t0.90\t0.93\t100.26\t94.76\t94.52\t114.27\t0.88\t0.83\t\n'
    '주력*\t소계\t83.13\t83.73\t100.72\t97.75\t0.85\t0.86\t69.50\t68.66\t98.79\t88.91\t0.78\t0.77\n'
    '\t천연물바이오소재\t24.23\t25.44\t104.99\t30.65\t0.79\t0.83\t24.61\t21.98\t89.30\t29.42\t0.84\t0.75\n'
    '\t세라믹원료·소재\t19.64\t22.79\t116.04\t28.50\t0.69\t0.80\t18.19\t17.59\t96.72\t28.10\t0.65\t0.63\n'
    '\t디지털헬스케어\t32.00\t33.86\t105.81\t32.00\t1.00\t1.06\t24.28\t28.54\t117.56\t29.20\t0.83\t0.98\n'
    '\t혁신선도기업육성\t7.26\t1.64\t22.59\t6.60\t1.10\t0.25\t7.26\t1.64\t22.59\t6.60\t1.10\t0.25\n'
    '지역스타기업육성\t24.54\t21.52\t87.69\t22.31\t1.10\t0.96\t30.76\t17.37\t56.46\t25.35\t1.21\t0.68\t\n'
    '비R & D\t181.07\t167.06\t92.26\t80.09\t2.26\t2.09\t147.74\t160.43\t108.59\t78.13\t1.89\t2.05\t\n'
    '성장사다리\t합계I*\t145.17\t127.23\t87.64\t60.77\t2.39\t2.09\t126.39\t126.84\t100.36\t59.98\t2.11\t2.11\n'
    '\t합계II(주력+성장)\t52.55\t69.72\t132.67\t20.65\t2.54\t3.38\t55.27\t63.04\t114.07\t21.31\t2.59\t2.96\n'
    '\t소계\t92.62\t57.51\t62.09\t40.12\t2.31\t1.43\t71.12\t63.79\t89.70\t38.67\t1.84\t1.65\n'
    '\t지역혁신선도\t6.25\t3.75\t60.00\t5.00\t1.25\t0.75\t4.55\t3.10\t68.13\t3.93\t1.16\t0.79\n'
    '\t지역스타기업\t20.35\t18.25\t89.68\t11.00\t1.85\t1.66\t22.13\t15.34\t69.29\t13.87\t1.60\t1.11\n'
    '\t잠재기업\t66.02\t35.51\t53.79\t24.12\t2.74\t1.47\t45.95\t45.56\t99.14\t22.18\t2.07\t2.05\n'
    '시군구연구산업육성\t35.90\t39.83\t110.95\t19.32\t1.86\t2.06\t21.35\t33.59\t157.35\t18.15\t1.18\t1.85\t\n'
    '\n'
    '  - 시군구연구산업육성: 지원 산업군이 사업별 상이하여, 선정 사업에서 설정한 목표를 고려하여 상향 설정\n'
    '\n'
    "구분 (1억원당)\t3개년 목표 추이\t\t\t3개년 성과 추이\t\t\t3개년 평균 (21~23)\t\t3개년 평균 성과 (110%)\t'24년 목표 수치\t'25년 목표 설정\t3개년 평균 성과 대비(%)\n"
    "\t'21\t'22\t'23\t'21\t'22\t'23\t목표\t성과\t\t\t\t\n"
    '총계\t1.12\t1.29\t1.44\t1.45\t1.14\t1.39\t1.29\t1.33\t1.46\t1.67\t1.80\t135.78\n'
    'R & D\t0.89\t0.85\t0.90\t0.75\t0.80\t0.93\t0.88\t0.83\t0.91\t1.01\t1.02\t122.85\n'
    '(주력) 소계\t0.73\t0.75\t0.85\t0.71\t0.74\t0.86\t0.78\t0.77\t0.85\t1.02\t1.02\t131.92\n'
    '천연물바이오소재\t0.96\t0.78\t0.79\t0.67\t0.73\t0.83\t0.84\t0.75\t0.82\t0.95\t0.89\t119.11\n'
    '세라믹원료·소재\t0.58\t0.67\t0.69\t0.61\t0.48\t0.80\t0.65\t0.63\t0.69\t0.70\t0.75\t119.78\n'
    '디지털헬스케어\t0.65\t0.80\t1.00\t0.86\t0.98\t1.06\t0.83\t0.98\t1.08\t1.28\t1.18\t120.71\n'
    '혁신선도기업육성\t\t\t1.10\t\t\t0.25\t1.10\t0.25\t0.27\t1.20\t1.20\t-\n'
    '비R & D\t1.45\t1.94\t2.26\t2.43\t1.65\t2.09\t1.89\t2.05\t2.26\t2.01\t2.09\t101.79\n'
    '(성장사다리) 소계\t1.28\t1.88\t2.31\t2.31\t1.26\t1.43\t1.84\t1.65\t1.81\t2.39\t2.50\t151.40\n'
    '지역혁신선도\t\t1.00\t1.25\t\t0.86\t0.75\t1.16\t0.79\t0.87\t1.50\t1.65\t208.91\n'
    '지역스타기업\t1.25\t1.76\t1.85\t0.93\t0.89\t1.66\t1.60\t1.11\t1.22\t1.85\t2.00\t180.23\n'
    '잠재기업\t1.30\t2.08\t2.74\t3.21\t1.58\t1.47\t2.07\t2.05\t2.26\t2.85\t3.25\t158.26\n'
)


def test_k3_fragment_tree_labels_and_pro_rata_years():
    rows = [r for r in extract(make_report(K3_EMPLOYMENT)) if r["target_table"] == "three_year_review"]
    assert len(rows) == 16 * 12
    first = {r["source_line"]: r for r in rows if r["row_id"].endswith(":c1")}
    by_line = {r["label_raw"]: r for r in first.values()}
    # tree from the sums; printed labels shifted in the 비R&D block are re-labelled and flagged
    assert by_line["성장사다리 | 합계I*"]["label"] == "합계 II(주력+성장)"
    assert "label_shifted" in by_line["성장사다리 | 합계I*"]["flags"]
    assert by_line["합계II(주력+성장)"]["item_path"] == "총계/비R&D 합계 I/합계 II(주력+성장)/주력 소계"
    assert by_line["소계"]["label"] == "성장사다리 소계" and by_line["소계"]["flags"] is None
    assert by_line["주력* | 소계"]["item_path"] == "총계/R&D/주력 소계"
    assert "label_starred" in by_line["주력* | 소계"]["flags"]
    # R&D outcome (111.35) is not 주력 소계 + 지역스타기업육성 (83.73 + 21.52): printed inconsistency, flagged
    assert by_line["R & D"]["flags"] == "sum_mismatch"
    assert by_line["천연물바이오소재"]["industry"] == "천연물바이오소재"
    assert by_line["시군구연구산업육성"]["program"] == "시군구연구산업육성"
    parents = {r["label_raw"]: first_parent for r in first.values() if (first_parent := r["parent_line_row_id"])}
    assert parents["지역스타기업"] == by_line["소계"]["line_row_id"]
    # K4 (3개년 목표 추이) prints 혁신선도기업육성 in '23 only and 지역혁신선도 in '22-'23
    averaged = {(r["label"], r["flags"]) for r in rows if r["period"] == "2021-2023" and "years_averaged" in (r["flags"] or "")}
    assert averaged == {("혁신선도기업육성", "years_averaged_1"), ("지역혁신선도", "years_averaged_2")}
    attainment = next(r for r in rows if r["label"] == "총계" and r["measure"] == "attainment" and r["period"] == "2023")
    assert (attainment["value"], attainment["value_unit"], attainment["column_label"]) == (
        Decimal("96.42"),
        "%",
        "2023년 달성율",
    )


def test_k3_pins(rows):
    k3 = [r for r in rows if r["target_table"] == "three_year_review"]
    assert Counter(r["indicator"] for r in k3) == {"신규고용": 192, "사업화매출액": 192}
    assert Counter(r["measure"] for r in k3) == {
        m: 64 for m in ("target", "outcome", "attainment", "budget", "roi_target", "roi_outcome")
    }
    assert {r["period"] for r in k3} == {"2023", "2021-2023"}
    cells = by_id(k3)
    sales_rnd = cells["t161:L3653:c2"]  # '합계*' printed for the R&D total, '23 성과
    assert (sales_rnd["label"], sales_rnd["value"], sales_rnd["indicator_unit"], sales_rnd["parent_line_row_id"]) == (
        "R&D",
        Decimal("246.92"),
        "억원",
        "t161:L3652",
    )
    avg = cells["t161:L3664:c10"]  # 지역혁신선도 3-year budget, run in 2 of the 3 years
    assert (avg["value"], avg["period"], avg["measure"], avg["flags"]) == (
        Decimal("3.93"),
        "2021-2023",
        "budget",
        "years_averaged_2",
    )
    jobs = cells["t159:L3600:c4"]  # printed '합계II(주력+성장)': the 비R&D 주력 소계 row (budget 20.65)
    assert (jobs["label"], jobs["value"], jobs["source_line"], jobs["parent_line_row_id"]) == (
        "주력 소계",
        Decimal("20.65"),
        3600,
        "t159:L3599",
    )
    # both K3 tables share rows and budgets
    budgets = {}
    for r in k3:
        if r["measure"] == "budget":
            budgets.setdefault((r["item_path"], r["period"]), set()).add(r["value"])
    assert len(budgets) == 32 and all(len(v) == 1 for v in budgets.values())
    assert all(r["parent_row_id"] is None for r in k3)
