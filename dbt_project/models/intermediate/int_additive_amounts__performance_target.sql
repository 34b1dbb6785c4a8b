{#-
  Program targets and budgets of the target tables (B2 사업화매출액, B3 신규고용) with the value of the
  parent row they add up into (same column: indicator, year block, measure; docs/report-families.md 6.3). ROI
  (1억원당) is not additive and is left out; so is the K1 headline (no tree).
  measure_name = measure and period ('target_2025', 'budget_change'), so parent and children meet.
  amount = value_in_sums ('-' counts 0). tolerance_per_child: 0.01, as 2-dp 억원 / 명 cells are
  rounded independently (docs/report-families.md 6.4).
-#}
with targets as (
    select *
    from {{ ref('fct_performance_target') }}
    where
        {{ in_selected_reports('report_id') }}
        and measure in ('target', 'budget')
        and target_table <> 'headline'
),

tables as (
    select
        report_id,
        table_no,
        table_title
    from {{ ref('stg_report_tables') }}
)

select
    targets.report_id,
    'fct_performance_target' as fact_table,
    targets.table_no,
    coalesce(tables.table_title, targets.indicator) as table_name,
    targets.row_id,
    targets.parent_row_id,
    targets.source_line,
    targets.label as row_label,
    targets.measure || '_' || targets.period as measure_name,
    targets.value_in_sums as amount,
    targets.value_flag,
    case when targets.measure = 'budget' then '억원' else targets.indicator_unit end as unit,
    cast(0.01 as decimal(38, 4)) as tolerance_per_child
from targets
left join tables
    on targets.report_id = tables.report_id and targets.table_no = tables.table_no
