"""Statistics tables by group (docs/report-families.md 4.8), on fragments of the gangwon-2025-plan: a
breakdown with bold group rows under a TOTAL row (counts, shares, per-block statistics), a one-row
header breakdown with its total last (기업군 현황), and a growth table (yearly levels and CAGR per
filled-down region)."""

from __future__ import annotations

from decimal import Decimal

from orchestration.parsing.group_statistics import extract

from .test_table_totals import report_from

# its lines 3889-3897 (천연물바이오소재 기업 일반 현황), the second group cut to its first member
BREAKDOWN = (
    "천연물바이오소재\t모수\t\t3년 평균 매출액(억원)\t\t\t\t\t고용규모('23년, 명)\t\t\t\t\n"
    "\t개수\t비중 (%)\t개수\t최소값\t최대값\t평균값\t중간값\t개수\t최소값\t최대값\t평균값\t중간값\n"
    "<b>TOTAL</b>\t<b>310</b>\t<b>-</b>\t<b>150</b>\t<b>0.00</b>\t<b>943.41</b>\t<b>105.11</b>\t<b>17.95</b>\t"
    "<b>218</b>\t<b>1.00</b>\t<b>378.00</b>\t<b>28.38</b>\t<b>5.00</b>\n"
    "<b>기능성식품</b>\t<b>113</b>\t<b>36.45</b>\t<b>46</b>\t<b>0.65</b>\t<b>477.69</b>\t<b>75.71</b>\t<b>23.40</b>\t"
    "<b>66</b>\t<b>1.00</b>\t<b>160.00</b>\t<b>22.26</b>\t<b>6.00</b>\n"
    "(10501) 액상시유 및 기타 낙농제품 제조업\t8\t2.58\t6\t11.18\t477.69\t126.77\t69.42\t8\t2.00\t160.00\t41.38\t26.50\n"
    "(10795) 인삼식품 제조업\t10\t3.23\t5\t1.92\t95.45\t28.84\t9.39\t8\t1.00\t52.00\t13.88\t6.00\n"
    "<b>기능성화장품(의약 기초소재 포함)</b>\t<b>197</b>\t<b>63.55</b>\t<b>104</b>\t<b>0.00</b>\t<b>943.41</b>\t"
    "<b>118.11</b>\t<b>15.50</b>\t<b>152</b>\t<b>1.00</b>\t<b>378.00</b>\t<b>31.03</b>\t<b>4.00</b>\n"
    "(20422) 치약 비누 및 기타 세제 제조업\t18\t5.81\t4\t0.00\t4.36\t2.52\t2.86\t10\t1.00\t6.00\t2.20\t1.00"
)
# its lines 3394-3400 (디지털헬스 데이터 분석·활용 관련 기업군 현황)
GROUPS_TOTAL_LAST = (
    "(단위: 개사, %, 백만원)\n\n"
    "기업군\t기업수\t기업 비중\t평균 매출액\t부설 연구소 비중\t3년 평균 R&D 투자율\t3년 평균 매출 증가율\t3년 평균 고용 증가율\n"
    "대기업\t2\t0.2\t733,765.6\t1.0\t2.6\t12.0\t0.3\n"
    "중견기업\t8\t0.9\t325,651.1\t0.8\t5.3\t14.6\t34.3\n"
    "중소기업\t834\t98.8\t2,574.4\t0.3\t185.0\t53.9\t△35.0\n"
    "총계\t844\t100\t9,332.9\t0.3\t182.1\t52.8\t△32.2"
)
# its lines 3134-3139 (천연물바이오소재 산업 성장성), 전국 cut to its total row
GROWTH = (
    "구분\t사업체수(개, %)\t\t\t\t종사자수(명, %)\t\t\t\t생산액(백억원, %)\t\t\t\t부가가치(백억원, %)\t\t\t\t\n"
    "\t'17년\t'21년\t'22년\tCAGR\t'17년\t'21년\t'22년\tCAGR\t'17년\t'21년\t'22년\tCAGR\t'17년\t'21년\t'22년\tCAGR\t\n"
    "강원\tΣ\t231\t336\t347\t8.48\t4,280\t6,431\t6,142\t7.49\t160\t194\t277\t11.55\t80\t95\t147\t12.79\n"
    "\t①\t106\t132\t133\t4.64\t1,912\t2,223\t2,159\t2.46\t94\t79\t145\t8.90\t39\t23\t61\t9.00\n"
    "\t②\t125\t204\t214\t11.35\t2,368\t4,208\t3,983\t10.96\t66\t87\t110\t10.79\t41\t72\t86\t16.00\n"
    "전국\tΣ\t5,979\t9,910\t10,306\t11.50\t108,472\t147,883\t153,985\t7.26\t5,464\t8,213\t8,901\t10.25\t2,659\t4,124\t4,519\t11.19"
)


