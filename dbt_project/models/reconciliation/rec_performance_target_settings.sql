{#-
  Target-setting tables of regional industry plans (docs/report-families.md 4.6, 6.7): the ROI trend (K4),
  the indicator setting (K5) and the self-chosen indicator review (K6). Single-year ROIs and changes of
  K5 are checked by rec_performance_roi and rec_performance_changes, the summary = body printing by
  rec_performance_occurrences; here:
  - setting_mean_roi_equals_target_per_budget (K5): the averaged block's 1억원당 = 목표 / 예산 of that
    block, ±0.01 (means of unrounded figures, 6.4);
  - trend_scaled_roi_equals_factor_times_mean (K4): the `평균 성과 (N%)` column = N% × the averaged outcome
    ROI of the row, within the rounding of both printed figures;
  - trend_share_equals_target_per_mean_outcome (K4): `평균 성과 대비(%)` = plan-year target ROI / averaged
    outcome ROI × 100, within the interval both printed ROIs allow (their half units), plus half a
    printed unit; '-' is not checked;
  - trend_roi_equals_setting_roi (K4 ↔ K5): the trend's base-year, plan-year and averaged target ROIs
    equal the 1억원당 of the same row (label compared without spacing and punctuation) of the same
    indicator's setting table in the same printing; rows printed in only one of them are not checked;
  - review_mean_equals_average_of_years (K6): the `평균` of an amount or ROI row = the mean of its yearly
    values over the printed range (only rows printing every year), within the half units of the mean
    and of the yearly figures;
  - review_total_equals_sum_of_programs (K6): the total row of an indicator (the row without a tree
    section, `전체`) = Σ its program rows, per period, for amounts (years, mean) and targets; a blank
    program cell has no figure of its own (a target set jointly with another row) and is left out of the
    sum; ±0.01 per program (2-dp cells rounded independently);
  - setting_equals_program_targets (K5 ↔ B2/B3): the base-year and plan-year target and budget of a K5 row
    equal those of the same program in the program target table of the same indicator and printing. A
    K5 row named like that table's root (`총계`) is its combined total (the row labelled by the profile's
    combined_total_label: K tables leave out the sections outside it); a row whose name starts the label
    of a total under the combined one is that section's total (`R&D` = `R&D 합계`); any other row is the
    one leaf of the table whose name contains it. Rows matching none or several are not checked
    (industries whose plan-year figure is a sum of two program rows, renamed programs);
  - row_prints_every_column (K4, K5): a row printing fewer value cells than its header has columns
    (flag cells_dropped; its values are not placed, docs/report-families.md 4.3).
  The K4 averaged columns are ratios of means (K3), not means of the yearly ratios: no such identity.
-#}
with settings as (
    select
        *,
        regexp_replace(lower(item_path), '[^0-9a-z가-힣/+&]', '', 'g') as path_key,
        coalesce(length({{ regexp_group("value_printed", "'^[^.]*\\.([0-9]+)'", 1) }}), 0) as scale,
        -- first and last year of an averaged period 'YYYY-YYYY'
        case
            when {{ regexp_test("period", "'^[0-9]+-[0-9]+$'") }} then cast(split_part(period, '-', 1) as integer)
        end as range_start,
        case
            when {{ regexp_test("period", "'^[0-9]+-[0-9]+$'") }} then cast(split_part(period, '-', 2) as integer)
        end as range_end
    from {{ ref('fct_performance_target') }}
    where
        {{ in_selected_reports('report_id') }}
        and target_table in ('roi_trend', 'indicator_setting', 'self_indicator_review')
),

tables as (
    {{ report_tables() }}
),

-- K5 averaged block: target, budget and ROI of one printed row side by side
setting_means as (
    select
        report_id,
        table_no,
        line_row_id,
        period,
        max(target_value) filter (where measure = 'target') as target,
        max(target_value) filter (where measure = 'budget') as budget
    from settings
    where target_table = 'indicator_setting' and period_role like 'mean%'
    group by report_id, table_no, line_row_id, period
),

