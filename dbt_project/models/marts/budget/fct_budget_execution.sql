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

-- staging's columns, then the rate computed here
select
    *,
    case
        when budget_won is not null and budget_won <> 0 and executed_won is not null
            then cast(
                {{ integer_divide(
                    'cast(executed_won as ' ~ wide_integer() ~ ') * 1000000',
                    'cast(budget_won as ' ~ wide_integer() ~ ')'
                ) }} as decimal(38, 0)
            ) * 0.0001
    end as rate_computed
from lines
