{#-
  K3 3-year target-versus-outcome review (`… 성과 검토(2023년 실적 및 3개년 평균 성과)`, docs/report-families.md 6.3, 6.4):
  - attainment_equals_outcome_per_target: 달성율 = 성과 / 목표 × 100 (±0.05 pp; target 0 → not checked);
  - roi_target_equals_target_per_budget / roi_outcome_equals_outcome_per_budget: 1억원당 = 목표 (성과)
    / 예산 of the same row and block, ±0.005 for 2023, ±0.01 in the averaged 2021-2023 block;
  - review_parent_equals_children: 목표, 성과, 예산 of a parent row (parent_line_row_id, the tree the
    parser rebuilt from the sums: 총계 = R&D + 비R&D, …) = Σ children. 2023 plain; in the 3-year block
    (means over the printed range of M years) a program run in N of them (flag years_averaged_N)
    enters pro rata N / M.
    Tolerance ±0.01 per child (2-dp cells rounded independently);
  - budget_shared_across_indicators: both K3 tables share rows and budgets: a row's 예산 equals the
    one of the same row (item_path) and block in the first K3 table of the report (exact at 2 dp).
-#}
with review_rows as (
    select
        *,
        -- years of an averaged period 'YYYY-YYYY' (the printed range), 1 for a single year
        coalesce(
            case
                when {{ regexp_test("period", "'^[0-9]+-[0-9]+$'") }}
                    then cast(split_part(period, '-', 2) as integer) - cast(split_part(period, '-', 1) as integer) + 1
            end,
            1
        ) as years_of_period
    from {{ ref('fct_performance_target') }}
    where
        {{ in_selected_reports('report_id') }}
        and target_table = 'three_year_review'
),

review as (
    select
        *,
        coalesce(
            cast(nullif({{ regexp_group("flags", "'years_averaged_([0-9]+)'", 1) }}, '') as integer), years_of_period
        ) as years_in_mean
    from review_rows
),

tables as (
    {{ report_tables() }}
),

-- one printed row and block: its six values side by side
blocks as (
    select
        report_id,
        table_no,
        line_row_id,
        period,
        max(value_in_sums) filter (where measure = 'target') as target,
        max(value_in_sums) filter (where measure = 'outcome') as outcome,
        max(value_in_sums) filter (where measure = 'budget') as budget
    from review
    group by report_id, table_no, line_row_id, period
),

ratio_checks as (
    select
        r.report_id,
        r.measure || ':' || r.row_id as check_id,
        case r.measure
            when 'attainment' then 'attainment_equals_outcome_per_target'
            when 'roi_target' then 'roi_target_equals_target_per_budget'
            else 'roi_outcome_equals_outcome_per_budget'
        end as identity_name,
        r.table_no,
        r.row_id,
        r.label,
        r.measure || '_' || r.period as measure_name,
        r.source_line,
        cast(null as varchar) as other_lines,
        case r.measure
            when 'attainment'
                then
                    case when b.target <> 0 then cast(b.outcome / b.target * 100 as decimal(38, 6)) end
            when 'roi_target'
                then
                    case when b.budget <> 0 then cast(b.target / b.budget as decimal(38, 6)) end
            else
                case when b.budget <> 0 then cast(b.outcome / b.budget as decimal(38, 6)) end
        end as expected,
        cast(r.target_value as decimal(38, 6)) as found,
        case
            when r.measure = 'attainment' then cast(0.05 as decimal(38, 6))
            when r.period like '%-%' then cast(0.01 as decimal(38, 6))
            else cast(0.005 as decimal(38, 6))
        end as tolerance,
        r.value_unit as unit
    from review as r
    inner join blocks as b
        on r.report_id = b.report_id and r.line_row_id = b.line_row_id and r.period = b.period
    where
        r.measure in ('attainment', 'roi_target', 'roi_outcome')
        and r.target_value is not null
        and (
            (r.measure = 'attainment' and b.target is not null and b.outcome is not null and b.target <> 0)
            or (r.measure = 'roi_target' and b.target is not null and b.budget is not null and b.budget <> 0)
            or (r.measure = 'roi_outcome' and b.outcome is not null and b.budget is not null and b.budget <> 0)
        )
),

children as (
    select
        c.report_id,
        c.parent_line_row_id,
        c.period,
        c.measure,
        count(*) as child_count,
        -- means over M years: a program run in N of them enters pro rata N / M. Both branches as
        -- one type, in every database (DuckDB's CASE of decimal(38, 6) and (38, 4) is decimal(38, 4)).
        sum(
            cast(case
                when c.period like '%-%'
                    then cast(c.value_in_sums * c.years_in_mean / c.years_of_period as decimal(38, 6))
                else c.value_in_sums
            end as decimal(38, 4))
        ) as weighted_sum,
        bool_or(c.value_in_sums is null) as has_unknown,
        string_agg(cast(c.source_line as varchar), ',' order by c.source_line) as child_lines
    from review as c
    where c.parent_line_row_id is not null and c.measure in ('target', 'outcome', 'budget')
    group by c.report_id, c.parent_line_row_id, c.period, c.measure
),

sum_checks as (
    select
        p.report_id,
        'sum:' || p.row_id as check_id,
        'review_parent_equals_children' as identity_name,
        p.table_no,
        p.row_id,
        p.label,
        p.measure || '_' || p.period as measure_name,
        p.source_line,
        ch.child_lines as other_lines,
        case when not ch.has_unknown then cast(ch.weighted_sum as decimal(38, 6)) end as expected,
        cast(p.value_in_sums as decimal(38, 6)) as found,
        cast(0.01 * ch.child_count as decimal(38, 6)) as tolerance,
        p.value_unit as unit
    from review as p
    inner join children as ch
        on
            p.report_id = ch.report_id
            and p.line_row_id = ch.parent_line_row_id
            and p.period = ch.period
            and p.measure = ch.measure
),

first_table as (
    select
        report_id,
        min(table_no) as table_no
    from review
    group by report_id
),

budget_checks as (
    select
        r.report_id,
        'shared_budget:' || r.row_id as check_id,
        'budget_shared_across_indicators' as identity_name,
        r.table_no,
        r.row_id,
        r.label,
        'budget_' || r.period as measure_name,
        r.source_line,
        cast(f.source_line as varchar) as other_lines,
        cast(f.value_in_sums as decimal(38, 6)) as expected,
        cast(r.value_in_sums as decimal(38, 6)) as found,
        cast(0 as decimal(38, 6)) as tolerance,
        r.value_unit as unit
    from review as r
    inner join first_table as ft on r.report_id = ft.report_id and r.table_no <> ft.table_no
    left join review as f
        on
            r.report_id = f.report_id
            and ft.table_no = f.table_no
            and r.item_path = f.item_path
            and r.period = f.period
            and f.measure = 'budget'
    where r.measure = 'budget'
),

checks as (
    select * from ratio_checks
    union all
    select * from sum_checks
    union all
    select * from budget_checks
)

select
    {{ row_content('checks', "'fct_performance_target'") }},
    {{ check_columns('checks', overrides={
        'fact_table': "'fct_performance_target'",
        'row_label': 'checks.label',
        'table_name': 'tables.table_name'
    }) }}
    {{ reconciliation_evidence(
        expected='checks.expected', found='checks.found', tolerance='checks.tolerance', unit='checks.unit',
    ) }}
from checks
left join tables
    on checks.report_id = tables.report_id and checks.table_no = tables.table_no
