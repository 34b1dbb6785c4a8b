"""Facility parser (시설현황, docs/report-families.md 1.6) on fragments of the real reports."""

from __future__ import annotations

from orchestration.parsing.facilities import extract
from orchestration.parsing.reader import Report, split_tables

# chungbuk-tp-2024-q3, I. 일반현황 > 4 시설현황 (its lines 150-178, two of its 18 blocks) and the next part
TP_FRAGMENT = (
    "4 시설현황\n\n현황\t부지/연면적\t부지 121,539㎡/연면적 80,977.32㎡ / 건물 21개동\n\t장비\t829종 1,239대\n"
    "\t입주기업\t94개사, 10개 기관\n\n※ 정관 기준 재단 기본재산 목록 반영(2024.4.24. 개정)\n\n본부관\n\n"
    "- 위치 : 청주시 청원구 오창읍 연구단지 76\n- 규모 : 연면적 11,337.87㎡(지상 4층)\n- 장비 : 분석장비 등 44종 64대\n\n\n\n"
    "배터리 연구지원센터\n\n- 위치 : 진천군 문백면 농다리로 204, 240\n- 규모 : 부지 29,752㎡, 연면적 881.37㎡\n"
    "- 장비 : 5Ah 배터리 제조장비 등 6종 31대\n\n\n\n5 부서별 주요 업무\n\n- 규모 : 연면적 1㎡"
)

# chungbuk-sti-2020-h1, □ 주요 시설현황 (its lines 87-106): markdown headings, no totals
STI_FRAGMENT = (
    "## □ 주요 시설현황\n\n### 시설 개요\n\n### 전경 사진\n\n#### ✓ 벤처프라자\n\n- 위치 : 청주시 청원구 오창읍 각리 1길 7\n"
    "- 면적 : 7,206.45㎡\n- 비고 : IT·BT·CT 중소·벤처기업 입주\n\n\n\n#### ✓ 충북과학기술진흥센터(별관동 1·2층)\n\n"
    "- 위치 : 청주시 청원구 오창읍 각리 1길 97\n- 면적 : 3,289.88㎡\n\n## II. '20년도 비전과 추진전략\n\n- 면적 : 5㎡"
)


def report_from(text: str, family: str = "agency_status_report") -> Report:
    lines = text.split("\n")
    return Report(report_id="fragment", path="<fragment>", lines=lines, tables=split_tables("fragment", lines),
                  family=family)


def figures(rows, kind):
    return {(r["facility_name"] or r["row_label"], r["measure"]): r["value_printed"] for r in rows if r["row_kind"] == kind}


def test_headline_table_gives_the_totals():
    rows = extract(report_from(TP_FRAGMENT))
    assert figures(rows, "total") == {
        ("부지/연면적", "site_area"): "121,539",
        ("부지/연면적", "floor_area"): "80,977.32",
        ("부지/연면적", "buildings"): "21",
        ("장비", "equipment_kinds"): "829",
        ("장비", "equipment_units"): "1,239",
    }
    assert {r["table_no"] for r in rows if r["row_kind"] == "total"} == {1}
    assert {r["printed_scale"] for r in rows if r["measure"] == "floor_area" and r["row_kind"] == "total"} == {2}


def test_facility_blocks_give_their_figures_and_the_section_ends_at_the_next_part():
    rows = extract(report_from(TP_FRAGMENT))
    # the 4층 of (지상 4층) and the 5Ah of a machine name are no figures; 면적 is not read inside 연면적;
    # the block-shaped line after `5 부서별 주요 업무` is outside the section
    assert figures(rows, "facility") == {
        ("본부관", "floor_area"): "11,337.87",
        ("본부관", "equipment_kinds"): "44",
        ("본부관", "equipment_units"): "64",
        ("배터리 연구지원센터", "site_area"): "29,752",
        ("배터리 연구지원센터", "floor_area"): "881.37",
        ("배터리 연구지원센터", "equipment_kinds"): "6",
        ("배터리 연구지원센터", "equipment_units"): "31",
    }
    assert {r["section_line"] for r in rows} == {1}


def test_markdown_section_without_totals():
    rows = extract(report_from(STI_FRAGMENT))
    assert figures(rows, "total") == {}
    assert figures(rows, "facility") == {
        ("벤처프라자", "floor_area"): "7,206.45",
        ("충북과학기술진흥센터(별관동 1·2층)", "floor_area"): "3,289.88",
    }


def test_a_family_without_facility_words_reads_none():
    assert extract(report_from(TP_FRAGMENT, family="regional_industry_plan")) == []
