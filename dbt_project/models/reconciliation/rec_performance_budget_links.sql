{#-
  The budgets of the program target tables (B2 사업화매출액, B3 신규고용) equal the 합계 budgets of the
  program budget table B1, row by row and year by year (docs/report-families.md 6.3). Rows are matched by their
  identity on the B1 tree (item_path compared without spacing and punctuation: 세라믹원료소재 =
  세라믹원료·소재), never by position, so rows whose labels the parser re-assigned (label_shifted)
  meet their true counterpart. A target table is matched with the B1 printing of the same occurrence
  (summary / body), or the first one if that occurrence has none.
  A row printed on one side only counts 0 on the other (expected 0 or found 0); other_lines then
  names the B1 row it would belong to.
  '-' counts 0; B1 prints some amounts to 3 dp (24.750) where B2/B3 print 2 dp: compared at the
  coarser precision (docs/report-families.md 6.4).
-#}
with targets as (
    select
        *,
        regexp_replace(lower(item_path), '[^0-9a-z가-힣/+&]', '', 'g') as path_key,
        nullif(length({{ regexp_group("value_printed", "'[0-9]\\.([0-9]+)'", 1) }}), 0) as scale
    from {{ ref('fct_performance_target') }}
    where
        {{ in_selected_reports('report_id') }}
        and target_table in ('sales_target', 'employment_target')
        and measure = 'budget'
        and period_role <> 'change'
),

program_budget as (
    select
        report_id,
        occurrence,
        table_no,
        row_id,
        source_line,
        label,
        fiscal_year,
        regexp_replace(lower(item_path), '[^0-9a-z가-힣/+&]', '', 'g') as path_key,
        nullif(length({{ regexp_group("amount_printed", "'[0-9]\\.([0-9]+)'", 1) }}), 0) as scale,
        case when value_flag = 'dash' then 0 else amount end as amount_in_sums
    from {{ ref('fct_budget_plan') }}
    where
        {{ in_selected_reports('report_id') }}
        and plan_table = 'program_budget'
        and measure = 'budget'
        and funding_source = '합계'
),

tables as (
    {{ report_tables() }}
),

-- which B1 printing each target table is compared with
target_tables as (
    select distinct
        report_id,
        table_no,
        occurrence
    from targets
),

pairing as (
    select
        tt.report_id,
        tt.table_no,
        coalesce(
            max(pb.occurrence) filter (where pb.occurrence = tt.occurrence),
            min(pb.occurrence)
        ) as plan_occurrence
    from target_tables as tt
    inner join program_budget as pb on tt.report_id = pb.report_id
    group by tt.report_id, tt.table_no, tt.occurrence
),

target_side as (
    select
        t.*,
        p.plan_occurrence
    from targets as t
    inner join pairing as p on t.report_id = p.report_id and t.table_no = p.table_no
),

plan_side as (
    select
        pb.*,
        p.table_no as target_table_no
    from program_budget as pb
    inner join pairing as p
        on pb.report_id = p.report_id and pb.occurrence = p.plan_occurrence
),

plan_lines as (
    -- B1 rows of each compared printing, with the lines of the cells (a table may print a row twice)
    select
        report_id,
        target_table_no,
        path_key,
        fiscal_year,
        string_agg(cast(source_line as varchar), ',' order by source_line) as plan_lines,
        {{ any_value("row_id") }} as plan_row_id,
        {{ any_value("label") }} as plan_label,
        min(source_line) as plan_line,
        sum(amount_in_sums) as amount_in_sums,
        max(scale) as scale,
        count(*) as cell_count
    from plan_side
    group by report_id, target_table_no, path_key, fiscal_year
),

matched as (
    select
        coalesce(t.report_id, p.report_id) as report_id,
        coalesce(t.table_no, p.target_table_no) as table_no,
        case
            when t.row_id is not null then 'budget_link:' || t.row_id
            else 'budget_link:t' || p.target_table_no || ':missing:' || p.plan_row_id
        end as check_id,
        coalesce(t.row_id, p.plan_row_id) as row_id,
        coalesce(t.label, p.plan_label) as row_label,
        'budget_' || coalesce(t.period, cast(p.fiscal_year as varchar)) as measure_name,
        coalesce(t.source_line, p.plan_line) as source_line,
        coalesce(p.plan_lines, parent_plan.plan_lines) as other_lines,
        coalesce(p.amount_in_sums, 0) as expected,
        coalesce(t.value_in_sums, 0) as found,
        case
            when t.scale is not null and p.scale is not null and t.scale <> p.scale
                then cast(0.5 * power(10, -least(t.scale, p.scale)) as decimal(38, 4))
            else cast(0 as decimal(38, 4))
        end as tolerance,
        coalesce(p.cell_count, 0) as cell_count
    from target_side as t
    full outer join plan_lines as p
        on
            t.report_id = p.report_id
            and t.table_no = p.target_table_no
            and t.path_key = p.path_key
            and t.fiscal_year = p.fiscal_year
    -- a row B1 does not print: point at the B1 row it would belong to
    left join plan_lines as parent_plan
        on
            t.report_id = parent_plan.report_id
            and t.table_no = parent_plan.target_table_no
            and regexp_replace(t.path_key, '/[^/]*$', '') = parent_plan.path_key
            and t.fiscal_year = parent_plan.fiscal_year
            and p.path_key is null
)

select
    {{ row_content('matched', "'fct_performance_target'") }},
    {{ check_columns('matched', overrides={
        'identity_name': "'budget_equals_program_budget_total'",
        'fact_table': "'fct_performance_target'",
        'table_name': 'tables.table_name'
    }) }}
    {{ reconciliation_evidence(
        expected='matched.expected', found='matched.found', tolerance='matched.tolerance', unit="'억원'",
        is_consistent='matched.cell_count <= 1 and abs(matched.found - matched.expected) <= matched.tolerance',
    ) }}
from matched
left join tables
    on matched.report_id = tables.report_id and matched.table_no = tables.table_no
