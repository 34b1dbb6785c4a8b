"""The raw reader on fragments of the real reports: boundaries, context, HTML, line numbers."""

from pathlib import Path

import pytest

from orchestration.parsing.reader import ReportFormatError, decode_report, read_report, split_tables

SEEDS = Path(__file__).resolve().parents[2] / "seeds" / "reports"

# 충북테크노파크 annex: 수탁사업비 split over a page break (unit line and header repeated).
COMMISSIONED = """\
- 수탁사업비

(단위 : 천원, %)

사업명\t\t예산액\t집행액\t잔액\t집행률 (%)\t사유
계\t\t122,903,109\t57,000,962\t65,902,147\t46\t
1\t국가혁신클러스터(비R&D)사업 -정책기획단\t878,159\t799,191\t78,968\t91\t
19\t2023 지역기업-청년 희망이음지원사업(충북, 대전)\t237,730\t187,746\t49,984\t79\t

(단위 : 천원, %)

사업명\t\t예산액\t집행액\t잔액\t집행률 (%)\t사유
20\t2024 청주시 중소기업 R&D 정부공모과제 지원사업\t200,000\t10,790\t189,210\t5\t-기업지원비 집행 예정(10월)
124\t예산만이월 (규제자유특구 외 74개 사업)\t3,031,589\t1,566,982\t1,464,607\t\t정산 및 반납중"""

# 충북과학기술혁신원: two tables separated by a blank line only, the second split with a changed header.
NEW_PROJECTS = """\
### <연도별 신규사업 확보실적>

('20. 6. 30 현재, 단위 : 건, 천원)

구 분\t2017년\t2018년\t2019년\t2020년
건 수\t6\t4\t9\t28
총사업비\t2,200,000\t1,000,000\t15,900,000\t42,273,000

번호\t사업명\t사업기간\t사업비(천원)\t주관부처
합 계\t\t\t42,273,000\t-
13\t신중년경력형일자리사업\t2020.3.1.~2020.11.30. (9개월)\t1,000,000\t고용노동부



번호\t사업명\t사업기간\t사업비(현금)\t주관부처
14\t자동차부품산업경쟁력고도화지원사업\t2020.3.1.~2020.12.31. (10개월)\t500,000\t충청북도"""

# Two budget tables separated by prose: two tables, each with its own heading and unit line.
INCOME_EXPENSE = """\
3 예산규모

○ 수입예산 : 168,017백만원

(단위 : 백만원)

예산과목\t계\t정책 기획단
계\t168,017\t3,546
내부전입제거\t△3,500\t0

○ 지출예산 : 168,017백만원

(단위 : 백만원)

예산과목\t계\t정책 기획단
계\t168,017\t3,854"""

EXECUTION_HTML = """\
□ 총 괄

('20. 6. 30 현재, 단위 : 천원)

구분\t사업명\t예산액\t집행액\t잔 액\t집행률\t비고 (교부일자)
<b>계</b>\t\t<b>26,507,677</b>\t<b>4,178,057</b>\t<b>22,329,620</b>\t<b>15.7%</b>\t<b>-</b>
ICT 융합 혁신성장 플랫폼 구축\tS W 융 합 클 러 스 터 2 . 0\t2,094,000\t200,307\t1,893,693\t9.6%\t20.04.13.
2010년\t<ul style="list-style-type: none"> 4월 테크노파크 거버넌스 조직개편 &amp; 출범</ul>\t1\t1\t0\t0%\t-"""


def lines_of(text: str) -> list[str]:
    return text.split("\n")


def test_page_split_table_is_one_table_with_repeated_header_marked():
    tables = split_tables("t", lines_of(COMMISSIONED))
    assert len(tables) == 1
    table = tables[0]
    assert table.chunks == 2
    assert [r.role for r in table.rows].count("repeated_header") == 1
    assert [r.cells[0] for r in table.data] == ["계", "1", "19", "20", "124"]
    assert table.title == "- 수탁사업비"
    assert table.unit_text == "(단위 : 천원, %)"
    assert table.units == ("천원", "%")


def test_unterminated_last_line_is_kept_with_its_line_number():
    table = split_tables("t", lines_of(COMMISSIONED))[0]
    last = table.rows[-1]
    assert last.line_no == len(lines_of(COMMISSIONED))
    assert last.cells[1] == "예산만이월 (규제자유특구 외 74개 사업)"
    assert last.cells[5] == ""  # blank rate stays blank


