{#-
  Identities across the columns of one printed budget plan row (docs/report-families.md 6.1, 6.3):
  - column_total_equals_sum_of_parts: the 계 column = Σ department columns (income / expense
    budgets), and 합계 = 국비 + 지방비 in each year block of the program budget table
    ('24, '25, 증감; also the 총사업비 companions in parentheses);
  - change_equals_difference_of_years: 증감 = '25 − '24 per funding source (also for 총사업비).
  Amounts in won; a dash counts 0. Cells that are masked, blank or text make the check unknowable
  and are left out. Tolerances (docs/report-families.md 6.4): n 백만원 cells rounded independently ±⌈n/2⌉
  units; 억원 2-dp sums ±0.01 x n; 억원 differences ±0.01.
-#}
with plan as (
    select
        *,
        coalesce({{ won_per_unit('unit') }}, 1) as unit_factor
    from {{ ref('fct_budget_plan') }}
    where {{ in_selected_reports('report_id') }}
),

tables as (
    {{ report_tables() }}
),

parts as (
    select
        report_id,
        line_row_id,
        fiscal_year,
        measure,
        count(*) as part_count,
        sum(amount_won_in_sums) as parts_sum,
        bool_or(amount_won_in_sums is null) as has_unknown_part,
        string_agg(column_label, ' + ' order by row_id) as part_columns
    from plan
    where not is_column_total
    group by report_id, line_row_id, fiscal_year, measure
),

column_totals as (
    select
        total.report_id,
        'column_total:' || total.row_id as check_id,
        'column_total_equals_sum_of_parts' as identity_name,
        'fct_budget_plan' as fact_table,
        total.table_no,
        tables.table_name,
        total.row_id,
        total.item_path || ' [' || total.column_label || ' = ' || parts.part_columns || ']' as row_label,
        total.measure || '_won' as measure_name,
        total.source_line,
        cast(total.source_line as varchar) as other_lines,
        cast(parts.parts_sum as decimal(38, 4)) as expected,
        cast(total.amount_won_in_sums as decimal(38, 4)) as found,
        cast(total.amount_won_in_sums - parts.parts_sum as decimal(38, 4)) as difference,
        cast(case
            when total.unit = '백만원' then ceil(parts.part_count / 2.0) * total.unit_factor
            when total.unit in ('억원', '억') then parts.part_count * total.unit_factor / 100
            else 0
        end as decimal(38, 4)) as tolerance,
        total.unit
    from plan as total
    inner join parts
        on
            total.report_id = parts.report_id
            and total.line_row_id = parts.line_row_id
            and total.fiscal_year is not distinct from parts.fiscal_year
            and total.measure = parts.measure
    left join tables
        on total.report_id = tables.report_id and total.table_no = tables.table_no
    where
        total.is_column_total
        and total.amount_won_in_sums is not null
        and not parts.has_unknown_part
),

changes as (
    select
        chg.report_id,
        'change:' || chg.row_id as check_id,
        'change_equals_difference_of_years' as identity_name,
        'fct_budget_plan' as fact_table,
        chg.table_no,
        tables.table_name,
        chg.row_id,
        chg.item_path || ' [' || chg.column_label || ']' as row_label,
        chg.measure || '_won' as measure_name,
        chg.source_line,
        cast(chg.source_line as varchar) as other_lines,
        cast(
            coalesce(current_year.amount_won_in_sums, 0) - coalesce(previous_year.amount_won_in_sums, 0)
            as decimal(38, 4)
        ) as expected,
        cast(chg.amount_won_in_sums as decimal(38, 4)) as found,
        cast(
            chg.amount_won_in_sums
            - (coalesce(current_year.amount_won_in_sums, 0) - coalesce(previous_year.amount_won_in_sums, 0))
            as decimal(38, 4)
        ) as difference,
        cast(case
            when chg.unit = '백만원' then chg.unit_factor
            when chg.unit in ('억원', '억') then chg.unit_factor / 100
            else 0
        end as decimal(38, 4)) as tolerance,
        chg.unit,
        -- a year cell that is printed but unknown (masked, blank, text) makes the check unknowable
        (current_year.row_id is not null and current_year.amount_won_in_sums is null)
        or (previous_year.row_id is not null and previous_year.amount_won_in_sums is null) as has_unknown_part,
        current_year.row_id is null and previous_year.row_id is null as has_no_year
    from (
        select
            *,
            case measure when 'change' then 'budget' else 'total_project_cost' end as year_measure
        from plan
        where measure in ('change', 'total_project_cost_change')
    ) as chg
    left join plan as current_year
        on
            chg.report_id = current_year.report_id
            and chg.line_row_id = current_year.line_row_id
            and chg.funding_source = current_year.funding_source
            and chg.fiscal_year = current_year.fiscal_year
            and chg.year_measure = current_year.measure
    left join plan as previous_year
        on
            chg.report_id = previous_year.report_id
            and chg.line_row_id = previous_year.line_row_id
            and chg.funding_source = previous_year.funding_source
            and previous_year.fiscal_year = chg.fiscal_year - 1
            and chg.year_measure = previous_year.measure
    left join tables
        on chg.report_id = tables.report_id and chg.table_no = tables.table_no
    where chg.amount_won_in_sums is not null
)

select
    {{ row_content('column_totals') }},
    {{ check_columns() }}
    {{ reconciliation_evidence(
        expected='expected', found='found', tolerance='tolerance', unit='unit',
        won_per_unit=won_per_unit('unit'),
    ) }}
from column_totals
union all
select
    {{ row_content('changes') }},
    {{ check_columns() }}
    {{ reconciliation_evidence(
        expected='expected', found='found', tolerance='tolerance', unit='unit',
        won_per_unit=won_per_unit('unit'),
    ) }}
from changes
where not has_unknown_part and not has_no_year
