"""Every kind of bad report gets a clear error (file, line, what was expected) and loses nothing:
the bad report fails its own load, other reports and the previous good load stay queryable.
Harmless variations (encodings, line endings, spacing, full-width digits) give the same facts."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from orchestration import warehouse
from orchestration.ingest import ingest
from orchestration.parsing.raw_layer import all_extractors
from orchestration.parsing.reader import ReportFormatError, check_layout, decode_report, read_report
from orchestration.parsing.registry import (
    RegistryError,
    ReportEntry,
    load_registry,
    missing_files,
    unregistered_files,
)
from orchestration.parsing.values import odd_grouping, parse_value
from orchestration.warehouse import extract_all, fact_extractors

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
STI, TP, GW = "chungbuk-sti-2020-h1", "chungbuk-tp-2024-q3", "gangwon-2025-plan"
FACTS = fact_extractors(all_extractors())
AS_PRINTED = re.compile(r"(_printed|^line_text|^label_raw|^raw_text)$")  # columns that keep the printed text


def bundled(report_id: str) -> str:
    return (SEEDS / "reports" / f"{report_id}.txt").read_text(encoding="utf-8")


def facts(path: Path, encoding: str = "utf-8", report_id: str = STI, keep_printed: bool = True) -> dict:
    report = read_report(report_id, path, encoding)
    rows = extract_all(report, FACTS)
    if not keep_printed:
        rows = {t: [{k: v for k, v in r.items() if not AS_PRINTED.search(k)} for r in rs] for t, rs in rows.items()}
    return rows


def cp949_safe(text: str) -> str:
    """The report with the few characters CP949 lacks (•, ✓, NBSP, superscripts) replaced."""
    return "".join(c if _encodable(c) else "?" for c in text)


def _encodable(c: str) -> bool:
    try:
        c.encode("cp949")
        return True
    except UnicodeEncodeError:
        return False


# --------------------------------------------------------------------------- encodings


@pytest.fixture(scope="module")
def sti_reference(tmp_path_factory):
    path = tmp_path_factory.mktemp("ref") / "ref.txt"
    text = cp949_safe(bundled(STI))
    path.write_text(text, encoding="utf-8")
    return text, facts(path)


@pytest.mark.parametrize(
    "codec, declared",
    [
        ("utf-8", "utf-8"),
        ("utf-8", "auto"),
        ("utf-8-sig", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("utf-8-sig", "auto"),
        ("cp949", "cp949"),
        ("cp949", "euc-kr"),
        ("cp949", "auto"),
        ("utf-16", "auto"),
        ("utf-16", "utf-16"),
    ],
)
def test_declared_or_detected_encodings_give_identical_facts(sti_reference, tmp_path, codec, declared):
    text, expected = sti_reference
    path = tmp_path / "report.txt"
    path.write_bytes(text.encode(codec))
    report = read_report(STI, path, declared)
    assert report.lines == text.split("\n")  # BOM gone, nothing mis-decoded
    assert extract_all(report, FACTS) == expected
    assert sum(len(r) for r in expected.values()) > 200


def test_auto_detection_names_the_codec_it_used(tmp_path):
    for codec, detected in (("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("cp949", "cp949")):
        path = tmp_path / f"{codec}.txt"
        path.write_bytes("예산과목\t계\n계\t1,000".encode(codec))
        assert read_report("x", path, "auto").encoding == detected


KOREAN = "2020년 예산 규모\n\n(단위 : 천원)\n\n구분\t예산액\t집행액\n계\t1,000\t500\n사업비\t1,000\t500"


@pytest.mark.parametrize(
    "data, declared, message, line",
    [
        # a CP949 file declared UTF-8: the first Korean byte cannot be UTF-8
        (KOREAN.encode("cp949"), "utf-8", r"not valid utf-8 \(byte 4\) \(it looks like cp949\)", 1),
        (("title\n" + KOREAN).encode("cp949"), "utf-8", r"not valid utf-8 .*declare the right encoding", 2),
        # a UTF-8 file declared CP949 / EUC-KR / Latin-1 would decode to garbage without error: refused
        (KOREAN.encode("utf-8"), "cp949", r"the file is UTF-8 but the registry declares cp949", 1),
        (("plain ascii\n" + KOREAN).encode("utf-8"), "euc-kr", r"UTF-8 but the registry declares euc-kr", 2),
        (KOREAN.encode("utf-8"), "latin-1", r"UTF-8 but the registry declares latin-1", 1),
        # CP949 declared Latin-1: decodes, but there is no Hangul left
        (KOREAN.encode("cp949"), "latin-1", r"no Korean text after decoding as latin-1", 1),
        # UTF-8 text that was once decoded as Latin-1 and saved again (double-encoded mojibake)
        (KOREAN.encode("utf-8").decode("latin-1").encode("utf-8"), "utf-8", r"no Korean text", 1),
        # UTF-16 declared UTF-8 (it is full of NUL bytes, yet it is text)
        (KOREAN.encode("utf-16"), "utf-8", r"the file is UTF-16 .* declares utf-8", 1),
    ],
)
def test_wrong_encoding_declaration_fails_naming_file_and_line(tmp_path, data, declared, message, line):
    path = tmp_path / "report.txt"
    path.write_bytes(data)
    with pytest.raises(ReportFormatError, match=message) as error:
        decode_report(path, declared)
    assert error.value.line == line
    assert str(error.value).startswith(f"{path}, line {line}: ")


def test_one_line_in_another_encoding_fails_on_that_line(tmp_path):
    lines = cp949_safe(bundled(STI)).split("\n")
    data = b"\n".join(l.encode("utf-8") if n == 51 else l.encode("cp949") for n, l in enumerate(lines, 1))
    path = tmp_path / "mixed.txt"
    path.write_bytes(data)
    with pytest.raises(ReportFormatError, match=r"mixed.txt, line 51: not valid cp949"):
        decode_report(path, "cp949")
    with pytest.raises(ReportFormatError, match=r"mixed.txt, line 51: not valid cp949 \(byte \d+\) \(encoding auto\)"):
        decode_report(path, "auto")


def test_registry_accepts_auto_and_rejects_unknown_encodings(tmp_path):
    registry = tmp_path / "reports.yaml"
    base = {"organization": "기관", "title": "보고서"}
    registry.write_text(json.dumps({"reports": [dict(base, report_id="a", file="a.txt", encoding="auto")]}), encoding="utf-8")
    assert load_registry(registry)[0].encoding == "auto"
    registry.write_text(json.dumps({"reports": [dict(base, report_id="a", file="a.txt", encoding="utf-9")]}), encoding="utf-8")
    with pytest.raises(RegistryError, match=r"reports.yaml, line 1: entry 1 \(a\): unknown encoding 'utf-9'"):
        load_registry(registry)


# --------------------------------------------------------------------------- harmless variations

FW = str.maketrans("0123456789", "０１２３４５６７８９")


def _cells(text: str, change) -> str:
    return "\n".join("\t".join(change(c) for c in l.split("\t")) if "\t" in l else l for l in text.split("\n"))


TRANSFORMS = {
    "crlf": lambda t: t.replace("\n", "\r\n"),
    "cr": lambda t: t.replace("\n", "\r"),
    "trailing_whitespace": lambda t: "\n".join(l + "  " for l in t.split("\n")),
    "fullwidth_digits": lambda t: _cells(t, lambda c: c.translate(FW)),
    "nbsp_around_numbers": lambda t: _cells(t, lambda c: f"\xa0{c}\xa0" if re.fullmatch(r"[\d,.△-]+", c) else c),
    "nbsp_thousands_separators": lambda t: _cells(
        t, lambda c: c.replace(",", "\xa0") if re.fullmatch(r"\d{1,3}(,\d{3})+", c) else c
    ),
}


@pytest.fixture(scope="module")
def reference_facts():
    return {r: facts(SEEDS / "reports" / f"{r}.txt", report_id=r, keep_printed=False) for r in (STI, TP, GW)}


@pytest.mark.parametrize("report_id", [STI, TP, GW])
@pytest.mark.parametrize("transform", sorted(TRANSFORMS))
def test_line_endings_spacing_and_digit_forms_leave_every_fact_unchanged(reference_facts, tmp_path, report_id, transform):
    text = TRANSFORMS[transform](bundled(report_id))
    assert text != bundled(report_id)
    path = tmp_path / "report.txt"
    path.write_text(text, encoding="utf-8", newline="")
    got = facts(path, report_id=report_id, keep_printed=False)
    assert got == reference_facts[report_id]  # amounts, won, flags, parents, lines: all the same


def test_nbsp_and_fullwidth_number_tokens():
    assert parse_value("１２３").number == 123
    assert parse_value("１,２３４,５６７").number == 1234567
    assert parse_value("1\xa0234\xa0567").number == 1234567
    assert parse_value("△\xa01\u202f234").number == -1234
    assert parse_value("\xa0123\xa0").number == 123
    assert parse_value("12 34").flag == "text"  # not three-digit groups: not silently a number
    assert parse_value("1 2").flag == "text"


def test_odd_thousands_separators_are_read_as_printed_and_warned(tmp_path):
    assert odd_grouping("1,23,456 and 1,234,567; 12,34 and 1234,567") == ["1,23,456", "12,34", "1234,567"]
    assert odd_grouping("(국비 8,780,000, 지방비 9,000,000)") == []
    lines = bundled(STI).split("\n")
    number = next(n for n, l in enumerate(lines, 1) if l.startswith("ICT 융합") and "\t2,094,000\t" in l)
    lines[number - 1] = lines[number - 1].replace("\t2,094,000\t", "\t20,94,000\t")
    path = tmp_path / "odd.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    report = read_report(STI, path)
    assert [str(i) for i in check_layout(report)] == [
        f"line {number}: thousands separators in odd places (20,94,000): read as the digits printed"
    ]
    row = next(r for r in extract_all(report, FACTS)["budget_execution_lines"] if r["source_line"] == number)
    assert row["budget_won"] == 2_094_000_000


# --------------------------------------------------------------------------- bad inputs, nothing lost


@pytest.fixture(scope="module")
def good_warehouse(tmp_path_factory):
    """STI and TP loaded once; each test gets its own copy of the file."""
    root = tmp_path_factory.mktemp("good")
    seeds = root / "seeds"
    shutil.copytree(SEEDS, seeds)
    for path in (seeds / "reports").iterdir():
        path.chmod(0o644)
    db = root / "w.duckdb"
    entries = {e.report_id: e for e in load_registry(seeds / "reports.yaml")}
    with warehouse.connect(db) as con:
        ingest(con, entries[STI], seeds / "reports")
        ingest(con, entries[TP], seeds / "reports")
    return root


@pytest.fixture()
def loaded(good_warehouse, tmp_path):
    shutil.copytree(good_warehouse / "seeds", tmp_path / "seeds")
    shutil.copy(good_warehouse / "w.duckdb", tmp_path / "w.duckdb")
    return tmp_path


def snapshot(db: Path) -> dict:
    """Every raw table's rows per report, as text (fact tables in full, layout tables by count)."""
    out = {}
    with warehouse.connect(db, read_only=True) as con:
        for extractor in all_extractors():
            cols = ", ".join(f'"{c}"::varchar' for c in extractor.columns)
            rows = con.execute(f"select {cols} from raw.{extractor.table} order by all").fetchall()
            out[extractor.table] = rows if extractor in FACTS else len(rows)
        out["report_loads"] = con.execute("select report_id, file_sha256 from raw.report_loads order by all").fetchall()
    return out


