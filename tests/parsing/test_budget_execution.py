"""Budget execution parser (orchestration/parsing/budget_execution.py): fragments of the real reports
for every variant handled, then pins on the full bundled reports."""

from __future__ import annotations

from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from orchestration.parsing import budget_execution as be
from orchestration.parsing.reader import Report, read_report, split_tables
from orchestration.parsing.values import parse_date

ROOT = Path(__file__).resolve().parents[2]
REPORTS = ROOT / "seeds" / "reports"


def report_from(text: str, report_id: str = "fragment") -> Report:
    lines = text.split("\n")
    return Report(report_id=report_id, path="<fragment>", lines=lines, tables=split_tables(report_id, lines))


def by_line(rows: list[dict]) -> dict[int, dict]:
    return {r["source_line"]: r for r in rows}


def line_of(report: Report, startswith: str) -> int:
    return next(i for i, t in enumerate(report.lines, start=1) if t.startswith(startswith))


# ---------------------------------------------------------------------------------------------
# values.parse_date (appended to values.py for 비고 grant dates)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("20.04.13.", "2020-04-13"),
        ("20.03.31", "2020-03-31"),
        ("2024. 9. 30.", "2024-09-30"),
        ("'20. 6. 30", "2020-06-30"),
        ("미교부", None),
        ("-", None),
        ("20.13.01.", None),
        ("-인건비 집행 예정(12월)", None),
    ],
)
def test_parse_date(text, expected):
    assert parse_date(text) == expected


# ---------------------------------------------------------------------------------------------
# Fragments: 충북테크노파크 annex

TOC_TP = "\n".join(
    [
        "||| 목 차 |||",
        "",
        "Ⅲ. 전략목표별 추진계획\t25",
        "1. 정책기획단\t25",
        "2. 기업지원단\t30",
        "3. 반도체·IT센터\t35",
        "7. 수송기계부품센터\t50",
        "",
    ]
)

ANNEX_SUMMARY = """[별첨]

2024년도 예산 집행현황

(2024.9.30.현재, 단위 : 천원, %)

예산과목\t예산액\t집행액\t잔액\t집행률 (%)\t비고
합계\t168,017,072\t70,689,729\t97,327,343\t42\t
사업지출\t153,163,997\t69,963,394\t83,200,603\t46\t
재단운영지출\t14,548,696\t6,322,073\t8,226,623\t43\t
수익사업지출\t8,884,952\t5,110,948\t3,774,004\t58\t
고유목적사업지출\t129,730,349\t58,530,373\t71,199,976\t45\t
사업외지출\t14,853,075\t726,335\t14,126,740\t5\t
적립금\t13,912,075\t618,986\t13,293,089\t4\t
반환금\t141,000\t107,349\t33,651\t76\t
예비비\t800,000\t0\t800,000\t0\t

* 충북TP는 세입·세출 예산이 아닌 수입·지출 예산으로

□ 항목별 세부내역

○ 재단운영지출

(단위 : 천원, %)

예 산 과 목\t예산액\t집행액\t잔 액\t집행률(%)\t비 고
계\t14,548,696\t6,322,073\t8,226,623\t43\t
인건비(운영경비)\t6,059,877\t4,300,000\t1,759,877\t71\t
재단운영비\t7,397,535\t1,574,012\t5,823,523\t21\t
재료비기타\t18,400\t2,667\t15,733\t14\t
급 량 비\t54,930\t19,723\t35,207\t36\t
기 타\t9,528\t568\t8,960\t6\t
자 산 취 득 비\t1,091,284\t448,061\t643,223\t41\t

○ 수익사업지출

(단위 : 천원, %)

예산과목\t예산액\t집행액\t잔액\t집행률(%)\t비고
계\t8,884,952\t5,110,948\t3,774,004\t58\t
시설장비인건비\t735,701\t530,000\t205,701\t72\t
시설장비운영비\t7,997,751\t4,462,780\t3,534,971\t56\t
수선유지비\t2,015,851\t728,967\t1,286,884\t36\t
보험료\t200,000\t69,578\t130,422\t35\t
용역사업비\t151,500\t118,168\t33,332\t78\t"""

