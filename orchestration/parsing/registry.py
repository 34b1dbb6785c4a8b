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
_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")


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


def load_registry(registry_path: Path) -> list[ReportEntry]:
    """All entries, validated: ids unique and well-formed, required fields present, encodings known."""
    if not registry_path.exists():
        return []
    data = read_yaml(registry_path) or {}
    entries, seen = [], {}
    for index, item in enumerate(data.get("reports") or [], start=1):
        where = f"{registry_path}: entry {index}"
        missing = [k for k in REQUIRED if not item.get(k)]
        if missing:
            raise RegistryError(f"{where} lacks {', '.join(missing)}")
        known = {k: v for k, v in item.items() if k in ReportEntry.__dataclass_fields__}
        unknown = sorted(set(item) - set(known))
        if unknown:
            raise RegistryError(f"{where} ({item['report_id']}) has unknown fields: {', '.join(unknown)}")
        entry = ReportEntry(**{k: (str(v) if v is not None else None) for k, v in known.items()})
        if not _ID.match(entry.report_id):
            raise RegistryError(f"{where}: report_id {entry.report_id!r} must be lower-case letters, digits, '-', '.', '_'")
        if entry.report_id in seen:
            raise RegistryError(f"{where}: report_id {entry.report_id!r} is registered twice (also entry {seen[entry.report_id]})")
        try:
            if entry.encoding.strip().lower() != "auto":  # auto: detected when read (reader.detect_encoding)
                codecs.lookup(entry.encoding)
        except LookupError:
            raise RegistryError(f"{where} ({entry.report_id}): unknown encoding {entry.encoding!r}") from None
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
    """Copy `source` into the reports folder and register it. Refuses to overwrite unless `replace`."""
    entries = load_registry(registry_path)
    existing = next((e for e in entries if e.report_id == entry.report_id), None)
    if existing and not replace:
        raise RegistryError(f"{registry_path}: report_id {entry.report_id!r} is already registered (use --replace)")
    target = entry.path(reports_dir)
    clash = next((e for e in entries if e.file == entry.file and e.report_id != entry.report_id), None)
    if clash:
        raise RegistryError(f"{registry_path}: file {entry.file} already belongs to {clash.report_id}")
    reports_dir.mkdir(parents=True, exist_ok=True)
    if source.resolve() != target.resolve():
        tmp = target.with_suffix(target.suffix + ".tmp")
        shutil.copyfile(source, tmp)
        tmp.replace(target)
    entries = [e for e in entries if e.report_id != entry.report_id] + [entry]
    payload = {"reports": [{k: v for k, v in asdict(e).items() if v is not None} for e in entries]}
    header = "# Registry of the reports the pipeline loads. One entry per file in seeds/reports/.\n"
    tmp = registry_path.with_suffix(".yaml.tmp")
    tmp.write_text(header + yaml.safe_dump(payload, allow_unicode=True, sort_keys=False), encoding="utf-8")
    tmp.replace(registry_path)
    return entry
