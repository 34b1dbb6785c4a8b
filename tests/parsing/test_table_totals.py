"""Context tables whose header declares their totals (docs/report-families.md 4.7), on fragments of the
gangwon-2025-plan: a 소계 column over the instrument columns, 1차년도 + 2차년도 = 합계 beside a 목표
column, and combined survey columns (①+② 불필요, ④+⑤ 필요)."""

from __future__ import annotations

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
