{#-
  증감 columns of the program target tables (B2, B3) and of the indicator-setting tables (K5,
  docs/report-families.md 4.6): change = plan year - base year of the same printed row
  (period roles, docs/report-families.md),
  for targets, budgets and ROI (Δ1억원당), and for the 총사업비 parenthesis of budgets
  (`△0.70 (88.98)`: 88.98 = 160.70 - 71.72). Differences of printed values; the report computes from
  unrounded values, so ±0.01 (docs/report-families.md 6.4). '-' counts 0; blank or masked cells are left out.
-#}
with targets as (
    select * from {{ ref('fct_performance_target') }}
    where
        {{ in_selected_reports('report_id') }}
        and target_table in ('sales_target', 'employment_target', 'indicator_setting')
),

tables as (
    {{ report_tables() }}
),

rows_by_measure as (
    select
        report_id,
        table_no,
        line_row_id,
        indicator,
        measure,
        {{ any_value("label") }} as row_label,
        {{ any_value("source_line") }} as source_line,
        {{ any_value("value_unit") }} filter (where period_role = 'change') as change_unit,
        {{ any_value("row_id") }} filter (where period_role = 'change') as change_row_id,
        {{ any_value("value_in_sums") }} filter (where period_role = 'base_year') as value_base,
        {{ any_value("value_in_sums") }} filter (where period_role = 'plan_year') as value_plan,
        {{ any_value("value_in_sums") }} filter (where period_role = 'change') as value_change,
        count(*) filter (where period_role = 'base_year') as n_base,
        count(*) filter (where period_role = 'plan_year') as n_plan,
        count(*) filter (where period_role = 'change') as n_change,
        {{ any_value("companion") }} filter (where period_role = 'base_year') as companion_base,
        {{ any_value("companion") }} filter (where period_role = 'plan_year') as companion_plan,
        {{ any_value("companion") }} filter (where period_role = 'change') as companion_change
    from targets
    group by report_id, table_no, line_row_id, indicator, measure
),

checks as (
    select
        report_id,
        'change:' || change_row_id as check_id,
        'change_equals_difference_of_years' as identity_name,
        table_no,
        change_row_id as row_id,
        row_label,
        measure || '_change' as measure_name,
        source_line,
        value_plan - value_base as expected,
        value_change as found,
        change_unit as unit
    from rows_by_measure
    where
        n_base = 1 and n_plan = 1 and n_change = 1
        and value_base is not null and value_plan is not null and value_change is not null

    union all

    select
        report_id,
        'change_total_project_cost:' || change_row_id as check_id,
        'total_project_cost_change_equals_difference_of_years' as identity_name,
        table_no,
        change_row_id as row_id,
        row_label,
        'total_project_cost_change' as measure_name,
        source_line,
        coalesce(companion_plan, 0) - coalesce(companion_base, 0) as expected,
        coalesce(companion_change, 0) as found,
        '억원' as unit
    from rows_by_measure
    where
        measure = 'budget'
        and n_change = 1
        and (companion_base is not null or companion_plan is not null or companion_change is not null)
)

select
    {{ row_content('checks', "'fct_performance_target'") }},
    {{ check_columns('checks', overrides={
        'fact_table': "'fct_performance_target'",
        'other_lines': 'cast(null as varchar)',
        'table_name': 'tables.table_name'
    }) }}
    {{ reconciliation_evidence(
        expected='checks.expected', found='checks.found', tolerance='0.01', unit='checks.unit',
    ) }}
from checks
left join tables
    on checks.report_id = tables.report_id and checks.table_no = tables.table_no
