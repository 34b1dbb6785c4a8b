{#-
  Reported ROI (1억원당) of the program target tables (B2 사업화매출액, B3 신규고용) against the ratio
  of the printed target and budget of the same row and year (docs/report-families.md 6.3, 6.4) at the printed decimals, under the rounding convention of its table.
  - roi: target / budget; a row with budget 0 and target 0 prints 0.00 (expected 0); a ROI printed
    beside budget 0 and a non-zero target cannot be right (expected null, inconsistent).
  - roi_alternative: the footnoted ROI in parentheses (`4.38 (4.61)*`) = target / (budget - the
    budget of the program the footnote names, in the same table and year): the rows whose label
    contains the first word of the footnote's quoted name (`'<program> 사업(목표 미설정)' 예산을 제외한 …`).
  ROIs without a printed target and budget ('-') are left out. The indicator-setting tables (K5,
  docs/report-families.md 4.6) are checked the same way for their single years; their averaged block
  (means of unrounded figures) is checked by rec_performance_target_settings within ±0.01.
-#}
with targets as (
    select * from {{ ref('fct_performance_target') }}
    where
        {{ in_selected_reports('report_id') }}
        and (
            target_table in ('sales_target', 'employment_target')
            or (target_table = 'indicator_setting' and period_role not like 'mean%')
        )
        and period_role <> 'change'
),

tables as (
    {{ report_tables() }}
),

rois as (
    select
        roi.report_id,
        roi.table_no,
        roi.row_id,
        roi.line_row_id,
        roi.label,
        roi.period,
        roi.source_line,
        roi.value_unit,
        roi.value_printed,
        roi.target_value as roi,
        roi.companion,
        roi.companion_meaning,
        target.target_value as target,
        budget.target_value as budget
    from targets as roi
    inner join targets as target
        on
            roi.report_id = target.report_id
            and roi.line_row_id = target.line_row_id
            and roi.period = target.period
            and target.measure = 'target'
    inner join targets as budget
        on
            roi.report_id = budget.report_id
            and roi.line_row_id = budget.line_row_id
            and roi.period = budget.period
            and budget.measure = 'budget'
    where
        roi.measure = 'roi'
        and roi.target_value is not null
        and target.target_value is not null
        and budget.target_value is not null
),

-- the program each table's footnote excludes: the first word of its quoted name
footnoted as (
    select distinct
        report_id,
        table_no,
        lower({{ regexp_group("note", "'''([^'' (]+)'", 1) }}) as excluded_key
    from targets
    where note is not null and {{ regexp_group("note", "'''([^'' (]+)'", 1) }} <> ''
),

-- budget of the program the footnote excludes, per table and year
excluded as (
    select
        t.report_id,
        t.table_no,
        t.period,
        string_agg(cast(t.source_line as varchar), ',' order by t.source_line) as excluded_lines,
        sum(t.value_in_sums) as excluded_budget
    from targets as t
    inner join footnoted as f
        on
            t.report_id = f.report_id
            and t.table_no = f.table_no
            and 0 < strpos(replace(lower(t.label), ' ', ''), f.excluded_key)
    where t.measure = 'budget'
    group by t.report_id, t.table_no, t.period
),

checks as (
    select
        report_id,
        'roi:' || row_id as check_id,
        'roi_equals_target_per_budget' as identity_name,
        table_no,
        row_id,
        label,
        'roi_' || period as measure_name,
        source_line,
        cast(null as varchar) as other_lines,
        target as numerator,
        budget as denominator,
        roi as printed,
        -- greedy throughout: in PostgreSQL the first quantifier sets the whole pattern's greediness
        coalesce(length({{ regexp_group("value_printed", "'^[^(.]*\\.([0-9]+)'", 1) }}), 0) as scale,
        value_unit as unit
    from rois

    union all

    select
        rois.report_id,
        'roi_alternative:' || rois.row_id as check_id,
        'roi_alternative_excludes_tp_equipment' as identity_name,
        rois.table_no,
        rois.row_id,
        rois.label,
        'roi_alternative_' || rois.period as measure_name,
        rois.source_line,
        excluded.excluded_lines as other_lines,
        rois.target as numerator,
        rois.budget - excluded.excluded_budget as denominator,
        rois.companion as printed,
        coalesce(length({{ regexp_group("rois.value_printed", "'\\(\\s*[0-9,]*\\.([0-9]+)'", 1) }}), 0) as scale,
        rois.value_unit as unit
    from rois
    left join excluded
        on
            rois.report_id = excluded.report_id
            and rois.table_no = excluded.table_no
            and rois.period = excluded.period
    where rois.companion_meaning = 'roi_alternative'
),

-- ROIs are printed at 2 decimals, rounded under the table's convention like any printed ratio
ratios as (
    {{ printed_rate_checks('checks', ['report_id', 'table_no'], factor=1, unit_suffix='') }}
)

select
    {{ row_content('ratios', "'fct_performance_target'") }},
    {{ check_columns('ratios', overrides={
        'fact_table': "'fct_performance_target'",
        'row_label': 'ratios.label',
        'table_name': 'tables.table_name'
    }) }}
    {{ printed_rate_evidence('ratios', unit='ratios.unit') }}
from ratios as ratios
left join tables
    on ratios.report_id = tables.report_id and ratios.table_no = tables.table_no
