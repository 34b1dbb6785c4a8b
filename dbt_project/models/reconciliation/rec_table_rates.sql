{#-
  Rates and shares context tables declare by their row labels (docs/report-families.md 4.9, 6.4):
  - ratio_row_equals_quotient: a ratio row (`도입율 (A/B %)`) = the row lettered A / the row lettered
    B (× 100 when the label says %), column by column, at its printed decimals under the rounding
    convention its own row follows (half-up, truncation, or both when no cell can tell);
  - yearly_amount_equals_amount_per_year: an amount printed with its yearly share beside a duration
    (`최대 14억원 (연 7억원)`, `2년`) = the amount / the years, at the yearly figure's printed decimals;
  - shares_sum_to_whole: the percentages of a share row (`수요 | 55% | 13% | …`) add up to 100, each
    rounded independently: within ⌈n/2⌉ units of their printed decimals.
-#}
with figures as (
    select * from {{ ref('fct_table_total') }}
    where
        {{ in_selected_reports('report_id') }}
        and identity_kind in ('ratio_row', 'share_row', 'per_year')
),

tables as (
    {{ report_tables() }}
),

ratio_inputs as (
    select
        rate.report_id,
        rate.table_no,
        rate.row_id,
        rate.row_label,
        rate.column_label,
        rate.source_line,
        cast(numerator.source_line as varchar) || ',' || cast(denominator.source_line as varchar) as other_lines,
        numerator.amount as numerator,
        denominator.amount as denominator,
        rate.amount as printed,
        rate.printed_scale as scale,
        rate.unit,
        rate.column_no
    from figures as rate
    inner join figures as numerator
        on
            rate.report_id = numerator.report_id
            and rate.table_no = numerator.table_no
            and rate.source_line = numerator.total_line
            and rate.total_column_no = numerator.total_column_no
            and numerator.identity_kind = 'ratio_row'
            and numerator.cell_role = 'numerator'
    inner join figures as denominator
        on
            rate.report_id = denominator.report_id
            and rate.table_no = denominator.table_no
            and rate.source_line = denominator.total_line
            and rate.total_column_no = denominator.total_column_no
            and denominator.identity_kind = 'ratio_row'
            and denominator.cell_role = 'denominator'
    where rate.cell_role = 'rate' and rate.identity_kind = 'ratio_row' and rate.unit = '%'
),

yearly_inputs as (
    select
        annual.report_id,
        annual.table_no,
        annual.row_id,
        annual.row_label,
        annual.column_label,
        annual.source_line,
        cast(null as varchar) as other_lines,  -- the amount and the years are on the same line
        amount.amount as numerator,
        years.amount as denominator,
        annual.amount as printed,
        annual.printed_scale as scale,
        annual.unit,
        annual.column_no
    from figures as annual
    inner join figures as amount
        on
            annual.report_id = amount.report_id
            and annual.table_no = amount.table_no
            and annual.source_line = amount.total_line
            and annual.total_column_no = amount.total_column_no
            and amount.identity_kind = 'per_year'
            and amount.cell_role = 'numerator'
    inner join figures as years
        on
            annual.report_id = years.report_id
            and annual.table_no = years.table_no
            and annual.source_line = years.total_line
            and annual.total_column_no = years.total_column_no
            and years.identity_kind = 'per_year'
            and years.cell_role = 'denominator'
    where annual.cell_role = 'rate' and annual.identity_kind = 'per_year'
),

yearly as (
    {{ printed_rate_checks('yearly_inputs', ['report_id', 'table_no'], factor=1, unit_suffix='') }}
),

ratios as (
    {{ printed_rate_checks('ratio_inputs', ['report_id', 'table_no', 'source_line']) }}
),

shares as (
    select
        report_id,
        table_no,
        min(row_id) as row_id,
        max(row_label) as row_label,
        source_line,
        sum(amount) as share_sum,
        count(*) as share_count,
        max(printed_scale) as printed_scale
    from figures
    where cell_role = 'share'
    group by report_id, table_no, source_line
),

checks as (
    select
        report_id,
        'table_ratio:t' || table_no || ':L' || source_line || ':c' || column_no as check_id,
        'ratio_row_equals_quotient' as identity_name,
        table_no,
        row_id,
        row_label,
        column_label as measure_name,
        source_line,
        other_lines,
        {{ printed_rate_evidence() }}
    from ratios
    union all
    select
        report_id,
        'table_yearly:t' || table_no || ':L' || source_line || ':c' || column_no as check_id,
        'yearly_amount_equals_amount_per_year' as identity_name,
        table_no,
        row_id,
        row_label,
        column_label as measure_name,
        source_line,
        other_lines,
        {{ printed_rate_evidence(unit='unit') }}
    from yearly
    union all
    select
        report_id,
        'table_shares:t' || table_no || ':L' || source_line as check_id,
        'shares_sum_to_whole' as identity_name,
        table_no,
        row_id,
        row_label,
        'share' as measure_name,
        source_line,
        cast(null as varchar) as other_lines,
        {{ reconciliation_evidence(
            expected='100',
            found='share_sum',
            expected_exact='100',
            tolerance='ceil(share_count / 2.0) * case printed_scale when 0 then 1 when 1 then 0.1 else 0.01 end',
            unit="'%'",
            printed_scale='printed_scale',
            note="'the sum of ' || cast(share_count as varchar) || ' printed shares of one whole'",
        ) }}
    from shares
)

select
    {{ row_content('checks', "'fct_table_total'") }},
    {{ check_columns('checks', overrides={'fact_table': "'fct_table_total'", 'table_name': 'tables.table_name'}) }}
    checks.expected_exact,
    checks.expected,
    checks.found,
    checks.difference,
    checks.tolerance,
    checks.rounding_rule,
    checks.unit,
    checks.won_per_unit,
    checks.printed_scale,
    checks.finding_level,
    checks.note,
    checks.is_consistent
from checks
left join tables
    on checks.report_id = tables.report_id and checks.table_no = tables.table_no
