{#-
  Budget execution amounts (budget, executed, balance in won) with their parent rows.
  tolerance_per_child: rounding each child may contribute (0: 천원 amounts are exact).
-#}
with execution as (
    select
        report_id,
        'fct_budget_execution' as fact_table,
        table_no,
        table_name,
        row_id,
        parent_row_id,
        source_line,
        coalesce(item_name, label_raw) as row_label,
        amounts.measure_name,
        amounts.amount,
        amounts.value_flag,
        unit,
        0 as tolerance_per_child
    from {{ ref('fct_budget_execution') }}
    cross join
        lateral (
            select
                unnest(array['budget_won', 'executed_won', 'balance_won']) as measure_name,
                unnest(array[budget_won, executed_won, balance_won]) as amount,
                unnest(array[budget_flag, executed_flag, balance_flag]) as value_flag
        ) as amounts
    where {{ in_selected_reports('report_id') }}
)

select * from execution
