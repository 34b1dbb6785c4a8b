"""Context tables whose header declares their totals (docs/report-families.md 4.7), on fragments of the
gangwon-2025-plan: a 소계 column over the instrument columns, 1차년도 + 2차년도 = 합계 beside a 목표
column, and combined survey columns (①+② 불필요, ④+⑤ 필요)."""

from __future__ import annotations

from decimal import Decimal

from orchestration.parsing.reader import Report, split_tables
from orchestration.parsing.table_totals import extract

# its lines 5187-5190
INSTRUMENTS = "구분\t컨설팅\t창업·성장\t제조혁신\t정책자금\t수출\t사업화\tR&D\t산학 R&D\t인력\t기술보증\t소계\n바이오\t15개\t5개\t5개\t10개\t14개\t12개\t4개\t3개\t7개\t7개\t82개\n세라믹\t9개\t3개\t8개\t7개\t6개\t12개\t11개\t5개\t10개\t6개\t77개\n헬스케어\t19개\t4개\t6개\t9개\t13개\t20개\t18개\t11개\t14개\t16개\t130개"
# its lines 5274-5276
INDICATORS = "구분\t성과 지표명\t산출근거\t1차년도\t2차년도\t목표\t합계\n역신회향성향촉진\t· 지역 우수기업에 대한 지원\t· 지역 우수기업에 대한 지원\t100\t100\t200\t200\n\t· 기업 맞춤형 패키지 지원(연구개발, 제품개발)\t· 기업 맞춤형 패키지 지원(연구개발, 제품개발)\t100\t100\t200\t200"
# its lines 2101-2103
SURVEY = "구분\t기업수\t① 전혀 불필요\t② 불 필요\t③ 보통\t④ 필요\t⑤ 매우 필요\t①+② 불 필요\t④+⑤ 필요\t5점 평균\n<b>생산장비 지원 수요</b>\t<b>352</b>\t<b>3.1</b>\t<b>6.3</b>\t<b>22.2</b>\t<b>42.9</b>\t<b>25.6</b>\t<b>9.4</b>\t<b>68.5</b>\t<b>3.8</b>\n천연물바이오소재\t130\t5.4\t7.7\t21.5\t40.0\t25.4\t13.1\t65.4\t3.7"


def report_from(text: str, family: str = "regional_industry_plan") -> Report:
    lines = text.split("\n")
    return Report(report_id="fragment", path="<fragment>", lines=lines, tables=split_tables("fragment", lines),
                  family=family)


def identities(rows):
    out = {}
    for r in rows:
        key = (r["source_line"], r["identity_kind"], r["total_column_no"])
        side = out.setdefault(key, {"total": None, "parts": []})
        if r["cell_role"] == "total":
            side["total"] = (r["column_label"], r["value_printed"])
        else:
            side["parts"].append((r["column_label"], r["value_printed"]))
    return out


def test_a_subtotal_column_sums_the_value_columns_before_it():
    found = identities(extract(report_from(INSTRUMENTS)))
    assert len(found) == 3  # one per industry row
    first = found[(2, "total_column", 11)]
    assert first["total"] == ("소계", "82개")
    assert [v for _, v in first["parts"]] == ["15개", "5개", "5개", "10개", "14개", "12개", "4개", "3개", "7개", "7개"]


def test_yearly_columns_are_the_parts_when_printed():
    found = identities(extract(report_from(INDICATORS)))
    (only,) = [v for k, v in found.items() if k[0] == 2]
    # 목표 (200) beside the yearly columns restates the total: not a part
    assert only == {"total": ("합계", "200"), "parts": [("1차년도", "100"), ("2차년도", "100")]}


def test_combined_columns_name_their_parts():
    found = identities(extract(report_from(SURVEY)))
    assert found[(2, "combined_column", 7)] == {"total": ("①+②불필요", "9.4"), "parts": [("①전혀불필요", "3.1"), ("②불필요", "6.3")]}
    assert found[(2, "combined_column", 8)] == {"total": ("④+⑤필요", "68.5"), "parts": [("④필요", "42.9"), ("⑤매우필요", "25.6")]}


def test_a_family_without_the_entry_reads_none():
    assert extract(report_from(INSTRUMENTS, family="agency_status_report")) == []