ANNEX_PROJECTS = """○ 고유목적사업지출 (1회 추정 현재)

- 목적사업비

(단위 : 천원, %)

사업명\t예산액\t집행액\t잔액\t집행률 (%)\t사유
계\t6,827,240\t1,529,411\t5,297,829\t22\t
1 산업기술단지 거점기능강화사업(정책기획단)\t1,097,399\t133,034\t964,365\t12\t-인건비 집행 예정(12월)
6 2024년 지역특화 프로젝트 지원사업\t400,000\t101,922\t298,078\t25\t-기업지원비 집행 예정(12월)
10 예산만이월(지역혁신거점육성사업 외 11개사업)\t226,011\t1,565\t224,446\t\t정산 및 반납중

- 수탁사업비

(단위 : 천원, %)

사업명\t\t예산액\t집행액\t잔액\t집행률 (%)\t사유
계\t\t122,903,109\t57,000,962\t65,902,147\t46\t
1\t국가혁신클러스터(비R&D)사업 -정책기획단\t878,159\t799,191\t78,968\t91\t
2\t규제자유특구혁신사업육성 (과제발굴 등)\t844,000\t598,853\t245,147\t71\t
8\t국가혁신클러스터(비R&D)-기업지원\t559,489\t21,116\t538,373\t4\t-기업지원비 집행 예정(11월)
9\t2022 충북지역주력 수출기업 biz 플랫폼 지원사업\t2,517,462\t1,898,072\t619,390\t75\t

(단위 : 천원, %)

사업명\t예산액\t집행액\t잔액\t집행률 (%)\t사유
52 이차전지 핵심 소재·부품 양산성 검증 플랫폼 구축사업\t2,614,145\t299,505\t2,314,640\t11\t-장비비 집행 예정 (10-12월)
53 암모니아 기반 수소 생산·활용 실증(R&D)\t107,714\t4,908\t102,806\t5\t-실증지원 사업비 집행예정(10-12월)

(단위 : 천원, %)

사업명\t\t예산액\t집행액\t잔액\t집행률 (%)\t사유
91\t국가혁신클러스터(비R&D)-수송기계부품 센터\t173,533\t39,889\t133,644\t23\t-장비유지비 집행 예정(10월)
124\t예산만이월 (규제자유특구 외 74개 사업)\t3,031,589\t1,566,982\t1,464,607\t\t정산 및 반납중"""


@pytest.fixture(scope="module")
def tp_fragment():
    report = report_from(TOC_TP + "\n" + ANNEX_SUMMARY + "\n\n" + ANNEX_PROJECTS)
    return report, be.extract(report)


def test_fragment_tables_and_keys(tp_fragment):
    report, rows = tp_fragment
    keys = Counter(r["table_key"] for r in rows)
    assert keys == {
        "execution_summary": 9,
        "foundation_operations": 7,
        "revenue_business": 6,
        "own_purpose_projects": 4,
        "commissioned_projects": 9,
    }
    names = {r["table_key"]: r["table_name"] for r in rows}
    assert names["execution_summary"] == "2024년도 예산 집행현황"
    assert names["foundation_operations"] == "재단운영지출"
    assert names["own_purpose_projects"] == "목적사업비"
    assert names["commissioned_projects"] == "수탁사업비"
    assert {r["unit"] for r in rows} == {"천원"}
    assert {r["as_of"] for r in rows} == {"2024-09-30"}  # carried from the 총괄 unit line


def test_fragment_summary_tree(tp_fragment):
    report, rows = tp_fragment
    rows = by_line(rows)
    total = rows[line_of(report, "합계")]
    business = rows[line_of(report, "사업지출")]
    other = rows[line_of(report, "사업외지출")]
    assert total["parent_row_id"] is None and total["row_kind"] == "total" and total["level"] == 0
    assert business["parent_row_id"] == total["row_id"] and business["row_kind"] == "group"
    assert other["parent_row_id"] == total["row_id"] and other["row_kind"] == "group"
    assert rows[line_of(report, "고유목적사업지출")]["parent_row_id"] == business["row_id"]
    assert rows[line_of(report, "예비비")]["parent_row_id"] == other["row_id"]
    assert rows[line_of(report, "예비비")]["executed"] == Decimal(0)
    assert total["budget_won"] == Decimal("168017072000")
    assert total["rate_reported"] == Decimal(42) and total["rate_scale"] == 0
    assert total["note_kind"] is None and total["note_label"] == "비고"


