{#-
  What a fact row says about itself, for keys that survive a re-export: the labels of the row and of
  its parents (its label path, prefixed by the table it belongs to) and the header of its column
  (the fact's column_label, where the parser puts the family profile's canonical word for a header
  printed with a synonym). No line or table number: lines added above a table move those, not this.
  Rows with the same path, column and measure (a table printed twice) are numbered in document order.
  Reconciliation rows carry these columns (macro row_content), and acknowledgements match on them.
-#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='sync_all_columns',
    pre_hook="{{ delete_selected_reports() }}",
    post_hook="{{ postgres_index(['report_id', 'fact_table', 'row_id']) }}",
) }}

{#- One entry per fact table (or per kind of row of one): SQL expressions over its rows. A new fact
    table is one more entry. Defaults: row_id, parent_row_id (the tree the label path follows up),
    no column_label, no measure; `distinct` for entries naming printed rows rather than cells. -#}
{%- set fact_rows = [
    {'model': 'fct_budget_execution',
     'scope': 'coalesce(table_key, table_name)',
     'row_label': 'coalesce(item_name, label_raw)'},
    {'model': 'fct_project_funding',
     'scope': "source_kind || coalesce(': ' || project_name, '')",
     'row_label': 'coalesce(label, label_raw)',
     'column_label': "concat_ws(' ', period_printed, funding_source)",
     'measure': 'row_kind'},
    {'model': 'fct_kpi_attainment',
     'scope': "concat_ws(' ', org_unit, task_code)",
     'row_label': 'coalesce(kpi_name, label_raw)',
     'column_label': "case when row_id like '%#%' then 'measure ' || measure_seq end"},
    {'model': 'fct_budget_plan',
     'scope': "plan_table || ' #' || occurrence",
     'row_label': "replace(item_path, '/', ' > ')",
     'parent_row_id': 'null',
     'column_label': 'column_label',
     'measure': 'measure'},
    {'model': 'fct_budget_plan',
     'row_id': 'line_row_id',
     'distinct': true,
     'scope': "plan_table || ' #' || occurrence",
     'row_label': "replace(item_path, '/', ' > ')",
     'parent_row_id': 'null'},
    {'model': 'fct_performance_target',
     'scope': "target_table || ' #' || occurrence || ': ' || indicator",
     'row_label': "replace(item_path, '/', ' > ')",
     'parent_row_id': 'null',
     'column_label': 'column_label',
     'measure': 'measure'},
    {'model': 'fct_staffing',
     'scope': "'staffing ' || source_kind",
     'row_label': 'coalesce(row_label, row_kind)',
     'parent_row_id': 'null',
     'column_label': "concat_ws(' ', column_group, column_label)",
     'measure': 'row_kind'},
    {'model': 'fct_facility',
     'scope': "'facilities ' || row_kind",
     'row_label': "coalesce(facility_name, row_label, measure)",
     'parent_row_id': 'null',
     'column_label': 'row_label',
     'measure': 'measure'},
    {'model': 'fct_table_total',
     'scope': "'declared totals ' || identity_kind",
     'row_label': "coalesce(row_label, cell_role)",
     'parent_row_id': 'null',
     'column_label': 'column_label',
     'measure': 'cell_role'},
    {'model': 'fct_group_statistic',
     'scope': "'group statistics ' || table_shape || coalesce(': ' || group_label, '')",
     'row_label': 'row_label',
     'parent_row_id': 'null',
     'column_label': "nullif(concat_ws(' ', block_label, column_label), '')",
     'measure': 'measure'},
] -%}

with recursive nodes as (
    {%- for f in fact_rows %}
        {%- if not loop.first %}
            union all
        {%- endif %}
        {{ 'select distinct' if f.distinct else 'select' }}
            report_id,
            '{{ f.model }}' as fact_table,
            {{ f.row_id or 'row_id' }} as row_id,
            cast({{ f.parent_row_id or 'parent_row_id' }} as varchar) as parent_row_id,
            {{ f.scope }} as scope,
            {{ f.row_label }} as row_label,
            cast({{ f.column_label or 'null' }} as varchar) as column_label,
            cast({{ f.measure or 'null' }} as varchar) as measure,
            source_line
        from {{ ref(f.model) }}
        where {{ in_selected_reports('report_id') }}
    {%- endfor %}
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
    -- A root has no parent among the nodes (a null parent_row_id matches none). A plain NOT EXISTS,
    -- not `parent_row_id is null or not exists`: PostgreSQL runs that OR as a subplan scanning the
    -- CTE once per row (quadratic: a 1000-report build did not finish in 25 min); this is a hash anti-join.
    where
        not exists (
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
