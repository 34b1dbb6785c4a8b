{#-
  Performance target facts: one row per printed value of the program target tables (B2 사업화매출액,
  B3 신규고용: target, budget and ROI per year and 증감) and the K1 headline (target and ROI).
  `roi_computed` = target / budget of the same printed row and period, on every value of that pair,
  so the reported ROI (`measure = 'roi'`) can be judged against it (docs/report-families.md 6.4: ±0.005).
  Additive measures carry `parent_row_id` (same column of the parent row) for the gate's tree sums.
-#}
with targets as (
    select *
    from {{ ref('stg_performance_target_lines') }}
    where {{ in_selected_reports('report_id') }}
),

pairs as (
    select
        report_id,
        line_row_id,
        indicator,
        period,
        max(target_value) filter (where measure = 'target') as target_in_pair,
        max(target_value) filter (where measure = 'budget') as budget_in_pair,
        max(target_value) filter (where measure = 'roi') as roi_reported
    from targets
    group by report_id, line_row_id, indicator, period
)

select
    t.report_id,
    t.row_id,
    t.line_row_id,
    t.parent_row_id,
    t.parent_line_row_id,
    t.table_no,
    t.source_line,
    t.occurrence,
    t.target_table,
    t.indicator,
    t.indicator_group,
    t.indicator_unit,
    t.program,
    t.sub_program,
    t.industry,
    t.label_raw,
    t.label,
    t.item_path,
    t.item_level,
    t.is_total,
    t.period,
    t.period_role,
    t.fiscal_year,
    t.measure,
    t.column_label,
    t.value_printed,
    t.target_value,
    -- a dash is "none": null as a value, 0 in sums (blank and masked stay unknown)
    case when t.value_flag = 'dash' then 0 else t.target_value end as value_in_sums,
    t.value_unit,
    t.value_flag,
    t.companion,
    t.companion_meaning,
    t.note,
    p.roi_reported,
    case
        when p.budget_in_pair is not null and p.budget_in_pair <> 0 and p.target_in_pair is not null
            then cast(p.target_in_pair / p.budget_in_pair as decimal(38, 6))
    end as roi_computed,
    t.flags
from targets as t
left join pairs as p
    on
        t.report_id = p.report_id
        and t.line_row_id = p.line_row_id
        and t.indicator = p.indicator
        and t.period = p.period
        and t.period <> 'change'