def test_fragment_foundation_group_ends_before_asset_acquisition(tp_fragment):
    report, rows = tp_fragment
    rows = by_line(rows)
    root = rows[line_of(report, "계\t14,548,696")]
    group = rows[line_of(report, "재단운영비")]
    assets = rows[line_of(report, "자 산 취 득 비")]
    assert group["parent_row_id"] == root["row_id"] and group["row_kind"] == "group"
    assert rows[line_of(report, "급 량 비")]["parent_row_id"] == group["row_id"]
    assert rows[line_of(report, "급 량 비")]["item_name"] == "급량비"
    assert rows[line_of(report, "기 타")]["parent_row_id"] == group["row_id"]
    assert assets["item_name"] == "자산취득비" and assets["label_raw"] == "자 산 취 득 비"
    assert assets["parent_row_id"] == root["row_id"] and assets["level"] == 1
    # the detail table's 계 names the 총괄 row it details
    assert root["summary_row_id"] == rows[line_of(report, "재단운영지출\t")]["row_id"]


def test_fragment_revenue_group(tp_fragment):
    report, rows = tp_fragment
    rows = by_line(rows)
    group = rows[line_of(report, "시설장비운영비")]
    assert rows[line_of(report, "보험료")]["parent_row_id"] == group["row_id"]
    assert rows[line_of(report, "용역사업비")]["parent_row_id"] == rows[line_of(report, "계\t8,884,952")]["row_id"]
    assert rows[line_of(report, "계\t8,884,952")]["summary_row_id"] == rows[line_of(report, "수익사업지출")]["row_id"]


def test_fragment_own_purpose_glued_numbers(tp_fragment):
    report, rows = tp_fragment
    rows = by_line(rows)
    root = rows[line_of(report, "계\t6,827,240")]
    first = rows[line_of(report, "1 산업기술단지")]
    assert first["item_no"] == 1 and first["item_name"] == "산업기술단지 거점기능강화사업(정책기획단)"
    assert first["department"] == "정책기획단" and first["department_no"] == 1
    assert first["note_text"] == "-인건비 집행 예정(12월)" and first["note_kind"] == "text"
    assert first["note_label"] == "사유" and first["grant_status"] is None
    sixth = rows[line_of(report, "6 2024년")]
    assert sixth["item_no"] == 6 and sixth["item_name"] == "2024년 지역특화 프로젝트 지원사업"
    assert sixth["department"] is None
    assert "item_no_gap" in sixth["flags"]  # 1 then 6: the fragment skips rows
    carry = rows[line_of(report, "10 예산만이월")]
    assert carry["rate_reported"] is None and carry["rate_flag"] == "blank" and carry["rate_printed"] is None
    assert carry["note_text"] == "정산 및 반납중"
    assert carry["parent_row_id"] == root["row_id"]
    summary = rows[line_of(report, "고유목적사업지출")]
    assert root["summary_row_id"] == summary["row_id"]


def test_fragment_commissioned_chunks_joined(tp_fragment):
    report, rows = tp_fragment
    rows_at = by_line(rows)
    root = rows_at[line_of(report, "계\t\t122,903,109")]
    commissioned = [r for r in rows if r["table_key"] == "commissioned_projects"]
    assert {r["logical_table_no"] for r in commissioned} == {root["table_no"]}
    assert all(r["parent_row_id"] == root["row_id"] for r in commissioned if r is not root)
    assert [r["item_no"] for r in commissioned] == [None, 1, 2, 8, 9, 52, 53, 91, 124]
    own_cell = rows_at[line_of(report, "1\t국가혁신")]
    assert own_cell["item_name"] == "국가혁신클러스터(비R&D)사업 -정책기획단"
    assert own_cell["department"] == "정책기획단"
    assert rows_at[line_of(report, "8\t국가혁신")]["department"] == "기업지원단"
    assert rows_at[line_of(report, "91\t")]["department"] == "수송기계부품센터"
    assert rows_at[line_of(report, "2\t규제자유")]["department"] is None  # '(과제발굴 등)' is no department
    year_name = rows_at[line_of(report, "9\t2022")]
    assert year_name["item_no"] == 9 and year_name["item_name"].startswith("2022 충북지역주력")
    glued = rows_at[line_of(report, "52 이차전지")]
    assert glued["item_no"] == 52 and glued["item_name"] == "이차전지 핵심 소재·부품 양산성 검증 플랫폼 구축사업"
    assert glued["budget_won"] == Decimal("2614145000") and glued["rate_reported"] == Decimal(11)
    assert glued["flags"] is None or "realigned" not in glued["flags"]  # its own 6-cell header
    last = rows_at[len(report.lines)]  # the unterminated last line is a row
    assert last["item_no"] == 124 and last["rate_reported"] is None
    assert root["summary_row_id"] == rows_at[line_of(report, "고유목적사업지출")]["row_id"]


