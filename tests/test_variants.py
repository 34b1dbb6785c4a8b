"""The next report gets the same facts and verdicts: every variant of every bundled report
(tests/variants.py: years moved on, blank and prose lines, header synonyms, another contents title,
parts swapped, a department renamed, units rescaled, a re-export under the same id) goes through ONE
`budget-recon run` together with the unchanged originals, and each variant must yield the original's
facts (read back through the variant's line, table and year maps) and the original's verdicts (the
same identities flagged on the same rows, the same rows checked per suite; for the re-export under
the same id, the same acknowledgements applied).

A failing case prints, per fact table or gate table, the rows only in the original, only in the
variant, and the mapped rows whose values differ (`~ t29:L1863: budget_won: 1 -> 2`).

A variant that differs is a failure (the header-synonyms variant found the last gap: column labels
were the printed headers; they are now the family profile's canonical words).
"""

from __future__ import annotations

import re

import pytest

from tests.variants import (
    APPLIES, VARIANTS, Mapping, VariantCorpus, YearShift, _bundled, all_variants, diff_rows, original_doc, reexport, years,
)

REPORTS = ("chungbuk-tp-2024-q3", "chungbuk-sti-2020-h1", "gangwon-2025-plan")
CASES = [(r, name) for r in REPORTS for name in VARIANTS if r in APPLIES.get(name, {r})]


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    return VariantCorpus(tmp_path_factory.mktemp("variants")).add_all().run()


def _variant(results, report: str, name: str):
    return next(v for v in results.corpus.variants if v.source_report == report and v.name == name)


@pytest.mark.slow
def test_every_report_went_through_the_gate(results):
    checked = set(results.checks.report_id)
    expected = {f"{r}--base" for r in REPORTS} | {v.report_id for v in results.corpus.variants}
    assert expected <= checked, f"not gated: {sorted(expected - checked)}; run output:\n{results.stdout[-3000:]}"


@pytest.mark.slow
def test_originals_pass_the_gate(results):
    for report in REPORTS:
        failed = results.failed[(results.failed.report_id == f"{report}--base") & (results.failed.severity == "ERROR")]
        assert failed.empty, failed.message.tolist()[:5]


@pytest.mark.slow
def test_originals_yield_facts(results):
    """The comparisons below are not vacuous: every original has facts and checked identities."""
    for report in REPORTS:
        facts = sum(int((f.report_id == f"{report}--base").sum()) for t, f in results.facts.items() if t.startswith("raw."))
        checked = results.checks[results.checks.report_id == f"{report}--base"].row_count.sum()
        assert facts > 100 and checked > 100, (report, facts, checked)


@pytest.mark.slow
@pytest.mark.parametrize("aspect", ["facts", "verdicts"])
@pytest.mark.parametrize("report, name", CASES, ids=[f"{r}:{n}" for r, n in CASES])
def test_variant_yields_the_same_facts_and_verdicts(results, report, name, aspect):
    variant = _variant(results, report, name)
    diff = results.fact_diff(variant) if aspect == "facts" else results.verdict_diff(variant)
    assert not diff, f"{variant.report_id} ({name}{': ' + variant.note if variant.note else ''}), {aspect}:\n" + "\n".join(diff)


# --- the generator itself (no pipeline) -----------------------------------------------------


@pytest.mark.parametrize("report", REPORTS)
def test_year_shift_is_undone_exactly(report):
    variant = years(report, 2)
    back = variant.year_shift.inverse()
    for (number, text), (_, shifted) in zip(original_doc(report), variant.doc):
        assert back.text(shifted) == text, f"line {number}"


def test_year_forms():
    shift = YearShift(1, 2024)
    assert shift.text("(2024.9.30.현재, 단위 : 천원, %)") == "(2025.9.30.현재, 단위 : 천원, %)"
    assert shift.text("'24. 4. 착수, '21~'23 평균, 3년 평균(21~23년)*") == "'25. 4. 착수, '22~'24 평균, 3년 평균(22~24년)*"
    assert shift.text("24년도 20.04.13. 21년~23년 (21~'23)") == "25년도 21.04.13. 22년~24년 (22~'24)"
    # amounts, durations and decimals stay
    assert shift.text("2,024\t2024.5\t10년 이상\t12,024\t(57개월)\t101.195") == "2,024\t2024.5\t10년 이상\t12,024\t(57개월)\t101.195"


def test_variants_only_move_insert_or_edit_lines():
    for variant in all_variants():
        originals = [n for n, _ in variant.doc if n is not None]
        assert sorted(originals) == list(range(1, len(original_doc(variant.source_report)) + 1)), variant.name
        if variant.name in ("years+1", "years+2", "header-synonyms", "toc-title", "department-renamed", "units"):
            assert originals == sorted(originals), variant.name  # edited in place


def test_mapping_and_diff_name_the_rows_that_differ():
    variant = reexport("chungbuk-tp-2024-q3")  # four lines on top
    mapping = Mapping(variant.report_id, variant, tables={7: 6})
    assert mapping.text("parent_total:fct_budget_plan:t7:L140:c5:budget_won") == "parent_total:fct_budget_plan:t6:L136:c5:budget_won"
    assert mapping.value("source_line", 140) == 136 and mapping.value("other_lines", "141,142") == "137,138"
    columns = ["row_id", "amount_won"]
    original = [{"row_id": "t6:L136:c5", "amount_won": 90}, {"row_id": "t6:L137:c5", "amount_won": 0}]
    assert diff_rows(original, [dict(r) for r in original], columns) == []
    lines = diff_rows(original, [{"row_id": "t6:L136:c5", "amount_won": 80}], columns)
    assert "~ t6:L136:c5: amount_won: 90 -> 80" in "\n".join(lines) and "only in original" in "\n".join(lines)


def test_reexport_keeps_the_bundled_id():
    variant = next(v for v in all_variants() if v.name == "reexport")
    assert variant.same_id and variant.report_id in _bundled()
    assert variant.line_map[1] == 5


def test_unit_change_is_exact():
    sti = next(v for v in all_variants() if v.name == "units" and v.source_report == "chungbuk-sti-2020-h1")
    assert "42,273\t" in sti.text or "42,273\t-" in sti.text.replace("</b>", "")
    tp = next(v for v in all_variants() if v.name == "units" and v.source_report == "chungbuk-tp-2024-q3")
    assert "- 사업비 : 5,714백만원(국비 1,354, 도비 4,360)" in tp.text
    assert not re.search(r"사업비 : [\d,.]+억원\(", tp.text)
