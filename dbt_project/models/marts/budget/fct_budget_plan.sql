{#-
  Budget plan facts: one row per printed value cell (org unit or program x year x funding source x
  measure) with exact won amounts and the parent cell it adds up into (same column, parent row).
  The gate checks `amount_won_in_sums` of a parent = sum over its children, and the 계 column
  (`is_column_total`) = sum of the department columns of the same printed row (`line_row_id`).
-#}
with cells as (
    select *
    from {{ ref('stg_budget_plan_lines') }}
    where {{ in_selected_reports('report_id') }}
),

org_units as (
    select
        report_id,
        org_unit,
        org_unit_no
    from {{ ref('dim_org_unit') }}
    where {{ in_selected_reports('report_id') }}
)

select
    c.report_id,
    c.row_id,
    c.line_row_id,
    c.parent_row_id,
    c.table_no,
    c.source_line,
    c.occurrence,
    c.plan_table,
    c.label_raw,
    c.label,
    c.item_path,
    c.item_level,
    c.is_total,
    c.org_unit,
    o.org_unit_no,
    c.column_label,
    c.is_column_total,
    c.program,
    c.sub_program,
    c.industry,
    c.fiscal_year,
    c.funding_source,
    case c.funding_source
        when '국비' then 'national'
        when '지방비' then 'local'
        when '합계' then 'total'
    end as funding_source_en,
    c.measure,
    c.amount_printed,
    c.amount,
    c.unit,
    c.amount_won,
    -- a dash is "none": null as a value, 0 in sums (blank and masked stay unknown)
    case when c.value_flag = 'dash' then 0 else c.amount_won end as amount_won_in_sums,
    c.amount_won = c.amount * {{ won_per_unit('c.unit') }} as is_won_consistent,
    c.value_flag,
    c.flags
from cells as c
left join org_units as o
    on c.report_id = o.report_id and c.org_unit = o.org_unit