# --- rows that declare identities (docs/report-families.md 4.9) ---------------------------------------
# its lines 1850-1858 (강원 위기 모니터링 현황), the last two type rows left out
MONITORING = ("유형\t2024년 상반기\t\t\t\t\t\t2024년 하반기\t\t\t\t\t\n"
              "\t'24.1분기\t\t\t'24.2분기\t\t\t'24.3분기\t\t\t'24.4분기\t\t\n"
              "\t사업체\t종사자\t급여\t사업체\t종사자\t급여\t사업체\t종사자\t급여\t사업체\t종사자\t급여\n"
              "산업단지\t1,610\t18,734\t58,530\t1,411\t18,321\t57,275\t1,415\t18,058\t56,204\t1,403\t17,972\t59,071\n"
              "지식산업센터\t187\t1,484\t4,495\t175\t1,490\t4,524\t188\t1,280\t4,712\t195\t1,670\t5,217\n"
              "신기술창업집적지역\t88\t476\t1,506\t81\t437\t1,343\t80\t436\t1,349\t85\t463\t1,521\n"
              "<b>총 합계</b>\t<b>1,885</b>\t<b>20,694</b>\t<b>64,531</b>\t<b>1,667</b>\t<b>20,248</b>\t<b>63,142</b>"
              "\t<b>1,683</b>\t<b>19,774</b>\t<b>62,265</b>\t<b>1,683</b>\t<b>20,105</b>\t<b>65,809</b>")
# its lines 6064, 6069 and 6077-6092 (스마트공장 구축지원사업 추진현황), regions cut to three: the 기업수 and 도입율 rows
# lost their leading empty cell, the grids sit under the layout table's own header
SMART_FACTORY = ("구분\t주요내용\t\t\t\t\n"
                 "고도화\t■ 생산 정보 수집 및 데이터 분석을 통한 실시간 의사결정\t\t\t\t\n"
                 "지원실적\t<b>지역별 지원현황</b>\t\t\t\t\n"
                 "\t■ 강원지역 제조기업 중 스마트공장 구축사업 지원기업은 전체 약 2.9%수준\t\t\t\t\n"
                 "\t지역명\t춘천\t원주\t강릉\t합계\n"
                 "\t지원수 (A)\t32\t81\t17\t130\n"
                 "기업수 (B)\t1,630\t2,519\t1,548\t5,697\t\n"
                 "도입율 (A/B %)\t1.9\t3.2\t1.1\t2.2\t\n"
                 "<b>연도별 지원현황</b>\t\t\t\t\t\n"
                 "지원유형\t2019년\t2020년\t2023년\t계\t\n"
                 "기초\t26\t49\t7(강원형)\t82\t\n"
                 "고도화1\t26\t11\t8\t45\t\n"
                 "합 계\t52\t60\t8\t127\t")
# its lines 2117-2118
DEMAND = "구분\t시험·분석\t측정\t가공\t기타\n수요\t55%\t13%\t17%\t14%"


def by_identity(rows):
    out = {}
    for r in rows:
        out.setdefault((r["identity_kind"], r["total_line"], r["total_column_no"]), []).append(
            (r["cell_role"], r["source_line"], r["column_label"], r["value_printed"]))
    return out


def test_a_total_row_sums_the_rows_above_it_per_column():
    found = by_identity(extract(report_from(MONITORING)))
    assert len(found) == 12  # one per value column
    first = found[("total_row", 7, 1)]
    assert first == [("total", 7, "사업체", "1,885"), ("part", 4, "사업체", "1,610"), ("part", 5, "사업체", "187"),
                     ("part", 6, "사업체", "88")]


def test_grids_inside_a_layout_table():
    found = by_identity(extract(report_from(SMART_FACTORY)))
    # 지역명 … 합계: a total column for the rows under it, right-aligned (기업수 lost its leading cell)
    assert found[("total_column", 6, 5)][0] == ("total", 6, "합계", "130")
    assert [v for role, _, _, v in found[("total_column", 7, 4)]] == ["5,697", "1,630", "2,519", "1,548"]
    # the ratio row is no part of the total column: A / B per region, its unit from the label
    ratio = found[("ratio_row", 8, 1)]
    assert ratio == [("rate", 8, "춘천", "1.9"), ("numerator", 6, "춘천", "32"), ("denominator", 7, "춘천", "1,630")]
    assert not any(key[0] == "total_column" and key[1] == 8 for key in found)
    # 지원유형 … 계: the grid's own header; 7(강원형) is the count 7; 합 계 = the rows above it
    assert found[("total_row", 13, 3)] == [("total", 13, "2023년", "8"), ("part", 11, "2023년", "7(강원형)"),
                                           ("part", 12, "2023년", "8")]
    assert found[("total_column", 11, 4)][0] == ("total", 11, "계", "82")