def test_commissioned_chunks_joined_when_reader_keeps_them_apart(tp_fragment):
    """The parser joins a chunk the reader left as its own table (only blank/unit lines between)."""
    import dataclasses

    report, _ = tp_fragment
    split = []
    for table in report.tables:
        if not any(r.role == "repeated_header" for r in table.rows):
            split.append(table)
            continue
        chunks: list[list] = [[]]
        for row in table.rows:
            if row.role == "repeated_header":
                chunks.append([])
            chunks[-1].append(row)
        for i, chunk in enumerate(chunks):
            context = {} if i == 0 else {"title": None, "heading": None, "title_line": None, "heading_line": None}
            split.append(dataclasses.replace(
                table, rows=chunk, first_line=chunk[0].line_no, last_line=chunk[-1].line_no, chunks=1, **context))
    for number, table in enumerate(split, start=1):
        table.table_no = number
        for row in table.rows[:1]:
            if row.role == "repeated_header":
                row.role = "header"
    alt = Report(report.report_id, report.path, report.lines, split)
    rows = [r for r in be.extract(alt) if r["table_key"] == "commissioned_projects"]
    assert len({r["table_no"] for r in rows}) == 3
    assert len({r["logical_table_no"] for r in rows}) == 1
    assert [r["item_no"] for r in rows] == [None, 1, 2, 8, 9, 52, 53, 91, 124]
    assert not any(r["flags"] and "realigned" in r["flags"] for r in rows)


# ---------------------------------------------------------------------------------------------
# Fragment: 충북과학기술혁신원 총괄

STI = """# 목 차

I . 일반현황\t1
III . 전략목표별 추진상황\t6
1. ICT융합 혁신성장 플랫폼 구축\t6
2. 뉴 콘텐츠 산업 혁신 주도 성장 견인\t11
3. 과학기술을 통한 지역혁신성장동력 확보\t15
4. 중소벤처기업의 든든한 성장발판 마련\t19
IV . 주요 현안사업\t24

## 2020년도 상반기 예산집행 현황

□ 총 괄

('20. 6. 30 현재, 단위 : 천원)

구분\t사업명\t예산액\t집행액\t잔 액\t집행률\t비고 (교부일자)
<b>계</b>\t\t<b>26,507,677</b>\t<b>4,178,057</b>\t<b>22,329,620</b>\t<b>15.7%</b>\t<b>-</b>
ICT 융합 혁신성장 플랫폼 구축\tS W 융 합 클 러 스 터 2 . 0\t2,094,000\t200,307\t1,893,693\t9.6%\t20.04.13.
\t충북인공지능진흥컨트론타워 기 반 마 련 사 업\t175,000\t0\t175,000\t0.0%\t미교부
뉴 콘텐츠 산업 혁신 주도 성장 전 인\t콘텐츠산업 지역거점기관운영\t800,000\t10,321\t789,679\t1.3%\t20.05.18.

구분\t사업명\t예산액\t집행액\t잔액\t집행률\t비고 (교부일자)
\t충북인터넷방송운영\t450,000\t204,636\t245,364\t45.5%\t20.02.07.
과학기술을 통한 지역혁신성장 동력 확보\t연구개발지원단지지원사업\t380,000\t36,504\t343,496\t9.6%\t20.04.29.
중소벤처 기업의 성장 발판 관련\t시군지역특화산업육성\t1,200,000\t58,964\t1,141,036\t4.9%\t20.03.16.
중소기업저작권서비스센터운영\t230,000\t44,223\t185,777\t19.2%\t20.03.18.\t

구분\t사업명\t예산액\t집행액\t잔액\t집행률\t비고 (교부일자)
\t중부정보보호지원센터\t465,000\t365,858\t99,142\t78.7%\t20.03.23.
기관운영 (기타)\t충북과학기술혁신원운영\t2,282,048\t761,305\t1,520,743\t33.4%\t-
\t자본예산\t351,949\t53,966\t297,983\t15.3%\t-"""