def by_line(rows):
    out = {}
    for r in rows:
        out.setdefault(r["source_line"], []).append(r)
    return out


def test_breakdown_rows_are_placed_under_the_total_and_their_bold_group():
    rows = extract(report_from(BREAKDOWN))
    lines = by_line(rows)
    placed = {line: (r[0]["row_label"], r[0]["row_level"], r[0]["parent_line"]) for line, r in lines.items()}
    assert placed == {
        3: ("TOTAL", 0, None),
        4: ("기능성식품", 1, 3),
        5: ("(10501)액상시유및기타낙농제품제조업", 2, 4),
        6: ("(10795)인삼식품제조업", 2, 4),
        7: ("기능성화장품(의약기초소재포함)", 1, 3),
        8: ("(20422)치약비누및기타세제제조업", 2, 7),
    }
    assert {r["table_shape"] for r in rows} == {"breakdown"}


def test_breakdown_columns_carry_block_measure_and_unit():
    first_group = by_line(extract(report_from(BREAKDOWN)))[4]
    cells = [(r["block_no"], r["column_label"], r["measure"], r["value_printed"], r["printed_scale"], r["unit"])
             for r in first_group]
    assert cells[:4] == [(1, "개수", "count", "113", 0, None), (1, "비중(%)", "share", "36.45", 2, "%"),
                         (2, "개수", "count", "46", 0, "억원"), (2, "최소값", "min", "0.65", 2, "억원")]
    assert [c[2] for c in cells[4:8]] == ["max", "mean", "median", "count"]
    assert cells[-1] == (3, "중간값", "median", "6.00", 2, "명")


def test_a_dash_share_is_kept_as_a_dash():
    total = by_line(extract(report_from(BREAKDOWN)))[3]
    share = next(r for r in total if r["measure"] == "share")
    assert (share["value_printed"], share["value_flag"], share["amount"]) == ("-", "dash", None)


def test_one_header_row_and_the_total_last():
    rows = extract(report_from(GROUPS_TOTAL_LAST))
    lines = by_line(rows)
    assert [(lines[n][0]["row_label"], lines[n][0]["row_level"], lines[n][0]["parent_line"]) for n in (4, 5, 6, 7)] == [
        ("대기업", 1, 7), ("중견기업", 1, 7), ("중소기업", 1, 7), ("총계", 0, None)]
    measures = [(r["column_label"], r["measure"], r["unit"]) for r in lines[4]]
    # only the share beside the count is a share: 부설 연구소 비중 is another statistic
    assert measures[:3] == [("기업수", "count", "개사"), ("기업비중", "share", "%"), ("평균매출액", "other", None)]
    assert measures[3] == ("부설연구소비중", "other", None)
    assert lines[6][-1]["amount"] == Decimal("-35.0")


def test_growth_table_levels_and_rate_per_block():
    rows = extract(report_from(GROWTH))
    lines = by_line(rows)
    assert [(r[0]["row_label"], r[0]["group_label"], r[0]["row_level"], r[0]["parent_line"]) for r in lines.values()] == [
        ("Σ", "강원", 0, None), ("①", "강원", 1, 3), ("②", "강원", 1, 3), ("Σ", "전국", 0, None)]
    first_block = [(r["measure"], r["period"], r["value_printed"], r["unit"]) for r in lines[3][:4]]
    assert first_block == [("level", "2017", "231", "개"), ("level", "2021", "336", "개"),
                           ("level", "2022", "347", "개"), ("growth_rate", "2017-2022", "8.48", "%")]
    assert {r["period_role"] for r in rows if r["measure"] == "growth_rate"} == {"growth"}
    assert [r["unit"] for r in lines[3] if r["measure"] == "level"][6:] == ["백억원"] * 6


