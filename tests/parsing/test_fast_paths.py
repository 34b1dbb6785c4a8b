"""The parsers' fast paths (cheap tests that skip work) must never skip a line or cell the full path
would read: each is checked here against the full path on markup and entity spellings."""

import json

import pytest

from orchestration.parsing import budget_execution as be
from orchestration.parsing import kpi
from orchestration.parsing import performance_targets as pt
from orchestration.parsing import project_funding as pf
from orchestration.parsing import values
from orchestration.parsing.extractors import _json_bools, _json_strings
from orchestration.parsing.reader import ReportFormatError, _refuse_mojibake


def test_memoize_is_cleared_with_the_value_memos():
    calls = []

    @values.memoize
    def double(text: str) -> str:
        calls.append(text)
        return text * 2

    assert double("a") == double("a") == "aa" and calls == ["a"]
    values.clear_memo()
    assert double("a") == "aa" and calls == ["a", "a"]


@pytest.mark.parametrize(
    "cell",
    [
        "(공통) 신규고용 229.18명 (ROI)1.80",
        "(공통) 신규고용 229.18명 (R**OI)1.80",  # bold markers inside the word
        "(공통) 신규고용 229.18명 (R<i>O</i>I)1.80",
        "(공통) 신규고용 229.18명 (&#82;OI)1.80",  # a numeric entity for a letter
        "(공통) 신규고용 229.18명 (R&ast;&ast;OI)1.80",  # named entities for the bold markers
        "(공통) 신규고용 229.18명 (R\\OI)1.80",
    ],
)
def test_headline_prefilter_keeps_every_headline(cell):
    assert pt._HEADLINE.match(values.strip_markup(cell)) or "\\" in cell
    assert pt._may_hold_headline(cell)


def test_headline_prefilter_skips_rows_without_the_letters():
    assert not pt._may_hold_headline("R&D 합계\t34.03\t12.77")
    assert not pt._may_hold_headline("<b>총 계</b>\t111.18")


@pytest.mark.parametrize(
    "cell",
    [
        "사업비 : 280억원(국비 140, 도비 65, 시비 65, 민간 10)",
        "사업비 : 280억<b>원</b>(국비 140)",
        "사업비 : 280&#50613;원(국비 140)",  # 억 as an entity
        "사업비 : 280억원&#40;국비 140)",  # '(' as an entity
    ],
)
def test_funding_prefilters_keep_every_expression(cell):
    text = pf.clean_text(cell)
    assert pf.find_funding(text)
    assert pf._may_hold_funding(cell)
    assert pf._UNIT_PAREN.search(text)


def test_funding_prefilters_skip_cells_without_unit_or_parenthesis():
    assert not pf._may_hold_funding("장비 계약 4.68")
    assert not pf._may_hold_funding("280억원 규모")
    assert pf.find_funding("장비 계약(4.68억)") == []


@pytest.mark.parametrize("line", ["현안사업 1 : 수소 클러스터", "**현안**사업 2 : 이름", "&#54788;안사업 3 : 이름"])
def test_key_project_prefilter(line):
    assert pf._KEY_PROJECT.match(values.strip_markup(line))
    assert pf._may_be_key_project(line)


@pytest.mark.parametrize("line", ["Ⅲ. 주요업무 추진상황", "# **III. 주요업무**", "&#8546;. 주요업무"])
def test_part_prefilter(line):
    assert kpi._MAY_BE_PART.search(line)


def test_task_end_prefilter():
    for text in ("추진여건", "추 진 여 건", "이행과제", "이행&#44284;제"):
        assert kpi._MAY_END_TASK.search(text)
    assert not kpi._MAY_END_TASK.search("추진 현황")


def test_match_kpi_without_colon_is_only_status_only():
    assert kpi.match_kpi("- 기술지원 (32건) 33건") is None
    assert kpi.match_kpi("□ 기업 지원 (상시운영)", allow_status_only=True).status == "상시운영"


@pytest.mark.parametrize(
    "cell, expected",
    [
        ("예산액", ("budget",)),
        ("예 산 액(천원)", ("budget",)),
        ("예산", ("budget",)),
        ("예산현액", ("budget",)),
        ("집행", ("executed",)),
        ("집행실적", ("executed",)),
        ("집행잔액", ("balance", "executed")),
        ("집행률(%)", ("rate", "executed")),
        ("비고·사유", ("note",)),
        ("<b>구 분</b>", ("group",)),
        ("사업명/과목", ("name",)),
        ("예산과목", ("name", "budget")),
        ("계", ()),
        ("", ()),
        ("1,234", ()),
    ],
)
def test_header_columns_match_the_header_words(cell, expected):
    words = be.header_words(read_report_text("agency_status_report"))
    assert be._header_columns(cell, words) == expected


def read_report_text(family):
    from orchestration.parsing.reader import Report

    return Report(report_id="fragment", path="fragment", lines=[], family=family)


@pytest.mark.parametrize("items", [[], ["a"], ["가\"\\\n", "<b>x</b>", ""], ["a", 1], [None]])
def test_json_strings_is_json_dumps(items):
    assert _json_strings(items) == json.dumps(items, ensure_ascii=False)


@pytest.mark.parametrize("items", [[], [True], [True, False, False], [1, 0], [True, 1], [None]])
def test_json_bools_is_json_dumps(items):
    assert _json_bools(items) == json.dumps(items)


def _refusal(lines):
    try:
        _refuse_mojibake("r.txt", lines, "utf-8")
    except ReportFormatError as exc:
        return exc.line, str(exc)
    return None


def test_mojibake_checks_name_the_line():
    korean = "가나다라 마바사 아자차카 " * 3
    assert _refusal([korean, "내용 中 新", korean]) is None  # a handful of Hanja
    assert _refusal([korean, "× ÷ 10", korean]) is None  # symbols, not Latin-1 letters
    line, message = _refusal([korean, korean, "replace \ufffd here"])
    assert line == 3 and "U+FFFD" in message
    line, message = _refusal([korean, "ê°€ë‚˜ë‹¤", korean])
    assert line == 2 and "another encoding" in message
    line, message = _refusal(["Ã©Ã¨", "abc"])
    assert line == 1 and "no Korean text" in message
    line, message = _refusal(["中" * 2 + korean] * 15)
    assert line == 1 and "30 Hanja/Latin-1 characters for" in message


@pytest.mark.parametrize("title", ["목 차", "**목** 차", "<b>목</b>·차", "&#47785;차"])
def test_toc_table_is_found_whatever_its_title_markup(title):
    from orchestration.parsing.reader import Report, split_tables
    from orchestration.parsing.structure import numbered_entries

    lines = [title, "", "III. 주요업무\t5", "1. 정책기획단\t6", "2. 기업지원단\t9"]
    report = Report(report_id="toc", path="<fragment>", lines=lines, tables=split_tables("toc", lines))
    assert numbered_entries(report) == {1: "정책기획단", 2: "기업지원단"}