def _sti_lines() -> list[str]:
    return bundled(STI).split("\n")


def _execution_row(lines: list[str]) -> int:
    return next(n for n, l in enumerate(lines, 1) if l.startswith("ICT 융합") and "\t2,094,000\t" in l)


def truncated_mid_row() -> tuple[bytes, int]:
    lines = _sti_lines()
    number = _execution_row(lines)
    cut = "\t".join(lines[number - 1].split("\t")[:3])  # the row stops after its budget cell
    return "\n".join(lines[: number - 1] + [cut]).encode(), number


def spaces_for_tabs() -> tuple[bytes, int]:
    lines = _sti_lines()
    number = _execution_row(lines)
    lines[number - 1] = lines[number - 1].replace("\t", "    ")
    return "\n".join(lines).encode(), number


def no_expected_tables() -> tuple[bytes, int | None]:
    text = "회의 자료\n\n참석자\t소속\n홍길동\t기획팀\n김철수\t경영지원팀\n\n- 끝 -"
    return text.encode(), None


def cp949_declared_utf8() -> tuple[bytes, int]:
    lines = cp949_safe(bundled(STI)).split("\n")
    first = next(n for n, l in enumerate(lines, 1) if any(ord(c) > 127 for c in l))
    return "\n".join(lines).encode("cp949"), first