@pytest.fixture(scope="module")
def sti_fragment():
    report = report_from(STI)
    return report, be.extract(report)


def test_sti_total_and_dates(sti_fragment):
    report, rows = sti_fragment
    at = by_line(rows)
    total = at[line_of(report, "<b>계</b>")]
    assert total["row_kind"] == "total" and total["parent_row_id"] is None
    assert total["item_name"] == "계" and total["goal_no"] is None
    assert total["rate_reported"] == Decimal("15.7") and total["rate_scale"] == 1
    assert total["budget_won"] == Decimal("26507677000") and total["note_kind"] == "dash"
    assert total["table_key"] == "execution_summary" and total["table_name"] == "총괄"
    assert total["as_of"] == "2020-06-30" and total["unit"] == "천원"
    first = at[line_of(report, "ICT 융합")]
    assert first["item_name"] == "SW융합클러스터2.0" and first["grant_date"] == "2020-04-13"
    assert first["grant_status"] == "granted" and first["note_label"] == "비고 (교부일자)"
    not_granted = at[line_of(report, "\t충북인공지능")]
    assert not_granted["grant_status"] == "not_granted" and not_granted["grant_date"] is None
    assert not_granted["note_kind"] == "not_granted" and not_granted["executed_won"] == Decimal(0)
    assert all(r["parent_row_id"] == total["row_id"] for r in rows if r is not total)
    assert len(rows) == 11


def test_sti_goals_fill_down_and_fuzzy_match(sti_fragment):
    report, rows = sti_fragment
    at = by_line(rows)
    assert at[line_of(report, "ICT 융합")]["goal_no"] == 1
    assert at[line_of(report, "\t충북인공지능")]["goal_no"] == 1  # filled down
    garbled = at[line_of(report, "뉴 콘텐츠")]
    assert garbled["goal_no"] == 2 and garbled["goal_name"] == "뉴 콘텐츠 산업 혁신 주도 성장 견인"
    assert garbled["group_label_raw"] == "뉴 콘텐츠 산업 혁신 주도 성장 전 인"
    assert at[line_of(report, "\t충북인터넷방송운영")]["goal_no"] == 2  # across the page break
    assert at[line_of(report, "과학기술을")]["goal_no"] == 3
    assert at[line_of(report, "중소벤처 기업의")]["goal_no"] == 4
    operations = at[line_of(report, "기관운영")]
    assert operations["goal_no"] is None and operations["group_name"] == "기관운영 (기타)"
    assert at[line_of(report, "\t자본예산")]["goal_no"] is None


def test_sti_realigned_row(sti_fragment):
    report, rows = sti_fragment
    at = by_line(rows)
    row = at[line_of(report, "중소기업저작권서비스센터운영")]
    assert row["flags"] == "realigned"
    assert row["item_name"] == "중소기업저작권서비스센터운영"
    assert row["budget_won"] == Decimal("230000000") and row["executed_won"] == Decimal("44223000")
    assert row["balance_won"] == Decimal("185777000") and row["rate_reported"] == Decimal("19.2")
    assert row["grant_date"] == "2020-03-18"
    assert row["goal_no"] == 4 and row["group_label_raw"] == "중소벤처 기업의 성장 발판 관련"  # stays in its group
    assert at[line_of(report, "\t중부정보보호")]["goal_no"] == 4


def test_no_execution_table_no_rows():
    report = report_from("(단위 : 억원)\n\n구분\t국비\t지방비\t합계\n총 계\t101.195\t44.925\t146.12")
    assert be.extract(report) == []


# ---------------------------------------------------------------------------------------------
# Full bundled reports


@pytest.fixture(scope="module")
def tp():
    return be.extract(read_report("chungbuk-tp-2024-q3", REPORTS / "chungbuk-tp-2024-q3.txt"))


@pytest.fixture(scope="module")
def sti():
    return be.extract(read_report("chungbuk-sti-2020-h1", REPORTS / "chungbuk-sti-2020-h1.txt"))


