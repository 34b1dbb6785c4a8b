"""Loading a report partition replaces its rows atomically: one copy, never half-written."""

import shutil
from pathlib import Path

import dagster as dg
import pytest

from orchestration import warehouse
from orchestration.assets.reports import raw_report
from orchestration.ingest import ingest, ingest_many
from orchestration.parsing.reader import ReportFormatError
from orchestration.parsing.registry import load_registry
from orchestration.partitions import reports_partitions
from orchestration.resources import ReportRegistryResource, WarehouseResource

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture()
def seeds(tmp_path) -> Path:
    root = tmp_path / "seeds"
    shutil.copytree(ROOT / "seeds", root)
    return root


def counts(db: Path) -> dict[str, dict[str, int]]:
    with warehouse.connect(db, read_only=True) as con:
        out = {}
        for table in ("report_lines", "report_tables", "report_rows"):
            out[table] = dict(con.execute(f"select report_id, count(*) from raw.{table} group by 1").fetchall())
        return out


def test_reloading_a_report_keeps_exactly_one_copy_and_other_reports_untouched(seeds, tmp_path):
    db = tmp_path / "w.duckdb"
    entries = {e.report_id: e for e in load_registry(seeds / "reports.yaml")}
    with warehouse.connect(db) as con:
        ingest(con, entries["chungbuk-tp-2024-q3"], seeds / "reports")
        ingest(con, entries["chungbuk-sti-2020-h1"], seeds / "reports")
    first = counts(db)
    with warehouse.connect(db) as con:
        ingest(con, entries["chungbuk-tp-2024-q3"], seeds / "reports")
        loads = con.execute("select report_id, count(*) from raw.report_loads group by 1 order by 1").fetchall()
    assert counts(db) == first
    assert first["report_rows"] == {"chungbuk-tp-2024-q3": 334, "chungbuk-sti-2020-h1": 163}
    assert loads == [("chungbuk-sti-2020-h1", 1), ("chungbuk-tp-2024-q3", 2)]


def test_a_failing_load_leaves_the_previous_load_intact(seeds, tmp_path, monkeypatch):
    db = tmp_path / "w.duckdb"
    entry = next(e for e in load_registry(seeds / "reports.yaml") if e.report_id == "chungbuk-sti-2020-h1")
    with warehouse.connect(db) as con:
        ingest(con, entry, seeds / "reports")
    before = counts(db)

    # A failure half-way through writing (after some tables were replaced) must roll back: the third
    # read of rows to diff comes after the first fact table was deleted and re-inserted.
    original = warehouse._rows_as_text
    calls = {"n": 0}

    def failing_read(*args):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk full")
        return original(*args)

    monkeypatch.setattr(warehouse, "_rows_as_text", failing_read)
    with warehouse.connect(db) as con, pytest.raises(RuntimeError, match="disk full"):
        ingest(con, entry, seeds / "reports")
    monkeypatch.setattr(warehouse, "_rows_as_text", original)
    assert calls["n"] == 3
    assert counts(db) == before

    # A truncated, then an empty file: clear error naming the file; the good load stays.
    path = seeds / "reports" / entry.file
    path.write_text("", encoding="utf-8")
    with warehouse.connect(db) as con, pytest.raises(ReportFormatError, match=f"{entry.file}: the file is empty"):
        ingest(con, entry, seeds / "reports")
    assert counts(db) == before


def test_dagster_partition_rematerialization_leaves_one_copy(seeds, tmp_path):
    db = tmp_path / "w.duckdb"
    resources = {
        "warehouse": WarehouseResource(path=str(db)),
        "registry": ReportRegistryResource(seeds_dir=str(seeds)),
    }
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(reports_partitions.name, ["chungbuk-sti-2020-h1", "gangwon-2025-plan"])
        for _ in range(2):
            result = dg.materialize([raw_report], partition_key="chungbuk-sti-2020-h1", resources=resources, instance=instance)
            assert result.success
        result = dg.materialize([raw_report], partition_key="gangwon-2025-plan", resources=resources, instance=instance)
        materializations = result.asset_materializations_for_node("raw_report")
    assert counts(db)["report_rows"] == {"chungbuk-sti-2020-h1": 163, "gangwon-2025-plan": 2774}
    rows_meta = next(m for m in materializations if m.asset_key == dg.AssetKey(["raw", "report_rows"]))
    assert rows_meta.metadata["dagster/row_count"].value == 2774
    assert "| report_id |" in rows_meta.metadata["preview"].value


