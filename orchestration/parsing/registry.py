"""The report registry (`seeds/reports.yaml`): which reports exist, where their files are, how encoded."""

from __future__ import annotations

import codecs
import hashlib
import re
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

import yaml

from ..yaml_files import read_yaml

REQUIRED = ("report_id", "organization", "title", "file")
ID_MAX = 63
_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")
# A file name inside the reports folder: plain names, optionally in sub-folders; no '..', no absolute path.
_FILE_PART = re.compile(r"^[A-Za-z0-9가-힣][A-Za-z0-9가-힣 ._()-]{0,127}$")
FAMILIES = ("agency_status_report", "regional_industry_plan")


class RegistryError(ValueError):
    """The registry is wrong: the message names the registry file and the entry."""


@dataclass(frozen=True)
class ReportEntry:
    report_id: str
    organization: str
    title: str
    file: str
    family: str = "agency_status_report"
    organization_en: str | None = None
    period: str | None = None
    as_of: str | None = None
    encoding: str = "utf-8"

    def path(self, reports_dir: Path) -> Path:
        return reports_dir / self.file


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def id_problem(report_id: str) -> str | None:
    """Why a report id is refused (it names a partition, a file and SQL literals), or None."""
    if not report_id:
        return "report_id is empty"
    if len(report_id) > ID_MAX:
        return f"report_id {report_id!r} is {len(report_id)} characters long; at most {ID_MAX}"
    if not _ID.match(report_id):
        return (f"report_id {report_id!r} must be lower-case letters, digits, '-', '.', '_', "
                "starting with a letter or digit")
    return None


def file_problem(file: str) -> str | None:
    """Why a registered file name is refused: it must stay inside the reports folder."""
    parts = file.replace("\\", "/").split("/")
    if file.startswith("/") or any(p in ("", ".", "..") for p in parts) or not all(_FILE_PART.match(p) for p in parts):
        return (f"file {file!r} must be a plain file name inside the reports folder (letters, digits, "
                "'-', '_', '.', no '..' and no absolute path)")
    return None


def entry_problem(entry: ReportEntry) -> str | None:
    """Everything load_registry checks about one entry, so `add` never writes what it would reject."""
    problem = id_problem(entry.report_id)
    if problem:
        return problem
    for name in REQUIRED:
        if not getattr(entry, name):
            return f"lacks {name}"
    problem = file_problem(entry.file)
    if problem:
        return problem
    try:
        if entry.encoding.strip().lower() != "auto":  # auto: detected when read (reader.detect_encoding)
            codecs.lookup(entry.encoding)
    except LookupError:
        return f"unknown encoding {entry.encoding!r}"
    return None


