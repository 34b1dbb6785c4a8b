"""The new-report sensor and the monthly schedule, evaluated on a temporary seeds folder."""

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest
import yaml

from orchestration import automation
from orchestration.automation import new_report_sensor, refresh_all_reports_schedule
from orchestration.partitions import reports_partitions
from orchestration.resources import ReportRegistryResource

ROOT = Path(__file__).resolve().parents[1]
TP = "chungbuk-tp-2024-q3"
STI = "chungbuk-sti-2020-h1"


@pytest.fixture()
def seeds(tmp_path) -> Path:
    """A seeds folder with the bundled registry emptied: reports are added by each test."""
    root = tmp_path / "seeds"
    (root / "reports").mkdir(parents=True)
    (root / "reports.yaml").write_text("reports: []\n", encoding="utf-8")
    return root


@pytest.fixture()
def instance():
    with dg.instance_for_test() as inst:
        yield inst


def bundled_entries() -> dict[str, dict]:
    data = yaml.safe_load((ROOT / "seeds" / "reports.yaml").read_text(encoding="utf-8"))
    return {e["report_id"]: e for e in data["reports"]}


def register(seeds: Path, report_id: str, copy_file: bool = True, **overrides) -> Path:
    entry = dict(bundled_entries()[report_id], **overrides)
    data = yaml.safe_load((seeds / "reports.yaml").read_text(encoding="utf-8"))
    data["reports"] = [e for e in data["reports"] if e["report_id"] != report_id] + [entry]
    (seeds / "reports.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    path = seeds / "reports" / entry["file"]
    if copy_file:
        shutil.copyfile(ROOT / "seeds" / "reports" / bundled_entries()[report_id]["file"], path)
    return path


def tick(instance, seeds: Path, cursor: str | None):
    """One sensor evaluation; applies its partition requests to the instance like the daemon does."""
    context = dg.build_sensor_context(
        instance=instance, cursor=cursor, resources={"registry": ReportRegistryResource(seeds_dir=str(seeds))}
    )
    result = new_report_sensor(context)
    assert isinstance(result, dg.SensorResult)
    for request in result.dynamic_partitions_requests or []:
        assert isinstance(request, dg.AddDynamicPartitionsRequest)
        instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))
    return result


def requested(result) -> list[str]:
    return [r.partition_key for r in result.run_requests or []]


def test_new_file_adds_partition_and_requests_a_run_then_unchanged_does_nothing(instance, seeds):
    register(seeds, STI)
    first = tick(instance, seeds, None)
    assert requested(first) == [STI]
    (request,) = first.run_requests
    assert request.tags[automation.REPORT_TAG] == STI
    assert request.tags[automation.TRIGGER_TAG] == "sensor:new"
    (add,) = first.dynamic_partitions_requests
    assert add.partitions_def_name == reports_partitions.name and list(add.partition_keys) == [STI]
    assert instance.get_dynamic_partitions("reports") == [STI]
    assert json.loads(first.cursor)["reports"][STI]["sha256"] == dg_sha(seeds / "reports" / f"{STI}.txt")

    second = tick(instance, seeds, first.cursor)
    assert requested(second) == []
    assert not second.dynamic_partitions_requests
    assert second.cursor == first.cursor

    # a second report dropped in later: only that one runs
    register(seeds, TP)
    third = tick(instance, seeds, second.cursor)
    assert requested(third) == [TP]
    assert [list(r.partition_keys) for r in third.dynamic_partitions_requests] == [[TP]]


