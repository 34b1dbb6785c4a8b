{#-
  Budget execution facts, one row per printed row of every execution table (docs/report-families.md 2.2, 3.2).
  rate_computed = executed / budget x 100 from the won amounts, exact: integer division truncates
  toward zero at 4 decimals, so half-up and floor at 0 or 1 decimal (docs/report-families.md 6.4) decide as on
  the exact ratio. Printed values are never corrected here.
-#}
with lines as (
    select *
    from {{ ref('stg_budget_execution_lines') }}
    where {{ in_selected_reports('report_id') }}
)

select
    report_id,
    row_id,
    parent_row_id,
    summary_row_id,
    source_line,
    table_no,
    logical_table_no,
    table_key,
    table_name,
    row_order,
    item_level,
    row_kind,
    is_total,
    item_no,
    label_raw,
    item_name,
    department_no,
    department,
    group_label_raw,
    group_name,
    goal_no,
    goal_name,
    unit,
    as_of,
    budget_printed,
    budget,
    budget_won,
    budget_flag,
    executed_printed,
    executed,
    executed_won,
    executed_flag,
    balance_printed,
    balance,
    balance_won,
    balance_flag,
    rate_printed,
    rate_reported,
    rate_scale,
    rate_flag,
    case
        when budget_won is not null and budget_won <> 0 and executed_won is not null
            then cast(
                {{ integer_divide(
                    'cast(executed_won as ' ~ wide_integer() ~ ') * 1000000',
                    'cast(budget_won as ' ~ wide_integer() ~ ')'
                ) }} as decimal(38, 0)
            ) * 0.0001
    end as rate_computed,
    note_label,
    note_printed,
    note_text,
    note_kind,
    grant_date,
    grant_status,
    flags
from lines
