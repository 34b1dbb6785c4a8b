{#-
  Row identities of budget execution tables:
  - balance = budget - executed (exact, in won);
  - the reported execution rate equals executed / budget x 100 under the table's own rounding:
    rounded half-up or truncated at the printed number of decimals (DOMAIN.md 6.4).
-#}
with execution as (
    select * from {{ ref('fct_budget_execution') }}
    where {{ in_selected_reports('report_id') }}
),

balance as (
    select
        report_id,
        'balance:' || row_id as check_id,
        'balance_equals_budget_minus_executed' as identity_name,
        'fct_budget_execution' as fact_table,
        table_no,
        table_name,
        row_id,
        coalesce(item_name, label_raw) as row_label,
        'balance_won' as measure_name,
        source_line,
        cast(null as varchar) as other_lines,
        coalesce(budget_won, 0) - coalesce(executed_won, 0) as expected,
        coalesce(balance_won, 0) as found,
        coalesce(balance_won, 0) - (coalesce(budget_won, 0) - coalesce(executed_won, 0)) as difference,
        0 as tolerance,
        unit,
        coalesce(balance_won, 0) = coalesce(budget_won, 0) - coalesce(executed_won, 0) as is_consistent
    from execution
    where
        budget_won is not null
        and coalesce(budget_flag, '') <> 'masked'
        and coalesce(executed_flag, '') <> 'masked'
        and coalesce(balance_flag, '') <> 'masked'
),

rate as (
    select
        report_id,
        'execution_rate:' || row_id as check_id,
        'reported_rate_matches_computed' as identity_name,
        'fct_budget_execution' as fact_table,
        table_no,
        table_name,
        row_id,
        coalesce(item_name, label_raw) as row_label,
        'rate_pct' as measure_name,
        source_line,
        cast(null as varchar) as other_lines,
        round(rate_computed, coalesce(rate_scale, 0)) as expected,
        rate_reported as found,
        rate_reported - round(rate_computed, coalesce(rate_scale, 0)) as difference,
        power(10, -coalesce(rate_scale, 0)) as tolerance,
        '%' as unit,
        rate_reported = round(rate_computed, coalesce(rate_scale, 0))
        or rate_reported = floor(rate_computed * power(10, coalesce(rate_scale, 0)))
        / power(10, coalesce(rate_scale, 0)) as is_consistent
    from execution
    where rate_reported is not null and rate_computed is not null
)

select * from balance
union all
select * from rate