def test_a_share_row_and_a_table_of_means():
    (shares,) = by_identity(extract(report_from(DEMAND))).values()
    assert [(role, v) for role, _, _, v in shares] == [("share", "55%"), ("share", "13%"), ("share", "17%"),
                                                      ("share", "14%")]
    # a header naming means or shares: its 총계 row is no sum of the rows above (its lines 3396-3400)
    groups = ("기업군\t기업수\t기업 비중\t평균 매출액\n대기업\t2\t0.2\t733,765.6\n중견기업\t8\t0.9\t325,651.1\n"
              "중소기업\t834\t98.8\t2,574.4\n총계\t844\t100\t9,332.9")
    assert extract(report_from(groups)) == []


# its lines 6977-6979 (붙임 1 [내역1] '25년 공고 과제) and 5623-5626 (외국인 유학생 재학 대학), cut short
CALLS = ("주축산업\t우선순위 (지원 시급성 고려)\t세부품목명\t지원기간\t소요예산\t비고\n"
         "천연물 바이오소재 산업\t1\t마이크로바이옴 분석 기술 활용 얼굴 맞춤형 기능성 화장품 소재 및 제품\t2년\t최대 14억원 (연 7억원)\t1차년도 (25년)\n"
         "\t2\t천연물을 활용한 반려동물 구강관리 기능성 제품\t2년\t최대 14억원 (연 7억원)\t1차년도 (25년)")
UNIVERSITIES = ("시도\t대학명\t유학생\t이공계\n강원 (3)\t경동대학교\t892\t227\n\t강원대학교\t806\t177\n"
                "\t강릉영동대학교\t554\t477")


def test_an_amount_with_its_yearly_share_beside_a_duration():
    found = by_identity(extract(report_from(CALLS)))
    assert found[("per_year", 2, 4)] == [("rate", 2, "소요예산", "7억원"), ("numerator", 2, "소요예산", "14억원"),
                                         ("denominator", 2, "소요예산", "2년")]
    rows = [r for r in extract(report_from(CALLS)) if r["cell_role"] == "rate"]
    # the item the amount is for, not the priority number of a row filling down into its industry
    assert rows[1]["row_label"] == "천연물을활용한반려동물구강관리기능성제품"


def test_a_group_count_is_the_number_of_its_rows():
    (group,) = by_identity(extract(report_from(UNIVERSITIES))).values()
    assert group[0] == ("total", 2, "시도", "강원 (3)")
    assert [(role, line, v) for role, line, _, v in group[1:]] == [("part", 2, "경동대학교"), ("part", 3, "강원대학교"),
                                                                  ("part", 4, "강릉영동대학교")]
    # a label counting the names its own row lists (`대학(6) | 가톨릭관동대, …`, its line 398) is no group
    listed = "혁신기관\t기관명\n대학(2)\t가톨릭관동대, 강릉원주대\n연구소(1)\t서울대 시스템면역의학연구소"
    assert extract(report_from(listed)) == []


# its lines 3526-3529 and 3545-3547 (성과지표 및 목표치 matrix, body printing), cut short
MATRIX = ("R&D\t\t\t공통지표\t\t\t\t자율지표\t\t\t\n"
          "\t\t\t신규고용(명)\t\t사업화매출액(억원)\t\t사업화수출액(억원)\t\t특허출원·등록(건)\t\n"
          "\t\t\t'24\t'25\t'24\t'25\t'24\t'25\t'24\t'25\n"
          "지역혁신 선도기업 (R&D)\t산업별\t천연물 바이오소재\t\t8.68\t\t21.95\t\t8.08\t19.92\t\n"
          "BIR&D\t지역특화 프로젝트\t1.0\t18.80\t17.15\t52.00\t44.24\t↓\t31.32 (지역특화 + 성장사다리 통합)\t\t\n"
          "\t\t2.0\t\t11.50\t\t27.88\t\t\t\t")


def test_an_indicator_matrix_reads_each_figure_with_its_column():
    rows = extract(report_from(MATRIX))
    got = [(r["source_line"], r["column_label"], r["value_printed"]) for r in rows]
    assert got == [
        (4, "신규고용 plan_year", "8.68"), (4, "사업화매출액 plan_year", "21.95"), (4, "사업화수출액 plan_year", "8.08"),
        (4, "특허출원·등록 base_year", "19.92"),  # printed one column left of the 특허 '25 it restates
        (5, "신규고용 base_year", "18.80"), (5, "신규고용 plan_year", "17.15"), (5, "사업화매출액 base_year", "52.00"),
        (5, "사업화매출액 plan_year", "44.24"), (5, "사업화수출액 plan_year", "31.32 (지역특화 + 성장사다리 통합)"),
        (6, "신규고용 plan_year", "11.50"), (6, "사업화매출액 plan_year", "27.88"),  # 1.0 / 2.0 are labels (the profile's)
    ]
    assert {r["identity_kind"] for r in rows} == {"restated"} and rows[8]["amount"] == Decimal("31.32")