mean_roi_checks as (
    select
        r.report_id,
        'setting_mean_roi:' || r.row_id as check_id,
        'setting_mean_roi_equals_target_per_budget' as identity_name,
        r.table_no,
        r.row_id,
        r.label,
        'roi_' || r.period as measure_name,
        r.source_line,
        cast(null as varchar) as other_lines,
        cast(m.target / m.budget as decimal(38, 8)) as expected,
        cast(r.target_value as decimal(38, 8)) as found,
        cast(0.01 as decimal(38, 8)) as tolerance,
        r.value_unit as unit
    from settings as r
    inner join setting_means as m
        on r.report_id = m.report_id and r.line_row_id = m.line_row_id and r.period = m.period
    where
        r.target_table = 'indicator_setting' and r.measure = 'roi' and r.period_role like 'mean%'
        and r.target_value is not null and m.target is not null and m.budget is not null and m.budget <> 0
),

-- K4: per printed row the averaged outcome ROI and the plan-year target ROI
trend_rows as (
    select
        report_id,
        line_row_id,
        max(target_value) filter (where measure = 'roi_outcome' and period_role like 'mean%') as mean_outcome,
        max(scale) filter (where measure = 'roi_outcome' and period_role like 'mean%') as mean_scale,
        max(target_value) filter (where measure = 'roi_target' and period_role = 'plan_year') as plan_target,
        max(scale) filter (where measure = 'roi_target' and period_role = 'plan_year') as plan_scale,
        max(source_line) as source_line
    from settings
    where target_table = 'roi_trend'
    group by report_id, line_row_id
),

trend_inputs as (
    select
        r.*,
        t.mean_outcome,
        t.plan_target,
        0.5 * power(10, -t.mean_scale) as mean_half,
        0.5 * power(10, -t.plan_scale) as plan_half,
        0.5 * power(10, -r.scale) as own_half,
        -- the percentage the column's header prints: `평균 성과 (110%)`
        cast(
            nullif({{ regexp_group("r.column_label", "'\\(\\s*([0-9.]+)\\s*%'", 1) }}, '') as decimal(38, 4)
        ) / 100 as factor
    from settings as r
    inner join trend_rows as t on r.report_id = t.report_id and r.line_row_id = t.line_row_id
    where r.target_table = 'roi_trend' and r.measure in ('roi_outcome_scaled', 'roi_target_share')
),

trend_checks as (
    select
        report_id,
        'trend_scaled:' || row_id as check_id,
        'trend_scaled_roi_equals_factor_times_mean' as identity_name,
        table_no,
        row_id,
        label,
        measure || '_' || period as measure_name,
        source_line,
        cast(null as varchar) as other_lines,
        cast(factor * mean_outcome as decimal(38, 8)) as expected,
        cast(target_value as decimal(38, 8)) as found,
        cast(own_half + factor * mean_half as decimal(38, 8)) as tolerance,
        value_unit as unit
    from trend_inputs
    where
        measure = 'roi_outcome_scaled'
        and target_value is not null and mean_outcome is not null and factor is not null

    union all

    select
        report_id,
        'trend_share:' || row_id as check_id,
        'trend_share_equals_target_per_mean_outcome' as identity_name,
        table_no,
        row_id,
        label,
        measure || '_' || period as measure_name,
        source_line,
        cast(null as varchar) as other_lines,
        cast(plan_target / mean_outcome * 100 as decimal(38, 8)) as expected,
        cast(target_value as decimal(38, 8)) as found,
        -- the widest gap the printed ROIs' half units allow, plus half a printed unit of the share
        cast(
            greatest(
                (plan_target + plan_half) / (mean_outcome - mean_half) * 100 - plan_target / mean_outcome * 100,
                plan_target / mean_outcome * 100 - (plan_target - plan_half) / (mean_outcome + mean_half) * 100
            ) + own_half as decimal(38, 8)
        ) as tolerance,
        value_unit as unit
    from trend_inputs
    where
        measure = 'roi_target_share' and target_value is not null and plan_target is not null
        and mean_outcome > mean_half
),

