{#-
  Row identities of budget execution tables:
  - balance = budget - executed (exact, in won);
  - the reported execution rate equals executed / budget x 100 at the printed number of decimals,
    under the rounding convention the table's own rows show (docs/report-families.md 6.4; printed_rate_checks):
    a rate following the other convention is a WARN finding, one following neither an ERROR.
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
        {{ reconciliation_evidence(
            expected='coalesce(budget_won, 0) - coalesce(executed_won, 0)',
            found='coalesce(balance_won, 0)',
            unit='unit',
            won_per_unit=won_per_unit('unit'),
        ) }}
    from execution
    where
        budget_won is not null
        and coalesce(budget_flag, '') <> 'masked'
        and coalesce(executed_flag, '') <> 'masked'
        and coalesce(balance_flag, '') <> 'masked'
),

printed_rates as (
    select
        *,
        executed_won as numerator,
        budget_won as denominator,
        rate_reported as printed,
        coalesce(rate_scale, 0) as scale
    from execution
    where rate_reported is not null and executed_won is not null and budget_won is not null
),

rates as (
    {{ printed_rate_checks('printed_rates', ['report_id', 'table_no']) }}
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
        {{ printed_rate_evidence() }}
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