def dg_sha(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_changed_content_with_the_same_mtime_and_size_requests_a_run(instance, seeds):
    path = register(seeds, STI)
    first = tick(instance, seeds, None)
    stat = path.stat()
    data = path.read_bytes()
    # change one digit in place: same size, and the mtime restored — only the content hash differs
    index = next(i for i, b in enumerate(data) if chr(b).isdigit())
    changed = data[:index] + (b"7" if data[index:index + 1] != b"7" else b"8") + data[index + 1:]
    path.write_bytes(changed)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert path.stat().st_mtime_ns == stat.st_mtime_ns and path.stat().st_size == stat.st_size

    second = tick(instance, seeds, first.cursor)
    assert requested(second) == [STI]
    assert second.run_requests[0].tags[automation.TRIGGER_TAG] == "sensor:changed"
    assert not second.dynamic_partitions_requests  # the partition exists already
    assert second.run_requests[0].run_key != first.run_requests[0].run_key

    # touching the file (new mtime, same content) does not re-run it
    os.utime(path, None)
    assert requested(tick(instance, seeds, second.cursor)) == []

    # changing it back to the first content is a change again (run keys never collide)
    path.write_bytes(data)
    back = tick(instance, seeds, second.cursor)
    assert requested(back) == [STI]
    assert back.run_requests[0].run_key not in {first.run_requests[0].run_key, second.run_requests[0].run_key}


def test_a_changed_registry_entry_reruns_the_report(instance, seeds):
    register(seeds, STI)
    first = tick(instance, seeds, None)
    register(seeds, STI, copy_file=False, title="2020년도 상반기 주요업무 추진상황 (정정)")
    second = tick(instance, seeds, first.cursor)
    assert requested(second) == [STI]
    assert second.run_requests[0].tags[automation.TRIGGER_TAG] == "sensor:registry entry changed"


def test_first_evaluation_adopts_reports_that_already_have_a_partition(instance, seeds):
    register(seeds, STI)
    register(seeds, TP)
    instance.add_dynamic_partitions("reports", [STI])  # e.g. by `budget-recon run` / `sync`
    first = tick(instance, seeds, None)
    assert requested(first) == [TP]
    assert set(json.loads(first.cursor)["reports"]) == {STI, TP}
    # once adopted, a change to it is noticed
    path = seeds / "reports" / f"{STI}.txt"
    path.write_bytes(path.read_bytes() + b"\n")
    assert requested(tick(instance, seeds, first.cursor)) == [STI]


def test_files_without_entries_missing_files_and_removed_entries_are_logged_and_skipped(instance, seeds, capfd):
    register(seeds, STI)
    (seeds / "reports" / "stray-report.txt").write_text("no registry entry", encoding="utf-8")
    (seeds / "reports" / "half-copied.txt.tmp").write_text("temp", encoding="utf-8")
    register(seeds, TP, copy_file=False)  # registered, but its file is missing
    first = tick(instance, seeds, None)
    assert requested(first) == [STI]
    cursor = json.loads(first.cursor)
    assert cursor["unregistered"] == ["stray-report.txt"]
    assert TP not in cursor["reports"]
    text = capfd.readouterr().err
    assert "stray-report.txt has no entry" in text
    assert f"{TP}: registered but" in text and "does not exist" in text
    assert "half-copied" not in text

    # the file arrives later: now it runs
    shutil.copyfile(ROOT / "seeds" / "reports" / f"{TP}.txt", seeds / "reports" / f"{TP}.txt")
    second = tick(instance, seeds, first.cursor)
    assert requested(second) == [TP]

    # the entry is removed from the registry: logged, forgotten, nothing launched, no crash
    data = yaml.safe_load((seeds / "reports.yaml").read_text(encoding="utf-8"))
    data["reports"] = [e for e in data["reports"] if e["report_id"] != STI]
    (seeds / "reports.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    capfd.readouterr()
    third = tick(instance, seeds, second.cursor)
    assert requested(third) == []
    text = capfd.readouterr().err
    assert f"{STI}: no longer in the registry" in text
    assert STI not in json.loads(third.cursor)["reports"]
    assert f"{STI}.txt has no entry" in text  # its file is now a stray file


def test_a_broken_registry_or_cursor_never_crashes_the_sensor(instance, seeds):
    register(seeds, STI)
    (seeds / "reports.yaml").write_text("reports:\n  - report_id: BAD ID\n    file: x.txt\n", encoding="utf-8")
    context = dg.build_sensor_context(
        instance=instance, cursor=None, resources={"registry": ReportRegistryResource(seeds_dir=str(seeds))}
    )
    result = new_report_sensor(context)
    assert isinstance(result, dg.SkipReason) and "registry cannot be read" in result.skip_message

    register_fresh = seeds / "reports.yaml"
    register_fresh.write_text("reports: []\n", encoding="utf-8")
    register(seeds, STI)
    assert requested(tick(instance, seeds, "not json")) == [STI]  # a garbled cursor is a first evaluation


def test_sensor_evaluates_through_dagster_with_the_real_definitions(instance, seeds):
    """evaluate_tick: the run request resolves against process_reports' partitions."""
    from orchestration.definitions import defs

    register(seeds, STI)
    sensor = defs.resolve_sensor_def("new_report_sensor")
    assert sensor.job_name == "process_reports"
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    context = dg.build_sensor_context(
        instance_ref=instance.get_ref(),  # as the daemon does: lets Dagster resolve dynamic partitions
        resources={"registry": ReportRegistryResource(seeds_dir=str(seeds))},
        definitions=defs,
    )
    data = sensor.evaluate_tick(context)
    assert [list(r.partition_keys) for r in data.dynamic_partitions_requests] == [[STI]]
    assert [r.partition_key for r in data.run_requests] == [STI]
    assert data.run_requests[0].tags["dagster/partition"] == STI
    assert data.run_requests[0].tags[automation.REPORT_TAG] == STI


def test_schedule_requests_one_run_per_registered_report_in_seoul_time(instance, seeds):
    for report_id in (TP, STI, "gangwon-2025-plan"):
        register(seeds, report_id)
    assert refresh_all_reports_schedule.execution_timezone == "Asia/Seoul"
    assert refresh_all_reports_schedule.job_name == "full_refresh"
    assert refresh_all_reports_schedule.cron_schedule == automation.schedule_cron()
    when = dt.datetime(2025, 8, 1, 6, 0, tzinfo=dt.timezone(dt.timedelta(hours=9)))
    context = dg.build_schedule_context(
        instance=instance,
        scheduled_execution_time=when,
        resources={"registry": ReportRegistryResource(seeds_dir=str(seeds))},
    )
    requests = refresh_all_reports_schedule(context)
    assert [r.partition_key for r in requests] == [TP, STI, "gangwon-2025-plan"]
    assert [r.tags[automation.REPORT_TAG] for r in requests] == [TP, STI, "gangwon-2025-plan"]
    assert all(r.tags[automation.TRIGGER_TAG] == "schedule" for r in requests)
    assert len({r.run_key for r in requests}) == 3
    # reports never synced get their partition, so every request targets an existing partition
    assert sorted(instance.get_dynamic_partitions("reports")) == sorted([TP, STI, "gangwon-2025-plan"])

    # the next month's tick has new run keys (run keys are unique per schedule forever)
    later = dg.build_schedule_context(
        instance=instance,
        scheduled_execution_time=when.replace(month=9),
        resources={"registry": ReportRegistryResource(seeds_dir=str(seeds))},
    )
    assert not {r.run_key for r in refresh_all_reports_schedule(later)} & {r.run_key for r in requests}


def test_schedule_with_an_empty_registry_skips(instance, seeds):
    context = dg.build_schedule_context(
        instance=instance, resources={"registry": ReportRegistryResource(seeds_dir=str(seeds))}
    )
    assert isinstance(refresh_all_reports_schedule(context), dg.SkipReason)


def test_schedule_cron_is_monthly_by_default_and_configurable():
    assert automation.DEFAULT_SCHEDULE_CRON == "0 6 1 * *"
    code = "from orchestration.automation import refresh_all_reports_schedule as s; print(s.cron_schedule)"
    env = dict(os.environ, PYTHONPATH=str(ROOT), BUDGET_RECON_SCHEDULE_CRON="30 2 * * 1")
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "30 2 * * 1"
    env.pop("BUDGET_RECON_SCHEDULE_CRON")
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0 6 1 * *"