-- K4 ↔ K5: the same row's target ROI per period, in the same indicator and printing
cross_checks as (
    select
        k4.report_id,
        'trend_setting:' || k4.row_id as check_id,
        'trend_roi_equals_setting_roi' as identity_name,
        k4.table_no,
        k4.row_id,
        k4.label,
        k4.measure || '_' || k4.period as measure_name,
        k4.source_line,
        cast(k5.source_line as varchar) as other_lines,
        cast(k5.target_value as decimal(38, 8)) as expected,
        cast(k4.target_value as decimal(38, 8)) as found,
        -- printed at different decimals: compared at the coarser one
        case
            when k4.scale <> k5.scale then cast(0.5 * power(10, -least(k4.scale, k5.scale)) as decimal(38, 8))
            else cast(0 as decimal(38, 8))
        end as tolerance,
        k4.value_unit as unit
    from settings as k4
    inner join settings as k5
        on
            k4.report_id = k5.report_id
            and k4.indicator = k5.indicator
            and k4.occurrence = k5.occurrence
            and k4.path_key = k5.path_key
            and k4.period = k5.period
            and k5.target_table = 'indicator_setting'
            and k5.measure = 'roi'
    where
        k4.target_table = 'roi_trend'
        and k4.measure = 'roi_target'
        and (k4.period_role in ('base_year', 'plan_year') or k4.period_role like 'mean%')
        and k4.target_value is not null
        and k5.target_value is not null
),

-- K6: yearly values of a row over its averaged range
review_years as (
    select
        m.report_id,
        m.row_id,
        count(y.row_id) as years_printed,
        cast(sum(y.target_value) as decimal(38, 8)) / count(y.row_id) as mean_of_years,
        max(0.5 * power(10, -y.scale)) as year_half,
        string_agg(y.value_printed, ' ' order by y.fiscal_year) as years_text
    from settings as m
    inner join settings as y
        on
            m.report_id = y.report_id
            and m.line_row_id = y.line_row_id
            and m.measure = y.measure
            and y.period_role not like 'mean%'
            and y.fiscal_year between m.range_start and m.range_end
            and y.target_value is not null
    where m.target_table = 'self_indicator_review' and m.period_role like 'mean%'
    group by m.report_id, m.row_id
),

review_checks as (
    select
        m.report_id,
        'review_mean:' || m.row_id as check_id,
        'review_mean_equals_average_of_years' as identity_name,
        m.table_no,
        m.row_id,
        m.label,
        m.measure || '_' || m.period as measure_name,
        m.source_line,
        cast(null as varchar) as other_lines,
        cast(y.mean_of_years as decimal(38, 8)) as expected,
        cast(m.target_value as decimal(38, 8)) as found,
        cast(0.5 * power(10, -m.scale) + y.year_half as decimal(38, 8)) as tolerance,
        m.value_unit as unit
    from settings as m
    inner join review_years as y on m.report_id = y.report_id and m.row_id = y.row_id
    where
        m.target_table = 'self_indicator_review'
        and m.target_value is not null
        and y.years_printed = m.range_end - m.range_start + 1
),

-- K6: the indicator's total row against its program rows (amount rows only: ROIs do not add up)
review_sums as (
    select
        t.report_id,
        t.row_id,
        count(c.row_id) as programs,
        sum(c.value_in_sums) as programs_sum,
        string_agg(cast(c.source_line as varchar), ',' order by c.source_line) as program_lines
    from settings as t
    inner join settings as c
        on
            t.report_id = c.report_id
            and t.table_no = c.table_no
            and t.indicator = c.indicator
            and t.period = c.period
            and t.measure = c.measure
            and not c.is_total
            and c.value_in_sums is not null
    where t.target_table = 'self_indicator_review' and t.is_total and t.measure in ('outcome', 'target')
    group by t.report_id, t.row_id
),

review_sum_checks as (
    select
        t.report_id,
        'review_total:' || t.row_id as check_id,
        'review_total_equals_sum_of_programs' as identity_name,
        t.table_no,
        t.row_id,
        t.label,
        t.measure || '_' || t.period as measure_name,
        t.source_line,
        s.program_lines as other_lines,
        cast(s.programs_sum as decimal(38, 8)) as expected,
        cast(t.target_value as decimal(38, 8)) as found,
        cast(0.01 * s.programs as decimal(38, 8)) as tolerance,
        t.value_unit as unit
    from settings as t
    inner join review_sums as s on t.report_id = s.report_id and t.row_id = s.row_id
    where t.target_value is not null and s.programs >= 2
),

-- K5 ↔ B2/B3: the program target tables of the same report, in single years
program_rows as (
    select
        *,
        regexp_replace(lower(label), '[^0-9a-z가-힣/+&]', '', 'g') as label_key
    from {{ ref('fct_performance_target') }}
    where
        {{ in_selected_reports('report_id') }}
        and target_table in ('sales_target', 'employment_target')
        and period_role in ('base_year', 'plan_year')
        and measure in ('target', 'budget')
),

