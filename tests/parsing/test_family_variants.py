"""The next report of a family yields the same facts: copies of the bundled reports with their years
moved on, or with header synonyms of the family profile (seeds/families/), parse like the originals.
(The full variant corpus and its verdict test live elsewhere; these are the parser-level checks.)"""

from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from orchestration.parsing import budget_execution, budget_plan, kpi, performance_targets, project_funding
from orchestration.parsing.reader import read_report

SEEDS = Path(__file__).resolve().parents[2] / "seeds" / "reports"
MODULES = (budget_execution, budget_plan, kpi, performance_targets, project_funding)
FAMILY = {
    "chungbuk-tp-2024-q3": "agency_status_report",
    "chungbuk-sti-2020-h1": "agency_status_report",
    "gangwon-2025-plan": "regional_industry_plan",
}
# years moved on by one: later years first, so no year is moved twice (the target-setting tables print
# every year of their range: '21 '22 '23)
NEXT_YEAR = [
    ("2025", "2026"), ("2024", "2025"), ("2023", "2024"),
    ("'25", "'26"), ("'24", "'25"), ("'23", "'24"), ("'22", "'23"), ("'21", "'22"), ("21~23", "22~24"),
]  # fmt: skip
VARIANTS = {
    "next_year": ("gangwon-2025-plan", NEXT_YEAR),
    "execution_header_synonyms": ("chungbuk-sti-2020-h1", [("집행액", "집행"), ("예산액", "예산")]),
    "contents_title_synonym": ("chungbuk-tp-2024-q3", [("목 차", "차 례")]),
    "change_header_synonym": ("gangwon-2025-plan", [("증감", "전년대비")]),
}


def _summary(report_id: str, path: Path) -> dict:
    """Per fact table: rows by (period role, measure) and the sum of every exact amount column."""
    report = read_report(report_id, path, "utf-8", FAMILY[report_id])
    out = {}
    for module in MODULES:
        rows = module.extract(report)
        shape = Counter((r.get("period_role"), r.get("measure"), r.get("row_kind") or r.get("level")) for r in rows)
        sums = Counter()
        for row in rows:
            for column, value in row.items():
                if isinstance(value, Decimal):
                    sums[column] += value
        out[module.EXTRACTOR.table] = (len(rows), shape, sums)
    return out


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_variant_yields_the_facts_of_the_original(variant, tmp_path):
    report_id, replacements = VARIANTS[variant]
    text = (SEEDS / f"{report_id}.txt").read_text("utf-8")
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / f"{variant}.txt"
    path.write_text(text, encoding="utf-8")
    assert _summary(report_id, path) == _summary(report_id, SEEDS / f"{report_id}.txt")


def test_next_year_keeps_period_roles_and_moves_the_printed_years(tmp_path):
    text = (SEEDS / "gangwon-2025-plan.txt").read_text("utf-8")
    for old, new in NEXT_YEAR:
        text = text.replace(old, new)
    path = tmp_path / "next.txt"
    path.write_text(text, encoding="utf-8")
    before = performance_targets.extract(read_report("g", SEEDS / "gangwon-2025-plan.txt", family="regional_industry_plan"))
    after = performance_targets.extract(read_report("g", path, family="regional_industry_plan"))
    assert {r["period_role"] for r in before} >= {"plan_year", "base_year", "change", "mean_3y"}
    assert [r["period_role"] for r in after] == [r["period_role"] for r in before]
    moved = {(b["period"], a["period"]) for b, a in zip(before, after)}
    assert ("2025", "2026") in moved and ("2024", "2025") in moved and ("2021-2023", "2022-2024") in moved


def test_change_header_synonym_keeps_the_canonical_column_label(tmp_path):
    """Column labels are keys (acknowledgements match on them): a change column printed `전년대비`
    is labelled with the profile's canonical word, as the original's `증감`."""
    report_id = "gangwon-2025-plan"
    text = (SEEDS / f"{report_id}.txt").read_text("utf-8")
    path = tmp_path / "synonym.txt"
    path.write_text(text.replace("증감", "전년대비"), encoding="utf-8")

    def labels(source: Path) -> Counter:
        report = read_report(report_id, source, "utf-8", FAMILY[report_id])
        return Counter(r["column_label"] for m in (budget_plan, performance_targets) for r in m.extract(report))

    original = labels(SEEDS / f"{report_id}.txt")
    assert original["증감 국비"] > 0 and original["증감 목표"] > 0
    assert labels(path) == original


