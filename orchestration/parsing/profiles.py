"""Family profiles: what differs between report families is data, one YAML file per family
(`seeds/families/<family>.yaml`, docs/report-families.md "Family profiles").

The registry's `family` field selects the profile of a report. The parsers read it here; the
`report_profile` extractor writes the parts the dbt models need into `raw.report_profile`, one set
of rows per report, so Python and dbt read the same source. A report read without a family (unit
tests on fragments) gets every family's vocabulary merged.
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path

from ..settings import PROJECT_ROOT, paths
from ..yaml_files import read_yaml
from .extractors import Extractor
from .reader import Report

BUNDLED_FAMILIES_DIR = PROJECT_ROOT / "seeds" / "families"


class UnknownFamilyError(ValueError):
    """The registry names a family that has no profile file."""


def families_dirs() -> tuple[Path, ...]:
    """Where profiles are looked up: the seeds folder's `families/` (BUDGET_RECON_SEEDS; a profile
    there adds a family or replaces a bundled one), then the bundled profiles."""
    return _families_dirs(os.environ.get("BUDGET_RECON_SEEDS"))


@functools.cache
def _families_dirs(seeds: str | None) -> tuple[Path, ...]:  # parsers ask per table: no path resolving each time
    return tuple(dict.fromkeys((paths().seeds / "families", BUNDLED_FAMILIES_DIR)))


def family_names() -> tuple[str, ...]:
    return _family_names(families_dirs())


@functools.cache
def _family_names(dirs: tuple[Path, ...]) -> tuple[str, ...]:
    return tuple(sorted({p.stem for d in dirs for p in d.glob("*.yaml")}))


def profile_path(family: str) -> Path:
    """The profile file of a family (the first folder of families_dirs() holding it)."""
    dirs = families_dirs()
    return _profile_path(family, dirs) or dirs[0] / f"{family}.yaml"


@functools.lru_cache(maxsize=None)
def _found_profile(family: str, dirs: tuple[Path, ...]) -> Path:
    found = next((d / f"{family}.yaml" for d in dirs if (d / f"{family}.yaml").is_file()), None)
    if found is None:
        raise FileNotFoundError(family)  # not cached: a profile added later is found
    return found


def _profile_path(family: str, dirs: tuple[Path, ...]) -> Path | None:
    try:
        return _found_profile(family, dirs)
    except FileNotFoundError:
        return None


def load_profile(family: str) -> dict:
    return _load(family, profile_path(family))


@functools.cache
def _load(family: str, path: Path) -> dict:
    if not path.is_file():
        raise UnknownFamilyError(
            f"no profile for report family {family!r}: expected {path} (known: {', '.join(family_names())})"
        )
    profile = read_yaml(path) or {}
    if profile.get("family") != family:
        raise UnknownFamilyError(f"{path}: 'family' must be {family!r}")
    return profile


def _merged() -> dict:
    return _merged_of(family_names())


@functools.cache
def _merged_of(families: tuple[str, ...]) -> dict:
    merged: dict = {}
    for family in families:
        for key, value in load_profile(family).items():
            if isinstance(value, dict):
                merged.setdefault(key, {}).update(value)
            elif isinstance(value, list):
                existing = merged.setdefault(key, [])
                existing.extend(v for v in value if v not in existing)
            else:
                merged.setdefault(key, value)
    return merged


def profile(report: Report | None) -> dict:
    family = getattr(report, "family", None)
    return load_profile(family) if family else _merged()


def total_labels(report: Report | None) -> frozenset[str]:
    """Labels of total rows and columns (profile `total_labels`), compared squashed."""
    return frozenset(profile(report).get("total_labels") or ())


def column_words(report: Report | None, key: str) -> dict[str, tuple[str, str]]:
    """A profile section of header words (`measure: [canonical word, synonyms…]`) as squashed printed
    word -> (measure, canonical word). Column labels print the canonical word: they are keys."""
    out: dict[str, tuple[str, str]] = {}
    for measure, words in (profile(report).get(key) or {}).items():
        for word in words:
            out.setdefault(re.sub(r"\s+", "", word), (measure, words[0]))
    return out


def name_key(text: str) -> str:
    """A label compared without case, spacing and punctuation (as the dbt models compare labels)."""
    return re.sub(r"[^0-9a-z가-힣/+&]", "", text.lower())


# ---------------------------------------------------------------------------------------------
# raw.report_profile: the profile entries the dbt models join on


COLUMNS: dict[str, str] = {
    "report_id": "VARCHAR",
    "family": "VARCHAR",
    "section": "VARCHAR",  # headline_roi_base | roi_base_excluded_program | combined_total_label | name_alias | …
    "position": "INTEGER",  # order within the section
    "key": "VARCHAR",
    "value": "VARCHAR",
    "key_2": "VARCHAR",
    "value_2": "VARCHAR",
}


def _entries(data: dict) -> list[tuple[str, str | None, str | None, str | None, str | None]]:
    out = []
    for indicator, base in (data.get("headline_roi_bases") or {}).items():
        out.append(("headline_roi_base", name_key(indicator), base, None, None))
    for program in data.get("roi_base_excluded_programs") or ():
        out.append(("roi_base_excluded_program", name_key(program), None, None, None))
    tree = data.get("program_tree_rows") or {}
    for word in tree.get("combined_total") or ():
        out.append(("combined_total_label", name_key(word), None, None, None))
    if data.get("rnd_total_section"):
        label = data["rnd_total_section"] + (tree.get("section_total_word") or "")
        out.append(("rnd_total_label", name_key(label), None, None, None))
    for printed, canonical in (data.get("name_aliases") or {}).items():
        out.append(("name_alias", printed, canonical, None, None))
    for prefix in data.get("project_name_prefixes") or ():
        out.append(("project_name_prefix", prefix, None, None, None))
    for short, full in (data.get("ministry_aliases") or {}).items():
        out.append(("ministry_alias", short, full, None, None))
    for entry in data.get("cross_table_budget") or ():
        out.append(
            ("cross_table_budget", entry["plan_table"], entry["table_key"], entry["item_path"], entry.get("item_name"))
        )
    return out


def extract(report: Report) -> list[dict]:
    family = getattr(report, "family", None)
    rows = []
    for position, (section, key, value, key_2, value_2) in enumerate(_entries(profile(report)), start=1):
        rows.append(
            {
                "report_id": report.report_id,
                "family": family,
                "section": section,
                "position": position,
                "key": key,
                "value": value,
                "key_2": key_2,
                "value_2": value_2,
            }
        )
    return rows


EXTRACTOR = Extractor(
    table="report_profile",
    description=(
        "The report's family profile entries the reconciliation models join on (seeds/families/<family>.yaml): "
        "headline ROI bases, name and ministry aliases, project name prefixes, the cross-table budget map."
    ),
    columns=COLUMNS,
    key=("report_id", "position"),
    extract=extract,
)
