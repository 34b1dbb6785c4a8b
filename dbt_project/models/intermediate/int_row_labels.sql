{#-
  What a fact row says about itself, for keys that survive a re-export: the labels of the row and of
  its parents (its label path, prefixed by the table it belongs to) and the printed header of its
  column. No line or table number: lines added above a table move those, not this.
  Rows with the same path, column and measure (a table printed twice) are numbered in document order.
  Reconciliation rows carry these columns (macro row_content), and acknowledgements match on them.
-#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='sync_all_columns',
    pre_hook="{{ delete_selected_reports() }}",
) }}

with recursive nodes as (
    select
        report_id,
        'fct_budget_execution' as fact_table,
        row_id,
        parent_row_id,
        coalesce(table_key, table_name) as scope,
        coalesce(item_name, label_raw) as row_label,
        cast(null as varchar) as column_label,
        cast(null as varchar) as measure,
        source_line
    from {{ ref('fct_budget_execution') }}
    where {{ in_selected_reports('report_id') }}
    union all
    select
        report_id,
        'fct_project_funding' as fact_table,
        row_id,
        parent_row_id,
        source_kind || coalesce(': ' || project_name, '') as scope,
        coalesce(label, label_raw) as row_label,
        concat_ws(' ', period_printed, funding_source) as column_label,
        row_kind as measure,
        source_line
    from {{ ref('fct_project_funding') }}
    where {{ in_selected_reports('report_id') }}
    union all
    select
        report_id,
        'fct_kpi_attainment' as fact_table,
        row_id,
        parent_row_id,
        concat_ws(' ', org_unit, task_code) as scope,
        coalesce(kpi_name, label_raw) as row_label,
        case when row_id like '%#%' then 'measure ' || measure_seq end as column_label,
        null as measure,
        source_line
    from {{ ref('fct_kpi_attainment') }}
    where {{ in_selected_reports('report_id') }}
    union all
    -- item_path is the tree path already: no recursion needed
    select
        report_id,
        'fct_budget_plan' as fact_table,
        row_id,
        null as parent_row_id,
        plan_table || ' #' || occurrence as scope,
        replace(item_path, '/', ' > ') as row_label,
        column_label,
        measure,
        source_line
    from {{ ref('fct_budget_plan') }}
    where {{ in_selected_reports('report_id') }}
    union all
    -- the printed row as a whole (checks on rows rather than cells name it)
    select distinct
        report_id,
        'fct_budget_plan' as fact_table,
        line_row_id as row_id,
        null as parent_row_id,
        plan_table || ' #' || occurrence as scope,
        replace(item_path, '/', ' > ') as row_label,
        null as column_label,
        null as measure,
        source_line
    from {{ ref('fct_budget_plan') }}
    where {{ in_selected_reports('report_id') }}
    union all
    select
        report_id,
        'fct_performance_target' as fact_table,
        row_id,
        null as parent_row_id,
        target_table || ' #' || occurrence || ': ' || indicator as scope,
        replace(item_path, '/', ' > ') as row_label,
        column_label,
        measure,
        source_line
    from {{ ref('fct_performance_target') }}
    where {{ in_selected_reports('report_id') }}
    union all
    -- head counts: the row (정원, 현원, a department; a breakdown row under its kind) and the column
    select
        report_id,
        'fct_staffing' as fact_table,
        row_id,
        null as parent_row_id,
        'staffing ' || source_kind as scope,
        coalesce(row_label, row_kind) as row_label,
        concat_ws(' ', column_group, column_label) as column_label,
        row_kind as measure,
        source_line
    from {{ ref('fct_staffing') }}
    where {{ in_selected_reports('report_id') }}
),

paths as (
    select
        n.report_id,
        n.fact_table,
        n.row_id,
        n.scope,
        n.row_label as label_chain,
        n.column_label,
        n.measure,
        n.source_line
    from nodes as n
    where
        n.parent_row_id is null
        or not exists (
            select 1
            from nodes as p
            where p.report_id = n.report_id and p.fact_table = n.fact_table and p.row_id = n.parent_row_id
        )
    union all
    select
        c.report_id,
        c.fact_table,
        c.row_id,
        c.scope,
        p.label_chain || ' > ' || c.row_label as label_chain,
        c.column_label,
        c.measure,
        c.source_line
    from paths as p
    inner join nodes as c
        on p.report_id = c.report_id and p.fact_table = c.fact_table and p.row_id = c.parent_row_id
),

keyed as (
    select
        *,
        scope || ': ' || label_chain as base_path
    from paths
)

select
    report_id,
    fact_table,
    row_id,
    base_path || case
        when count(*) over same_key > 1
            then ' (' || row_number() over (same_key order by source_line, row_id) || ')'
        else ''
    end as label_path,
    column_label
from keyed
window same_key as (partition by report_id, fact_table, base_path, column_label, measure)