def test_tables_separated_by_blank_line_only_stay_apart_and_header_spelling_may_change():
    tables = split_tables("t", lines_of(NEW_PROJECTS))
    assert len(tables) == 2
    yearly, projects = tables
    assert yearly.title == "### <연도별 신규사업 확보실적>"  # angle brackets are text, not HTML
    assert yearly.as_of == "2020-06-30"
    assert [r.cells[0] for r in yearly.data] == ["건 수", "총사업비"]
    # 사업비(천원) -> 사업비(현금) on the next page: still the same table.
    assert projects.chunks == 2
    assert [r.cells[0] for r in projects.data] == ["합 계", "13", "14"]
    assert projects.rows[-1].line_no == len(lines_of(NEW_PROJECTS))


def test_tables_separated_by_prose_are_two_with_their_own_heading_and_unit():
    income, expense = split_tables("t", lines_of(INCOME_EXPENSE))
    assert income.title == "○ 수입예산 : 168,017백만원" and expense.title == "○ 지출예산 : 168,017백만원"
    assert income.heading.startswith("○ 수입예산") and expense.heading.startswith("○ 지출예산")
    assert income.unit_text == expense.unit_text == "(단위 : 백만원)"
    assert income.unit_line == 5 and expense.unit_line == 13
    assert income.first_line == 7 and income.last_line == 9
    assert income.header_rows == 1 and income.header[0].cells[2] == "정책 기획단"


def test_html_in_cells_is_reduced_to_text_and_bold_is_noted():
    table = split_tables("t", lines_of(EXECUTION_HTML))[0]
    total, first, history = table.data
    assert total.cells[:3] == ["계", "", "26,507,677"]
    assert all(total.bold[i] for i in (0, 2, 3, 4, 5))
    assert not any(first.bold)
    assert first.cells[1] == "S W 융 합 클 러 스 터 2 . 0"  # raw layer keeps the printed spacing
    assert history.cells[1] == "4월 테크노파크 거버넌스 조직개편 & 출범"
    assert table.as_of == "2020-06-30"


def test_empty_binary_and_wrongly_encoded_files_fail_naming_the_file(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"\n \n")
    with pytest.raises(ReportFormatError, match="empty.txt: the file is empty"):
        decode_report(empty)
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"PK\x03\x04\x00\x00abc")
    with pytest.raises(ReportFormatError, match="binary"):
        decode_report(binary)
    cp949 = tmp_path / "cp949.txt"
    cp949.write_bytes("첫 줄\n예산과목\t계\n계\t1,000".encode("cp949"))
    with pytest.raises(ReportFormatError, match=r"cp949.txt, line 1: not valid utf-8"):
        decode_report(cp949)
    assert decode_report(cp949, "cp949")[1] == "예산과목\t계"


def test_crlf_and_bom_are_normalized(tmp_path):
    path = tmp_path / "crlf.txt"
    path.write_bytes(b"\xef\xbb\xbf" + "제목\r\n\r\n구분\t값\r\n계\t1".encode())
    assert decode_report(path) == ["제목", "", "구분\t값", "계\t1"]


@pytest.mark.parametrize(
    "report_id, tables, rows, last_line",
    [
        ("chungbuk-tp-2024-q3", 29, 334, 2012),
        ("chungbuk-sti-2020-h1", 22, 163, 1116),
        ("gangwon-2025-plan", 332, 2774, 7226),
    ],
)
def test_bundled_reports_every_tab_line_is_in_exactly_one_table(report_id, tables, rows, last_line):
    report = read_report(report_id, SEEDS / f"{report_id}.txt")
    tab_lines = [n for n, t in enumerate(report.lines, 1) if "\t" in t and t.strip()]
    table_lines = [r.line_no for t in report.tables for r in t.rows]
    assert sorted(table_lines) == tab_lines  # every tab-separated line, once
    assert len(report.tables) == tables and len(table_lines) == rows
    assert len(report.lines) == last_line
    for table in report.tables:
        for row in table.rows:
            assert report.line(row.line_no) == row.raw_text


def test_bundled_annex_tables_have_title_unit_and_as_of():
    report = read_report("chungbuk-tp-2024-q3", SEEDS / "chungbuk-tp-2024-q3.txt")
    by_title = {t.title: t for t in report.tables}
    summary = by_title["2024년도 예산 집행현황"]
    assert summary.as_of == "2024-09-30" and summary.units == ("천원", "%")
    assert summary.data[0].cells[:2] == ["합계", "168,017,072"]
    commissioned = by_title["- 수탁사업비"]
    assert commissioned.chunks == 7
    assert commissioned.last_line == len(report.lines)
    assert len(commissioned.data) == 125  # 계 + 124 numbered projects
    staffing = next(t for t in report.tables if t.title and t.title.startswith("정·현원표"))
    assert staffing.header_rows == 3 and staffing.section == "I. 일반현황 > 1 조직 및 인력"