def test_a_profile_in_the_seeds_folder_adds_header_spellings(tmp_path, monkeypatch):
    """A new spelling of a program-table header is a profile entry, not code: with `국고` added as a
    synonym of `국비` in a profile under BUDGET_RECON_SEEDS/families (which wins over the bundled one),
    a plan printing `국고` yields the original's facts, labelled with the canonical `국비`."""
    from orchestration.parsing.profiles import profile_path

    report_id, family = "gangwon-2025-plan", FAMILY["gangwon-2025-plan"]
    text = (SEEDS / f"{report_id}.txt").read_text("utf-8")
    path = tmp_path / "national.txt"
    # the header cells only (prose and funding lines print 국비 too: other extractors' vocabulary)
    lines = ["\t".join("국고" if c.strip() == "국비" else c for c in line.split("\t")) for line in text.split("\n")]
    assert lines != text.split("\n")
    path.write_text("\n".join(lines), encoding="utf-8")

    def labels(source: Path) -> Counter:
        report = read_report(report_id, source, "utf-8", family)
        return Counter((r["column_label"], r["funding_source"]) for r in budget_plan.extract(report))

    original = labels(SEEDS / f"{report_id}.txt")
    assert labels(path) != original  # the bundled profile does not know 국고
    own = _seeds_profile(tmp_path, monkeypatch, family, lambda d: d["program_budget_columns"].update(national=["국비", "국고"]))
    assert profile_path(family) == own
    assert labels(path) == original
    assert _summary(report_id, path) == _summary(report_id, SEEDS / f"{report_id}.txt")


def test_a_new_execution_table_title_word_is_a_profile_entry(tmp_path, monkeypatch):
    """An execution table's kind comes from a word of its title listed in the profile: a report titling
    its foundation table `법인운영지출` reads like the original once the profile lists `법인운영`."""
    report_id, family = "chungbuk-tp-2024-q3", FAMILY["chungbuk-tp-2024-q3"]
    text = (SEEDS / f"{report_id}.txt").read_text("utf-8")
    assert "\n○ 재단운영지출\n" in text
    path = tmp_path / "renamed.txt"
    path.write_text(text.replace("\n○ 재단운영지출\n", "\n○ 법인운영지출\n"), encoding="utf-8")

    def shape(source: Path) -> list:
        report = read_report(report_id, source, "utf-8", family)
        rows = budget_execution.extract(report)
        return [(r["row_id"], r["table_key"], r["parent_row_id"], r["summary_row_id"], r["budget_won"]) for r in rows]

    original = shape(SEEDS / f"{report_id}.txt")
    assert shape(path) != original  # the bundled profile does not know 법인운영
    _seeds_profile(tmp_path, monkeypatch, family, lambda d: d["execution_table_kinds"].insert(0, ["법인운영", "foundation_operations"]))
    assert shape(path) == original


def test_a_new_item_column_header_is_a_profile_entry(tmp_path, monkeypatch):
    """The org-unit budget tables are found by the header of their item column: a report printing `과목`
    for `예산과목` yields the original's budget plan facts once the profile lists `과목`."""
    report_id, family = "chungbuk-tp-2024-q3", FAMILY["chungbuk-tp-2024-q3"]
    text = (SEEDS / f"{report_id}.txt").read_text("utf-8")
    lines = ["\t".join("과목" if c.strip() == "예산과목" else c for c in line.split("\t")) for line in text.split("\n")]
    path = tmp_path / "item_header.txt"
    path.write_text("\n".join(lines), encoding="utf-8")

    def facts(source: Path) -> list[dict]:
        return budget_plan.extract(read_report(report_id, source, "utf-8", family))

    original = facts(SEEDS / f"{report_id}.txt")
    assert len(original) > 100 and facts(path) == []  # the bundled profile does not know 과목
    _seeds_profile(tmp_path, monkeypatch, family, lambda d: d["budget_item_headers"].append("과목"))
    assert facts(path) == original


def _seeds_profile(tmp_path: Path, monkeypatch, family: str, edit) -> Path:
    """A copy of the bundled profile, changed by `edit(data)`, in a seeds folder BUDGET_RECON_SEEDS
    points at (it wins over the bundled one); returns its path."""
    import yaml

    from orchestration.parsing.profiles import BUNDLED_FAMILIES_DIR

    data = yaml.safe_load((BUNDLED_FAMILIES_DIR / f"{family}.yaml").read_text("utf-8"))
    edit(data)
    families = tmp_path / "seeds" / "families"
    families.mkdir(parents=True)
    path = families / f"{family}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("BUDGET_RECON_SEEDS", str(tmp_path / "seeds"))
    return path