def test_a_family_without_the_entry_reads_none():
    assert extract(report_from(BREAKDOWN, family="agency_status_report")) == []


# its lines 401-408: the company-size breakdown printed inside the industry profile layout table
# (the row above it flattens the same block into one row: not read)
INSIDE_LAYOUT = (
    "미래신산업명\t디지털헬스 데이터 분석·활용\t\t\t\t\t\t\t\n"
    "산업정의\t■ 디지털헬스케어 빅데이터의 분석·활용\t\t\t\t\t\t\t\n"
    "기업군 형성정도\t■ (앵커기업) 더****, 미****, 리**** 등\t\t기업군\t기업수\t기업 비중\t대기업\t2\t0.2\n"
    "기업군\t기업수\t기업 비중\t평균 매출액\t부설 연구소 비중\t3년 평균 R&D 투자율\t3년 평균 매출 증가율\t3년 평균 고용 증가율\t\n"
    "대기업\t2\t0.2\t733,765.6\t1.0\t2.6\t12.0\t0.3\t\n"
    "중견기업\t8\t0.9\t325,651.1\t0.8\t5.3\t14.6\t34.3\t\n"
    "중소기업\t834\t98.8\t2,574.4\t0.3\t185.0\t53.9\t△35.0\t\n"
    "총계\t844\t100\t9,332.9\t0.3\t182.1\t52.8\t△32.2\t"
)


def test_a_breakdown_printed_inside_a_layout_table_is_read_from_its_own_header_row():
    rows = extract(report_from(INSIDE_LAYOUT))
    lines = by_line(rows)
    assert sorted(lines) == [5, 6, 7, 8]
    assert [(lines[n][0]["row_label"], lines[n][0]["row_level"], lines[n][0]["parent_line"]) for n in (5, 8)] == [
        ("대기업", 1, 8), ("총계", 0, None)]
    assert [(r["column_label"], r["measure"], r["value_printed"]) for r in lines[7][:2]] == [
        ("기업수", "count", "834"), ("기업비중", "share", "98.8")]


# its lines 1179-1181 (members joined in one cell) and 3959-3963 (one member per line)
JOINED = "A\t10\t선도\t10\nB\t69\t기술(예비) 시장(예비)\t3 66\nC\t104\t기술혁신 시장촉진\t6 87"
LINED = "A\t2\t선도\t2\nB\t26\t기술(예비)\t6\n\t\t시장(예비)\t20\nC\t35\t기술혁신\t14\n\t\t시장혁신\t21"


def test_a_composition_list_gives_each_group_and_its_members():
    joined = [(r["row_label"], r["group_label"], r["row_level"], r["parent_line"], r["value_printed"])
              for r in extract(report_from(JOINED))]
    assert joined == [("A", None, 0, None, "10"), ("선도", "A", 1, 1, "10"),
                      ("B", None, 0, None, "69"), ("기술(예비)", "B", 1, 2, "3"), ("시장(예비)", "B", 1, 2, "66"),
                      ("C", None, 0, None, "104"), ("기술혁신", "C", 1, 3, "6"), ("시장촉진", "C", 1, 3, "87")]
    lined = [(r["row_label"], r["row_level"], r["parent_line"], r["row_id"]) for r in extract(report_from(LINED))]
    assert lined[2:5] == [("B", 0, None, "t1:L2:c2"), ("기술(예비)", 1, 2, "t1:L2:c4"), ("시장(예비)", 1, 2, "t1:L3:c4")]
    assert {r["table_shape"] for r in extract(report_from(LINED))} == {"composition"}


def test_a_two_column_list_is_no_composition():
    assert extract(report_from("A\t10\t선도\t10\nB\t3\t기술\t3")) == []