BAD = {
    "empty": (lambda: (b"  \r\n\n", None), r"the file is empty"),
    "binary": (lambda: (b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(range(256)), None), r"the file is binary"),
    "truncated_mid_row": (truncated_mid_row, r"the file ends inside a table row: 3 cells where line \d+ of the same table has 7; the file looks truncated"),
    "spaces_instead_of_tabs": (spaces_for_tabs, r"a table row with spaces instead of tabs \(7 cells: .*expected tab-separated cells"),
    "no_expected_tables": (no_expected_tables, r"none of the expected tables were found \(1 tables.*expected at least one of: budget_execution_lines"),
    "wrong_encoding": (cp949_declared_utf8, r"not valid utf-8 .*\(it looks like cp949\)"),
    "only_prose": (lambda: ("보고서\n\n본문만 있습니다.".encode(), None), r"no tab-separated tables found"),
}


@pytest.mark.parametrize("kind", sorted(BAD))
def test_bad_report_fails_its_own_load_naming_file_line_and_expectation(loaded, kind):
    make, message = BAD[kind]
    data, line = make()
    seeds, db = loaded / "seeds", loaded / "w.duckdb"
    before = snapshot(db)
    entry = next(e for e in load_registry(seeds / "reports.yaml") if e.report_id == STI)
    path = seeds / "reports" / entry.file
    path.write_bytes(data)
    with warehouse.connect(db) as con, pytest.raises(ReportFormatError, match=message) as error:
        ingest(con, entry, seeds / "reports")
    where = f"{path}, line {line}: " if line else f"{path}: "
    assert str(error.value).startswith(where)
    assert error.value.path == str(path) and error.value.line == line
    assert snapshot(db) == before  # the previous good load of STI and the TP load are intact
    with warehouse.connect(db, read_only=True) as con:
        counts = dict(con.execute("select report_id, count(*) from raw.budget_execution_lines group by 1").fetchall())
    assert counts == {STI: 53, TP: 181}


