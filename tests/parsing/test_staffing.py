"""Staffing parser (정·현원, docs/report-families.md 1.5) on fragments of the real reports, and the staffing
total identity (rec_staffing) on the bundled reports."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestration.parsing.reader import Report, read_report, split_tables
from orchestration.parsing.staffing import extract

ROOT = Path(__file__).resolve().parents[2]

# chungbuk-tp-2024-q3, I. 일반현황 > 2. 인력 (its lines 35-60)
TP_FRAGMENT = '2. 인력\n\n○ 총 원 : 190명\n\n○ 정·현원 : 205명 / 190명\n\n정·현원표 (2024.9.30. 기준)\n\n구 분\t정 원 및 현 원\t\t\t\t\t\t\t\t\t\t\t\t비 고\n\t계\t경영진\t\t직 원\t\t\t\t\t\t\t\t\t\n\t\t원장\t부서장\t1급\t2급\t3급\t4급\t5급\t6급\t7급\t무기\t전문\t\n정 원\t205\t9\t\t178\t\t\t\t\t\t\t\t\t\n현 원\t190\t1\t8\t2\t13\t36\t27\t55\t37\t0\t7\t1\t3\n원 장\t1\t1\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\n정책기획단\t16\t-\t1\t-\t1\t3\t3\t2\t5\t-\t1\t-\t\n기업지원단\t28\t-\t1\t1\t2\t3\t4\t9\t6\t-\t2\t-\t\n반도체IT센터\t17\t-\t1\t-\t2\t3\t3\t5\t3\t-\t-\t-\t\n차세대에너지센터\t26\t-\t1\t-\t2\t3\t3\t13\t3\t-\t1\t-\t\n바이오센터\t14\t-\t1\t-\t1\t3\t5\t4\t-\t-\t-\t-\t\n한방천연물센터\t15\t-\t1\t-\t-\t2\t1\t5\t6\t-\t-\t-\t\n수송기계부품센터\t15\t-\t1\t-\t1\t2\t2\t4\t3\t-\t2\t-\t\n스마트제조혁신센터\t18\t-\t1\t-\t-\t5\t1\t4\t7\t-\t-\t-\t\n경영지원본부\t30\t-\t-\t1\t1\t10\t4\t6\t3\t-\t1\t1\t3\n전략기획조정실\t6\t-\t-\t-\t1\t1\t1\t2\t1\t-\t-\t-\t\n감사실\t3\t-\t-\t-\t1\t1\t-\t1\t-\t-\t-\t-\t\n파견\t1\t-\t-\t-\t1\t-\t-\t-\t-\t-\t-\t-\t'

# chungbuk-sti-2020-h1, □ 정·현원 (its lines 34-49)
STI_FRAGMENT = '\n\n□ 정·현원\n\n \n○ 정원 / 현원 : 53명 / 37명\n\n(단위 : 명)\n\n구분\t계\t원장\t본부장\t전문위원\t\t일반직\t\t\t\n\t\t\t\t1급\t2급\t3급\t4급\t5급\t6급\n정원\t53\t1\t3\t6\t\t43\t\t\t\n현원\t37\t1\t2\t-\t\t34\t\t\t\n\t\t\t\t-\t-\t3\t11\t17\t3\n\n※ 정원 외 10명(프로젝트 인력 7, 인터넷방송 무기 3)'


def report_from(text: str, report_id: str = "fragment") -> Report:
    lines = text.split("\n")
    return Report(report_id=report_id, path="<fragment>", lines=lines, tables=split_tables(report_id, lines))


def cells(rows, kind=None, line=None):
    return {(r["source_line"], r["column_label"]): r["persons"] for r in rows
            if (kind is None or r["row_kind"] == kind) and (line is None or r["source_line"] == line)}


def test_staffing_vocabulary_is_the_family_profile(monkeypatch):
    """Another agency's words in the profile: its table is found by them, none without them."""
    from orchestration.parsing import staffing

    other = TP_FRAGMENT.replace("정 원\t205", "인가정원\t205").replace("현 원\t190", "재직인원\t190")
    assert extract(report_from(other)) == []
    words = {"authorised_labels": ["인가정원"], "actual_labels": ["재직인원"], "person_units": ["명"]}
    entry = tuple(sorted((k, tuple(v)) for k, v in words.items()))
    vocabulary = staffing._vocabulary(entry, frozenset({"계"}))
    monkeypatch.setattr(staffing, "vocabulary", lambda report: vocabulary)
    rows = extract(report_from(other))
    assert {r["row_kind"] for r in rows if r["source_kind"] == "table"} == {"authorised", "actual", "part"}
    assert not any(r["source_kind"] == "prose" for r in rows)  # no prose words in that profile


