{#-
  Budget plan value cells (income / expense budgets by department, program budget tables) in the
  additive long shape: each cell adds up into the cell of the same column in its parent row.
  Amounts in won; a dash counts 0 (amount_won_in_sums).
  tolerance_per_child (won): printed cells are rounded independently (docs/report-families.md 6.4) -
  백만원 integers carry up to half a unit each (n children: n x 0.5 units, the largest difference
  integer cells can show), 억원 amounts 0.01 억원 each (±0.01 x number of children).
-#}
with plan as (
    select * from {{ ref('fct_budget_plan') }}
    where {{ in_selected_reports('report_id') }}
),

tables as (
    {{ report_tables() }}
)

select
    plan.report_id,
    'fct_budget_plan' as fact_table,
    plan.table_no,
    tables.table_name,
    plan.row_id,
    plan.parent_row_id,
    plan.source_line,
    plan.item_path || ' [' || plan.column_label || ']' as row_label,
    plan.measure || '_won' as measure_name,
    cast(plan.amount_won_in_sums as decimal(38, 0)) as amount,
    plan.value_flag,
    plan.unit,
    cast({{ rounding_tolerance_won('plan.unit') }} as decimal(38, 0)) as tolerance_per_child
from plan
left join tables
    on plan.report_id = tables.report_id and plan.table_no = tables.table_no