def _entry_lines(registry_path: Path) -> list[int]:
    """The line of each entry of the registry's `reports` list (for error messages only)."""
    try:
        node = yaml.compose(registry_path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
        reports = next(v for k, v in node.value if k.value == "reports")
        return [item.start_mark.line + 1 for item in reports.value]
    except Exception:  # noqa: BLE001 - a line number is a courtesy
        return []


def _read(registry_path: Path) -> dict:
    try:
        data = read_yaml(registry_path)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{registry_path}, line {mark.line + 1}" if mark else str(registry_path)
        raise RegistryError(f"{where}: not valid YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise RegistryError(f"{registry_path}: not valid YAML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise RegistryError(f"{registry_path}: not UTF-8 (byte {exc.start})") from None
    if data is None:
        return {}
    if not isinstance(data, dict) or not isinstance(data.get("reports") or [], list):
        raise RegistryError(f"{registry_path}: expected a mapping with a `reports:` list")
    return data


def load_registry(registry_path: Path) -> list[ReportEntry]:
    """All entries, validated: ids unique and well-formed, required fields present, encodings known.
    Errors name the registry file and the entry's line."""
    if not registry_path.exists():
        return []
    data = _read(registry_path)
    entries, seen = [], {}

    def where(index: int) -> str:
        lines = _entry_lines(registry_path)
        line = f", line {lines[index - 1]}" if len(lines) >= index else ""
        return f"{registry_path}{line}: entry {index}"

    for index, item in enumerate(data.get("reports") or [], start=1):
        if not isinstance(item, dict):
            raise RegistryError(f"{where(index)} is not a mapping of fields")
        missing = [k for k in REQUIRED if not item.get(k)]
        if missing:
            raise RegistryError(f"{where(index)} lacks {', '.join(missing)}")
        known = {k: v for k, v in item.items() if k in ReportEntry.__dataclass_fields__}
        unknown = sorted(set(item) - set(known))
        if unknown:
            raise RegistryError(f"{where(index)} ({item['report_id']}) has unknown fields: {', '.join(unknown)}")
        entry = ReportEntry(**{k: (str(v) if v is not None else None) for k, v in known.items()})
        problem = entry_problem(entry)
        if problem:
            named = "" if problem.startswith("report_id") else f" ({entry.report_id})"
            raise RegistryError(f"{where(index)}{named}: {problem}")
        if entry.report_id in seen:
            raise RegistryError(f"{where(index)}: report_id {entry.report_id!r} is registered twice (also entry {seen[entry.report_id]})")
        seen[entry.report_id] = index
        entries.append(entry)
    files = {}
    for entry in entries:
        if entry.file in files:
            raise RegistryError(
                f"{registry_path}: {entry.report_id} and {files[entry.file]} both name the file {entry.file}"
            )
        files[entry.file] = entry.report_id
    return entries


def unregistered_files(registry_path: Path, reports_dir: Path) -> list[Path]:
    """Files in the reports folder that no registry entry names: not loaded; callers warn about them."""
    if not reports_dir.is_dir():
        return []
    named = {e.file for e in load_registry(registry_path)}
    return sorted(
        p for p in reports_dir.iterdir()
        if p.is_file() and not p.name.startswith(".") and not p.name.endswith(".tmp")
        and p.relative_to(reports_dir).as_posix() not in named
    )


def missing_files(registry_path: Path, reports_dir: Path) -> list[ReportEntry]:
    """Entries whose file is not in the reports folder: their partitions fail with that message."""
    return [e for e in load_registry(registry_path) if not e.path(reports_dir).is_file()]


def get_entry(registry_path: Path, report_id: str) -> ReportEntry:
    for entry in load_registry(registry_path):
        if entry.report_id == report_id:
            return entry
    raise RegistryError(f"{registry_path}: no report with id {report_id!r}")


def add_report(registry_path: Path, reports_dir: Path, source: Path, entry: ReportEntry, replace: bool = False) -> ReportEntry:
    """Check the entry and the file, copy `source` into the reports folder and register it.
    Refuses to overwrite unless `replace`. Nothing is written unless the registry would accept it."""
    problem = entry_problem(entry)
    if problem:
        raise RegistryError(problem)
    check_report_file(source, entry.encoding)
    entries = load_registry(registry_path)
    existing = next((e for e in entries if e.report_id == entry.report_id), None)
    if existing and not replace:
        raise RegistryError(f"{registry_path}: report_id {entry.report_id!r} is already registered (use --replace)")
    target = entry.path(reports_dir)
    clash = next((e for e in entries if e.file == entry.file and e.report_id != entry.report_id), None)
    if clash:
        raise RegistryError(f"{registry_path}: file {entry.file} already belongs to {clash.report_id}")
    if reports_dir.resolve() not in target.resolve().parents:
        raise RegistryError(f"file {entry.file!r} would be written outside {reports_dir}")
    reports_dir.mkdir(parents=True, exist_ok=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.resolve() != target.resolve():
        tmp = target.with_suffix(target.suffix + ".tmp")
        shutil.copyfile(source, tmp)
        tmp.replace(target)
    entries = [e for e in entries if e.report_id != entry.report_id] + [entry]
    payload = {"reports": [{k: v for k, v in asdict(e).items() if v is not None} for e in entries]}
    header = "# Registry of the reports the pipeline loads. One entry per file in seeds/reports/.\n"
    tmp = registry_path.with_suffix(".yaml.tmp")
    tmp.write_text(header + yaml.safe_dump(payload, allow_unicode=True, sort_keys=False), encoding="utf-8")
    try:
        load_registry(tmp)  # never replace the registry with one that every later command rejects
    except RegistryError:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(registry_path)
    return entry


def check_report_file(source: Path, encoding: str) -> None:
    """Refuse an empty, binary or wrongly encoded file before it is registered (the reader's own
    checks: a trial decode naming the line of the first bad byte)."""
    from .reader import decode_report

    decode_report(source, encoding)