def test_dagster_bad_report_fails_its_partition_with_file_and_reason(seeds, tmp_path):
    db = tmp_path / "w.duckdb"
    (seeds / "reports" / "chungbuk-sti-2020-h1.txt").write_bytes(b"\x00\x01binary")
    resources = {
        "warehouse": WarehouseResource(path=str(db)),
        "registry": ReportRegistryResource(seeds_dir=str(seeds)),
    }
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(reports_partitions.name, ["chungbuk-sti-2020-h1"])
        result = dg.materialize(
            [raw_report], partition_key="chungbuk-sti-2020-h1", resources=resources, instance=instance, raise_on_error=False
        )
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    assert "chungbuk-sti-2020-h1.txt: the file is binary" in failure.event_specific_data.error.message


def raw_rows(db: Path) -> dict[str, list[tuple]]:
    with warehouse.connect(db, read_only=True) as con:
        tables = [r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'raw' and table_name not in ('report_loads', 'report_changes')"
        ).fetchall()]
        return {t: con.execute(f"select * from raw.{t} order by all").fetchall() for t in sorted(tables)}


def test_parsing_in_worker_processes_loads_exactly_what_one_process_loads(seeds, tmp_path):
    entries = load_registry(seeds / "reports.yaml")
    loaded = {}
    for workers in (0, 2):
        db = tmp_path / f"w{workers}.duckdb"
        with warehouse.connect(db) as con:
            ids = [r.entry.report_id for r in ingest_many(con, entries, seeds / "reports", workers=workers)]
        assert ids == [e.report_id for e in entries]
        loaded[workers] = raw_rows(db)
    assert loaded[0] == loaded[2]
    assert sum(len(rows) for rows in loaded[2].values()) > 10_000


def test_a_bad_report_in_a_parallel_batch_stops_the_batch_with_its_file_and_line(seeds, tmp_path):
    entries = load_registry(seeds / "reports.yaml")
    bad = entries[1]
    path = seeds / "reports" / bad.file
    # saved as CP949 while the registry says UTF-8: refused at the first Korean line
    text = "report\n" + path.read_text(encoding="utf-8")
    path.write_bytes(text.encode("cp949", errors="replace"))
    first_korean = next(i for i, line in enumerate(text.splitlines(), start=1) if not line.isascii())
    db = tmp_path / "w.duckdb"
    with warehouse.connect(db) as con:
        loaded = ingest_many(con, entries, seeds / "reports", workers=2)
        assert next(loaded).entry.report_id == entries[0].report_id
        with pytest.raises(ReportFormatError) as error:
            next(loaded)
    assert error.value.path == str(path) and error.value.line == first_korean
    assert set(counts(db)["report_rows"]) == {entries[0].report_id}  # nothing after the bad report


def test_a_failing_load_in_a_committed_group_keeps_what_was_there(seeds, tmp_path, monkeypatch):
    """With workers, loads are committed in groups: a failure rolls back the open group, yields none
    of it, and leaves the earlier loads of those reports as they were."""
    import orchestration.ingest as ingest_module

    entries = load_registry(seeds / "reports.yaml")
    db = tmp_path / "w.duckdb"
    with warehouse.connect(db) as con:
        list(ingest_many(con, entries[:2], seeds / "reports"))  # a first load, one transaction each
    before = raw_rows(db)
    original, calls = ingest_module.replace_report, {"n": 0}

    def failing(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk full")
        return original(*args, **kwargs)

    monkeypatch.setattr(ingest_module, "replace_report", failing)
    # One group of three whatever the machine's load: the timed commit would split it on a slow machine.
    monkeypatch.setattr(ingest_module, "GROUP_SECONDS", 600.0)
    yielded = []
    with warehouse.connect(db) as con, pytest.raises(RuntimeError, match="disk full"):
        for result in ingest_many(con, entries, seeds / "reports", workers=2):
            yielded.append(result.entry.report_id)
    assert yielded == []  # the group of three never committed
    assert raw_rows(db) == before
    with warehouse.connect(db, read_only=True) as con:
        assert con.execute("select count(*) from raw.report_loads").fetchone()[0] == 2