# its lines 754-758 (summary ③ 기준 확정, the base in the share row's label cell) and 4242-4247 (body, the
# base in the count row's, the last shares printed with their counts)
SHARE_ROWS = (
    "구분\t지역대표기업군\tA기업군\tB기업군\tC기업군\n"
    "분석모수\t개수\t63개\t1개\t27개\n"
    "310개\t비중\t20.3%\t0.3%\t8.7%\n"
    "세부 유형화\t개수\t63개\t1개\t6개\n"
    "\t비중\t20.3%\t0.3%\t17.30%"
)
SHARES_IN_CELLS = (
    "구분\t지역대표기업군\t\t\t\t\t\n"
    "\t분석모수\t개수\tA기업군\tB기업군\tC기업군\t\n"
    "246개\t개수\t61개\t-\t24개\t37개\t\n"
    "\t비중\t24.8%\t-\t9.8%\t15.0%\t\n"
    "세부 유형화\t개수\t61개\t기술-시장 선도형\t기술선도(예비)\t기술혁신형\t시장추진형\n"
    "\t비중\t24.8%\t-\t4개 (1.6%)\t20개 (8.1%)\t7개 (2.8%)"
)


def pairs(rows):
    out = {}
    for r in rows:
        if r["row_level"]:
            out.setdefault((r["block_no"], r["column_no"]), {})[r["measure"]] = r["value_printed"]
    return out


def test_share_rows_pair_each_count_with_the_share_below_it():
    rows = extract(report_from(SHARE_ROWS))
    (base,) = [r for r in rows if r["row_level"] == 0]
    assert (base["value_printed"], base["amount"], base["source_line"]) == ("310개", Decimal("310"), 3)
    assert pairs(rows) == {(1, 3): {"count": "63개", "share": "20.3%"}, (1, 4): {"count": "1개", "share": "0.3%"},
                           (1, 5): {"count": "27개", "share": "8.7%"}, (2, 3): {"count": "63개", "share": "20.3%"},
                           (2, 4): {"count": "1개", "share": "0.3%"}, (2, 5): {"count": "6개", "share": "17.30%"}}
    assert {r["parent_line"] for r in rows if r["row_level"]} == {3}


def test_a_cell_printing_a_count_with_its_share_pairs_within_itself():
    rows = extract(report_from(SHARES_IN_CELLS))
    assert [r["value_printed"] for r in rows if r["row_level"] == 0] == ["246개"]
    found = pairs(rows)
    assert found[(2, 5)] == {"count": "4개", "share": "1.6%"} and found[(2, 7)] == {"count": "7개", "share": "2.8%"}
    assert (1, 4) not in found  # `-` under `-`: no pair
    assert len(found) == 7


def test_share_rows_without_a_printed_base_are_not_read():
    assert extract(report_from(SHARE_ROWS.replace("310개\t", "\t"))) == []


def test_share_rows_without_a_base_take_the_population_named_above_them():
    text = "■ 혁신성 지수: 310개 기업 대상 지수 산출\n\n[천연물바이오소재 산업 지역 대표기업 유형화 결과]\n\n" + SHARE_ROWS.replace(
        "310개\t", "\t")
    rows = extract(report_from(text))
    (base,) = [r for r in rows if r["row_level"] == 0]
    assert (base["source_line"], base["row_label"], base["value_printed"], base["row_id"]) == (1, "혁신성지수", "310개", "t1:L1:base")
    assert {r["parent_line"] for r in rows if r["row_level"]} == {1} and len(pairs(rows)) == 6



def test_rates_the_sentence_above_a_growth_table_restates():
    text = ("- 강원 천연물바이오소재 산업은 전국 성장률 대비 높으며, 사업체수(8.48%↑), 생산액(11.55%↑)는 증가하였음\n\n"
            + GROWTH)
    prose = [r for r in extract(report_from(text)) if r["printed_in"] == "prose"]
    # the sentence's subject is 강원 (named before 전국); each word names its block
    assert [(r["group_label"], r["block_label"], r["value_printed"], r["amount"], r["period"]) for r in prose] == [
        ("강원", "사업체수(개,%)", "사업체수(8.48%↑)", Decimal("8.48"), "2017-2022"),
        ("강원", "생산액(백억원,%)", "생산액(11.55%↑)", Decimal("11.55"), "2017-2022")]
