{#-
  Org units (departments) that carry budget plan columns, one row per report and unit, with the
  number the report's table of contents gives the unit under part III (the `X` of KPI task codes
  `X-Y`) when the unit is listed there. `org_unit` is already the TOC spelling (the parser matches
  printed column headers to the TOC with spaces and middle dots ignored); `spellings` lists the
  headers as printed.
-#}
with cells as (
    select *
    from {{ ref('stg_budget_plan_lines') }}
    where
        {{ in_selected_reports('report_id') }}
        and org_unit is not null
),

toc_table as (
    -- the first table per report whose title or heading says 목차
    select
        report_id,
        min(table_no) as table_no
    from {{ ref('stg_report_tables') }}
    where
        {{ in_selected_reports('report_id') }}
        and regexp_replace(coalesce(table_title, '') || coalesce(heading, ''), '\s', '', 'g') like '%목차%'
    group by report_id
),

toc_rows as (
    select
        r.report_id,
        r.row_no,
        trim(regexp_replace(json_extract_string(r.cells, '$[0]'), '\*\*', '', 'g')) as entry
    from {{ ref('stg_report_rows') }} as r
    inner join toc_table as t
        on r.report_id = t.report_id and r.table_no = t.table_no
),

toc_parts as (
    -- running count of roman part lines; part III is the third (I., II., III. / Ⅲ.)
    select
        report_id,
        row_no,
        entry,
        regexp_extract(entry, '^([IVX]+|[ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩ])\s*\.', 1) as roman
    from toc_rows
),

toc_numbered as (
    select
        report_id,
        cast(nullif(regexp_extract(entry, '^(\d{1,2})\s*\.', 1), '') as integer) as entry_no,
        trim(regexp_extract(entry, '^\d{1,2}\s*\.\s*(.+)$', 1)) as entry_title,
        last_value(nullif(roman, '') ignore nulls) over (
            partition by report_id order by row_no
            rows between unbounded preceding and current row
        ) as part_roman
    from toc_parts
),

toc_departments as (
    select
        report_id,
        entry_no,
        entry_title
    from toc_numbered
    where
        entry_no is not null
        and part_roman in ('III', 'Ⅲ')
)

select
    c.report_id,
    c.org_unit,
    min(d.entry_no) as org_unit_no,
    case when min(d.entry_no) is not null then 'department' else 'org_unit' end as org_unit_kind,
    string_agg(distinct c.column_label, ' | ' order by c.column_label) as spellings,
    string_agg(distinct c.plan_table, ', ' order by c.plan_table) as plan_tables,
    min(c.source_line) as first_source_line,
    count(*) as cell_count
from cells as c
left join toc_departments as d
    on
        c.report_id = d.report_id
        and regexp_replace(c.org_unit, '[\s·ㆍ・]', '', 'g') = regexp_replace(d.entry_title, '[\s·ㆍ・]', '', 'g')
group by c.report_id, c.org_unit
