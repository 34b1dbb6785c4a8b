{#-
  KPI quantities (target, actual) with the parent KPI they add up into (docs/report-families.md 6.1 / 6.2).
  Only children marked adds_to_parent keep their parent: same unit family as the parent, numeric
  parent, not a %-KPI, not status-only. Actuals enter as actual_in_sums (진행중 / 추진중 = 0).
  Parents that are %-KPIs or carry no number have no amount, so no identity is built on them.
  tolerance_per_child: 0 (counts are exact).
-#}
with kpi as (
    select
        report_id,
        'fct_kpi_attainment' as fact_table,
        cast(null as integer) as table_no,
        '이행과제 ' || task_code || coalesce(' ' || task_title, '') as table_name,
        row_id,
        case when adds_to_parent then parent_row_id end as parent_row_id,
        source_line,
        kpi_name as row_label,
        unit,
        is_percentage_kpi,
        target,
        actual_in_sums
    from {{ ref('fct_kpi_attainment') }}
    where {{ in_selected_reports('report_id') }}
),

amounts as (
    select
        kpi.report_id,
        kpi.fact_table,
        kpi.table_no,
        kpi.table_name,
        kpi.row_id,
        kpi.parent_row_id,
        kpi.source_line,
        kpi.row_label,
        measures.measure_name,
        measures.amount,
        cast(null as varchar) as value_flag,
        kpi.unit,
        0 as tolerance_per_child
    from kpi
    cross join
        lateral (
            select
                unnest(array['target', 'actual']) as measure_name,
                unnest(array[kpi.target, kpi.actual_in_sums]) as amount
        ) as measures
    where not kpi.is_percentage_kpi
)

select * from amounts
