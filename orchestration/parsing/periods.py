"""Period roles: what a value's period means for the report, independent of the printed year
(docs/report-families.md, "Period roles").

Models key on the role ('plan_year', 'base_year', 'change', 'mean_3y', 'year_-2'); the printed
period (a year 'YYYY', a range 'YYYY-YYYY', or 'change') stays in the facts as data.
"""

from __future__ import annotations

CENTURY = 100 * 20  # two-digit years ('24, 21~23) are years of this century


def full_year(year: int) -> int:
    return year + CENTURY if year < 100 else year


def period_role(period: str | None, anchor_year: int | None) -> str | None:
    """The role of a printed period relative to the report's (or the table's) plan year.

    - 'change': a 증감 / 전년대비 column;
    - 'mean_<N>y': an N-year average ('2021-2023' -> 'mean_3y');
    - 'plan_year': the anchor year itself; 'base_year': the year before it;
    - 'year_<offset>' for any other year of a series ('year_-2', 'year_+1').
    """
    if period is None:
        return None
    if period == "change":
        return "change"
    if "-" in period:
        start, end = (int(p) for p in period.split("-", 1))
        return f"mean_{end - start + 1}y"
    if not period.isdigit() or anchor_year is None:
        return None
    offset = int(period) - anchor_year
    if offset == 0:
        return "plan_year"
    if offset == -1:
        return "base_year"
    return f"year_{offset:+d}"