def test_merged_authorised_row_reads_its_group_columns():
    rows = extract(report_from(TP_FRAGMENT))
    authorised = [r for r in rows if r["row_kind"] == "authorised" and r["source_kind"] == "table"]
    assert [(r["column_label"], r["persons"]) for r in authorised] == [("계", 205), ("경영진", 9), ("직원", 178)]
    assert {r["as_of"] for r in rows} == {"2024-09-30"} and {r["period_role"] for r in rows} == {"as_of"}


def test_staffing_total_equals_its_cells_and_departments():
    """The staffing total: 현원 190 = 원장 1 + 부서장 8 + grades 178 + 비고 3, and = Σ department rows."""
    rows = extract(report_from(TP_FRAGMENT))
    actual = [r for r in rows if r["row_kind"] == "actual" and r["source_kind"] == "table"]
    total = next(r["persons"] for r in actual if r["is_total_column"])
    assert total == 190 and sum(r["persons"] for r in actual if not r["is_total_column"]) == 190
    note = next(r for r in actual if r["is_note_column"])
    assert (note["column_label"], note["persons"]) == ("비고", 3)
    departments = [r for r in rows if r["row_kind"] == "part" and r["is_total_column"]]
    assert [r["row_label"] for r in departments][:3] == ["원장", "정책기획단", "기업지원단"]
    assert sum(r["persons"] for r in departments) == 190  # 원장 + 11 departments + 파견
    dash = next(r for r in rows if r["row_label"] == "정책기획단" and r["column_label"] == "원장")
    assert (dash["value_printed"], dash["persons"], dash["value_flag"]) == ("-", 0, "dash")
    prose = {(r["row_kind"], r["source_line"]): r["persons"] for r in rows if r["source_kind"] == "prose"}
    assert prose == {("actual", 3): 190, ("authorised", 5): 205, ("actual", 5): 190}


def test_unlabelled_row_breaks_down_the_cell_above_and_outside_quota_parts():
    rows = extract(report_from(STI_FRAGMENT))
    breakdown = [r for r in rows if r["row_kind"] == "breakdown"]
    assert [(r["column_label"], r["persons"]) for r in breakdown] == [
        ("1급", 0), ("2급", 0), ("3급", 3), ("4급", 11), ("5급", 17), ("6급", 3)]
    parent = {(r["parent_line"], r["parent_column_no"]) for r in breakdown}
    (line, column), = parent
    general = next(r for r in rows if r["source_line"] == line and r["column_no"] == column)
    assert (general["row_kind"], general["column_label"], general["persons"]) == ("actual", "일반직", 34)
    outside = [(r["row_kind"], r["row_label"], r["persons"]) for r in rows if r["row_kind"].startswith("outside")]
    assert outside == [("outside_quota", "정원외", 10), ("outside_quota_part", "프로젝트인력", 7),
                       ("outside_quota_part", "인터넷방송무기", 3)]
    prose = sorted((r["row_kind"], r["persons"]) for r in rows if r["source_kind"] == "prose" and r["row_kind"] in ("authorised", "actual"))
    assert prose == [("actual", 37), ("authorised", 53)]


@pytest.mark.parametrize("report_id, family, count", [
    ("chungbuk-tp-2024-q3", "agency_status_report", 177),
    ("chungbuk-sti-2020-h1", "agency_status_report", 21),
    ("gangwon-2025-plan", "regional_industry_plan", 0),  # its family profile has no staffing vocabulary
])
def test_bundled_reports(report_id, family, count):
    rows = extract(read_report(report_id, ROOT / "seeds" / "reports" / f"{report_id}.txt", family=family))
    assert len(rows) == count
    assert len({r["row_id"] for r in rows}) == count