def test_full_row_counts(tp, sti):
    assert Counter(r["table_key"] for r in tp) == {
        "execution_summary": 9,
        "foundation_operations": 27,
        "revenue_business": 9,
        "own_purpose_projects": 11,
        "commissioned_projects": 125,
    }
    assert Counter(r["table_key"] for r in sti) == {"execution_summary": 53}
    assert len({r["row_id"] for r in tp}) == len(tp) and len({r["row_id"] for r in sti}) == len(sti)
    report = read_report("gangwon-2025-plan", REPORTS / "gangwon-2025-plan.txt")
    assert be.extract(report) == []


def test_full_columns_declared(tp, sti):
    for row in tp + sti:
        assert set(row) <= set(be.COLUMNS)


def _pin(rows, line):
    return next(r for r in rows if r["source_line"] == line)


def test_full_tp_pins(tp):
    total = _pin(tp, 1776)
    assert (total["item_name"], total["budget_won"], total["executed_won"], total["balance_won"]) == (
        "합계", Decimal("168017072000"), Decimal("70689729000"), Decimal("97327343000"))
    assert total["parent_row_id"] is None
    assert _pin(tp, 1784)["parent_row_id"] == "t25:L1781"
    assets = _pin(tp, 1823)
    assert (assets["item_name"], assets["parent_row_id"], assets["budget_won"]) == (
        "자산취득비", "t26:L1797", Decimal("1091284000"))
    assert _pin(tp, 1822)["parent_row_id"] == "t26:L1799"  # 기 타 under 재단운영비
    assert _pin(tp, 1838)["parent_row_id"] == "t27:L1830"  # 용역사업비 sibling of 시설장비운영비
    carry = _pin(tp, 1857)
    assert (carry["item_no"], carry["rate_reported"], carry["note_text"]) == (10, None, "정산 및 반납중")
    glued = _pin(tp, 1928)
    assert (glued["item_no"], glued["table_key"], glued["parent_row_id"], glued["flags"]) == (
        52, "commissioned_projects", "t29:L1864", None)
    last = tp[-1]
    assert last["source_line"] == 2012 and last["item_no"] == 124
    assert last["budget_won"] == Decimal("3031589000") and last["rate_reported"] is None
    items = [r["item_no"] for r in tp if r["table_key"] == "commissioned_projects" and r["row_kind"] == "item"]
    assert items == list(range(1, 125))
    depts = {r["source_line"]: r["department"] for r in tp if r["department"]}
    assert depts == {1848: "정책기획단", 1849: "기업지원단", 1865: "정책기획단", 1872: "기업지원단",
                     1975: "수송기계부품센터"}
    assert not any(r["flags"] for r in tp)
    assert {r["summary_row_id"] for r in tp if r["summary_row_id"]} == {"t25:L1778", "t25:L1779", "t25:L1780"}


def test_full_sti_pins(sti):
    realigned = [r for r in sti if r["flags"]]
    assert [(r["source_line"], r["flags"]) for r in realigned] == [(1103, "realigned")]
    row = realigned[0]
    assert (row["budget_won"], row["goal_no"], row["grant_date"]) == (Decimal("230000000"), 4, "2020-03-18")
    goals = Counter(r["goal_no"] for r in sti if r["row_kind"] == "item")
    assert goals == {1: 11, 2: 7, 3: 13, 4: 19, None: 2}
    assert _pin(sti, 1080)["goal_no"] == 2  # filled down across the page break
    assert Counter(r["grant_status"] for r in sti) == {"granted": 45, "not_granted": 5, None: 3}
    assert _pin(sti, 1116)["note_kind"] == "dash"


@pytest.mark.parametrize("report_fixture", ["tp", "sti"])
def test_full_totals_add_up(report_fixture, request):
    """Every parent = Σ children (budget, executed, balance) and balance = budget − executed on each
    row: true for the bundled reports (the checks a gate runs, here as a parser regression)."""
    rows = request.getfixturevalue(report_fixture)
    sums: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 3)
    for r in rows:
        assert r["budget_won"] - r["executed_won"] == r["balance_won"], r["source_line"]
        if r["parent_row_id"]:
            for i, m in enumerate(("budget_won", "executed_won", "balance_won")):
                sums[r["parent_row_id"]][i] += r[m]
    parents = {r["row_id"]: r for r in rows}
    assert sums
    for parent_id, (b, e, bal) in sums.items():
        p = parents[parent_id]
        assert (p["budget_won"], p["executed_won"], p["balance_won"]) == (b, e, bal), parent_id