def test_number_column_holding_text_is_loaded_flagged_not_lost(loaded):
    seeds, db = loaded / "seeds", loaded / "w.duckdb"
    lines = _sti_lines()
    number = _execution_row(lines)
    lines[number - 1] = lines[number - 1].replace("\t200,307\t", "\t미정산\t")
    (seeds / "reports" / f"{STI}.txt").write_text("\n".join(lines), encoding="utf-8")
    entry = next(e for e in load_registry(seeds / "reports.yaml") if e.report_id == STI)
    with warehouse.connect(db) as con:
        ingest(con, entry, seeds / "reports")
        row = con.execute(
            "select executed_printed, executed_flag, executed_won, budget_won from raw.budget_execution_lines "
            "where report_id = ? and source_line = ?", [STI, number]
        ).fetchone()
    # kept as printed and flagged; the gate then fails this row and its total (tests/test_mutations.py)
    assert row == ("미정산", "text", None, 2_094_000_000)


def test_isolated_space_aligned_line_is_a_warning_recorded_with_the_load(loaded):
    seeds, db = loaded / "seeds", loaded / "w.duckdb"
    lines = _sti_lines()
    lines.insert(2, "참고  1,000  2,000")  # prose-like line far from any table
    (seeds / "reports" / f"{STI}.txt").write_text("\n".join(lines), encoding="utf-8")
    entry = next(e for e in load_registry(seeds / "reports.yaml") if e.report_id == STI)
    with warehouse.connect(db) as con:
        ingest(con, entry, seeds / "reports")
        warnings = con.execute(
            "select warnings from raw.report_loads where report_id = ? order by loaded_at desc limit 1", [STI]
        ).fetchone()[0]
    assert json.loads(warnings) == [
        {"line": 3, "message": "reads like a table row aligned with spaces (3 cells), not tab-separated: "
         "it is kept as prose, not as a table row"}
    ]


def test_registry_problems(loaded, tmp_path):
    seeds = loaded / "seeds"
    registry = seeds / "reports.yaml"
    entries = load_registry(registry)
    # the same report registered twice
    doubled = tmp_path / "doubled.yaml"
    items = [{k: v for k, v in e.__dict__.items() if v is not None} for e in entries]
    doubled.write_text(json.dumps({"reports": items + [dict(items[0], file="other.txt")]}), encoding="utf-8")
    with pytest.raises(RegistryError, match=rf"entry 4: report_id '{TP}' is registered twice \(also entry 1\)"):
        load_registry(doubled)
    # one file under two ids
    doubled.write_text(json.dumps({"reports": items + [dict(items[0], report_id="copy")]}), encoding="utf-8")
    with pytest.raises(RegistryError, match=rf"copy and {TP} both name the file {TP}.txt|{TP} and copy both name"):
        load_registry(doubled)
    # a registered file that is missing: its load fails naming the file, nothing else changes
    (seeds / "reports" / f"{STI}.txt").unlink()
    assert [e.report_id for e in missing_files(registry, seeds / "reports")] == [STI]
    before = snapshot(loaded / "w.duckdb")
    with warehouse.connect(loaded / "w.duckdb") as con, pytest.raises(
        ReportFormatError, match=rf"{STI}.txt: registered as '{STI}' in the registry, but the file is missing"
    ):
        ingest(con, next(e for e in entries if e.report_id == STI), seeds / "reports")
    assert snapshot(loaded / "w.duckdb") == before
    # a file nobody registered: listed (for a warning), not loaded, nothing crashes
    (seeds / "reports" / "stray-report.txt").write_text("보고서", encoding="utf-8")
    assert [p.name for p in unregistered_files(registry, seeds / "reports")] == ["stray-report.txt"]
    assert len(load_registry(registry)) == 3