combined_rows as (
    select distinct
        p.report_id,
        p.indicator,
        p.occurrence,
        p.line_row_id,
        p.parent_line_row_id
    from program_rows as p
    inner join {{ ref('stg_report_profile') }} as words
        on
            p.report_id = words.report_id
            and words.section = 'combined_total_label'
            and 0 < strpos(p.label_key, words.entry_key)
),

setting_rows as (
    select
        *,
        regexp_replace(lower(label), '[^0-9a-z가-힣/+&]', '', 'g') as label_key
    from settings
    where
        target_table = 'indicator_setting'
        and period_role in ('base_year', 'plan_year')
        and measure in ('target', 'budget')
        and target_value is not null
),

-- candidate program rows per K5 cell: the combined total, a section total, or leaves containing its name
candidates as (
    select
        s.report_id,
        s.row_id as setting_row_id,
        p.row_id as program_row_id,
        case
            when root.line_row_id is not null then 1
            when p.parent_line_row_id = c.line_row_id and starts_with(p.label_key, s.label_key) then 2
            else 3
        end as link_kind
    from setting_rows as s
    inner join program_rows as p
        on
            s.report_id = p.report_id
            and s.indicator = p.indicator
            and s.occurrence = p.occurrence
            and s.period = p.period
            and s.measure = p.measure
    inner join combined_rows as c
        on p.report_id = c.report_id and p.indicator = c.indicator and p.occurrence = c.occurrence
    left join program_rows as root
        on
            c.report_id = root.report_id
            and c.parent_line_row_id = root.line_row_id
            and s.period = root.period
            and s.measure = root.measure
            and s.label_key = root.label_key
    where
        (root.line_row_id is not null and p.line_row_id = c.line_row_id)
        or (root.line_row_id is null and p.parent_line_row_id = c.line_row_id and starts_with(p.label_key, s.label_key))
        or (root.line_row_id is null and not p.is_total and 0 < strpos(p.label_key, s.label_key))
),

-- the closest kind of link wins; a cell with several candidates of that kind is not linked
ranked as (
    select
        *,
        min(link_kind) over (partition by report_id, setting_row_id) as best_kind
    from candidates
),

links as (
    select
        report_id,
        setting_row_id,
        min(program_row_id) as program_row_id
    from ranked
    where link_kind = best_kind
    group by report_id, setting_row_id
    having count(*) = 1
),

link_checks as (
    select
        s.report_id,
        'setting_program:' || s.row_id as check_id,
        'setting_equals_program_targets' as identity_name,
        s.table_no,
        s.row_id,
        s.label,
        s.measure || '_' || s.period as measure_name,
        s.source_line,
        cast(p.source_line as varchar) as other_lines,
        cast(p.value_in_sums as decimal(38, 8)) as expected,
        cast(s.target_value as decimal(38, 8)) as found,
        cast(0 as decimal(38, 8)) as tolerance,
        s.value_unit as unit
    from setting_rows as s
    inner join links as l on s.report_id = l.report_id and s.row_id = l.setting_row_id
    inner join program_rows as p on s.report_id = p.report_id and l.program_row_id = p.row_id
),

-- rows that dropped value cells: one check per printed row (its first cell)
dropped_checks as (
    select
        report_id,
        'cells_dropped:' || line_row_id as check_id,
        'row_prints_every_column' as identity_name,
        table_no,
        row_id,
        label,
        'value_cells' as measure_name,
        source_line,
        cast(null as varchar) as other_lines,
        cast({{ regexp_group("note", "'under ([0-9]+) columns'", 1) }} as decimal(38, 8)) as expected,
        cast({{ regexp_group("note", "'^([0-9]+) value cells'", 1) }} as decimal(38, 8)) as found,
        cast(0 as decimal(38, 8)) as tolerance,
        'cells' as unit
    from settings
    where value_flag = 'unaligned' and row_id = line_row_id || ':c1'
),

checks as (
    select * from mean_roi_checks
    union all
    select * from trend_checks
    union all
    select * from cross_checks
    union all
    select * from review_checks
    union all
    select * from review_sum_checks
    union all
    select * from link_checks
    union all
    select * from dropped_checks
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
