{#-
  Row identities of budget execution tables:
  - balance = budget - executed (exact, in won);
  - the reported execution rate equals executed / budget x 100 under the table's own rounding:
    rounded half-up or truncated at the printed number of decimals (docs/report-families.md 6.4).
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

rates as (
    -- round() needs a constant precision, so each printed scale gets its own branch
    select
        *,
        coalesce(rate_scale, 0) as scale,
        case coalesce(rate_scale, 0)
            when 0 then cast(round(rate_computed, 0) as decimal(38, 4))
            when 1 then cast(round(rate_computed, 1) as decimal(38, 4))
            when 2 then cast(round(rate_computed, 2) as decimal(38, 4))
            else cast(round(rate_computed, 3) as decimal(38, 4))
        end as rounded_half_up,
        case coalesce(rate_scale, 0)
            when 0 then cast(trunc(rate_computed, 0) as decimal(38, 4))
            when 1 then cast(trunc(rate_computed, 1) as decimal(38, 4))
            when 2 then cast(trunc(rate_computed, 2) as decimal(38, 4))
            else cast(trunc(rate_computed, 3) as decimal(38, 4))
        end as truncated
    from execution
    where rate_reported is not null and rate_computed is not null
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
        rounded_half_up as expected,
        rate_reported as found,
        rate_reported - rounded_half_up as difference,
        cast(power(10, -scale) as decimal(38, 4)) as tolerance,
        '%' as unit,
        rate_reported in (rounded_half_up, truncated) as is_consistent
    from rates
)

select
    {{ row_content('balance') }},
    *
from balance
union all
select
    {{ row_content('rate') }},
    *
from rate