# --------------------------------------------------------------------------- corrected versions


def test_corrected_report_replaces_facts_atomically_and_records_what_changed(loaded):
    seeds, db = loaded / "seeds", loaded / "w.duckdb"
    entry = next(e for e in load_registry(seeds / "reports.yaml") if e.report_id == STI)
    path = seeds / "reports" / entry.file
    with warehouse.connect(db) as con:
        ingest(con, entry, seeds / "reports")  # the same file again: nothing changed
        assert con.execute("select count(*) from raw.report_changes").fetchone()[0] == 0
        old_sha = con.execute("select file_sha256 from raw.report_loads where report_id = ? limit 1", [STI]).fetchone()[0]
    lines = _sti_lines()
    number = _execution_row(lines)
    # the corrected version: executed 200,307 -> 210,307 and balance 1,893,693 -> 1,883,693
    lines[number - 1] = lines[number - 1].replace("\t200,307\t1,893,693\t", "\t210,307\t1,883,693\t")
    path.write_text("\n".join(lines), encoding="utf-8")
    with warehouse.connect(db) as con:
        result = ingest(con, entry, seeds / "reports")
        changes = con.execute(
            "select table_name, row_key, change, column_name, old_value, new_value, previous_sha256, new_sha256 "
            "from raw.report_changes where report_id = ? order by all",
            [STI],
        ).fetchall()
        copies = con.execute(
            "select count(*), count(distinct row_id) from raw.budget_execution_lines where report_id = ?", [STI]
        ).fetchone()
    row_id = next(r["row_id"] for r in result.rows["budget_execution_lines"] if r["source_line"] == number)
    key = json.dumps({"row_id": row_id}, ensure_ascii=False, sort_keys=True)
    changed = [(c[0], c[1], c[2], c[3], c[4], c[5]) for c in changes]
    expected = [
        ("budget_execution_lines", key, "changed", "balance", "1893693.0000", "1883693.0000"),
        ("budget_execution_lines", key, "changed", "balance_printed", "1,893,693", "1,883,693"),
        ("budget_execution_lines", key, "changed", "balance_won", "1893693000", "1883693000"),
        ("budget_execution_lines", key, "changed", "executed", "200307.0000", "210307.0000"),
        ("budget_execution_lines", key, "changed", "executed_printed", "200,307", "210,307"),
        ("budget_execution_lines", key, "changed", "executed_won", "200307000", "210307000"),
    ]
    assert [c for c in changed if c[0] == "budget_execution_lines"][: len(expected)] == expected or set(expected) <= set(changed)
    assert {c[6] for c in changes} == {old_sha} and {c[7] for c in changes} == {result.sha256}
    assert all(c[1] == key for c in changes if c[0] == "budget_execution_lines")  # nothing else changed there
    assert copies[0] == copies[1] == 53  # one copy of every row


# --------------------------------------------------------------------------- the user's view: `budget-recon run`


def test_cli_run_prints_the_cause_of_a_bad_report(tmp_path, monkeypatch, capsys):
    """The in-process Dagster run of a truncated report fails its partition, and the CLI's summary
    names the file, the line and what was expected (not only a stack trace); exit status 1."""
    from orchestration import cli

    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    for path in (seeds / "reports").iterdir():
        path.chmod(0o644)
    data, line = truncated_mid_row()
    (seeds / "reports" / f"{STI}.txt").write_bytes(data)
    monkeypatch.setenv("BUDGET_RECON_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("BUDGET_RECON_SEEDS", str(seeds))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home" / "dagster"))
    assert cli.main(["run", "--report", STI]) == 1
    out = capsys.readouterr().out
    summary = next(l for l in out.splitlines() if f"FAILED {STI}" in l or f"FAILED  {STI}" in l or "FAILED" in l)
    assert STI in summary
    cause = out[out.index(summary):]
    assert f"{seeds / 'reports' / (STI + '.txt')}, line {line}: the file ends inside a table row" in cause
    assert "Traceback" not in cause
