{#-
  Org units (departments) that carry budget plan columns, one row per report and unit, with the
  number the report's table of contents gives the unit among its department entries (the `X` of KPI
  task codes `X-Y`; docs/report-families.md 2.1) when the unit is listed there. The parser matches
  printed column headers to the contents (spaces and middle dots ignored): `org_unit` is the contents'
  spelling, `org_unit_no` its number; `spellings` lists the headers as printed.
-#}
with cells as (
    select *
    from {{ ref('stg_budget_plan_lines') }}
    where
        {{ in_selected_reports('report_id') }}
        and org_unit is not null
)

select
    c.report_id,
    c.org_unit,
    min(c.org_unit_no) as org_unit_no,
    case when min(c.org_unit_no) is not null then 'department' else 'org_unit' end as org_unit_kind,
    string_agg(distinct c.column_label, ' | ' order by c.column_label) as spellings,
    string_agg(distinct c.plan_table, ', ' order by c.plan_table) as plan_tables,
    min(c.source_line) as first_source_line,
    count(*) as cell_count
from cells as c
group by c.report_id, c.org_unit
