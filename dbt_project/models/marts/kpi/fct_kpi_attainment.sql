{#-
  KPI attainment facts: one row per KPI / outcome line and measure of part Ⅲ of agency status
  reports, with the parent KPI it adds up into, attainment computed from the printed target and
  actual (actual / target x 100) beside the printed rate, and for parent rows the sums of their
  additive children (docs/report-families.md 6.1 / 6.2: 건/개사/회 count together, 진행중 = 0, %-KPIs, statuses and
  units absent from the parent excluded). Printed numbers are never corrected.
-#}
with lines as (
    select *
    from {{ ref('stg_kpi_lines') }}
    where {{ in_selected_reports('report_id') }}
),

measured as (
    select
        *,
        coalesce(actual_unit, target_unit) as unit,
        case
            when coalesce(actual_unit, target_unit) in ('건', '개사', '회', '개') then 'count'
            when coalesce(actual_unit, target_unit) = '명' then 'person'
            when coalesce(actual_unit, target_unit) = '%' then 'percent'
            else coalesce(actual_unit, target_unit)
        end as unit_family,
        -- an in-progress line counts as 0 in its parent's sum (docs/report-families.md 6.1)
        case
            when actual is not null then actual
            when actual_unit is null and status in ('진행중', '추진중') then 0
        end as actual_in_sums,
        case
            when
                target > 0
                and actual is not null
                and (
                    target_unit = actual_unit
                    or (target_unit in ('건', '개사', '회', '개') and actual_unit in ('건', '개사', '회', '개'))
                )
                then actual * 100 / target
        end as attainment_raw
    from lines
),

children as (
    select
        report_id,
        parent_row_id,
        count(*) as child_count,
        count(*) filter (where adds_to_parent) as additive_child_count,
        sum(target) filter (where adds_to_parent) as children_target_sum,
        sum(actual_in_sums) filter (where adds_to_parent) as children_actual_sum
    from measured
    where parent_row_id is not null
    group by report_id, parent_row_id
)

select
    m.report_id,
    m.row_id,
    m.parent_row_id,
    m.source_line,
    m.layout,
    m.kpi_level,
    m.line_style,
    m.org_unit,
    m.org_unit_no,
    m.goal_no,
    m.goal_name,
    m.task_code,
    m.task_title,
    m.kpi_seq,
    m.child_seq,
    m.detail_seq,
    m.measure_seq,
    m.kpi_key,
    m.kpi_name,
    m.label_raw,
    m.markers,
    p.kpi_name as parent_kpi_name,
    p.source_line as parent_source_line,
    m.unit,
    m.unit_family,
    m.value_printed,
    m.target_printed,
    m.target,
    m.target_unit,
    m.target_note,
    m.actual_printed,
    m.actual,
    m.actual_unit,
    m.actual_in_sums,
    cast(round(m.attainment_raw, 4) as decimal(38, 4)) as attainment_computed,
    cast(floor(m.attainment_raw + 0.5) as decimal(38, 4)) as attainment_half_up,
    cast(floor(m.attainment_raw) as decimal(38, 4)) as attainment_floor,
    m.rate_printed,
    m.rate_reported as attainment_reported,
    case
        when m.rate_reported is null or m.attainment_raw is null then null
        else m.rate_reported in (floor(m.attainment_raw + 0.5), floor(m.attainment_raw))
    end as is_rate_consistent,
    m.status,
    case
        when m.status is null then null
        when m.status in ('진행중', '추진중') then 'in_progress'
        when m.status = '상시운영' then 'continuous'
        when m.status = '수시' then 'as_needed'
        when m.status = '개최연기' then 'postponed'
        else 'other'
    end as status_en,
    m.is_percentage_kpi,
    (m.target is null and m.actual is null) as is_status_only,
    m.adds_to_parent,
    coalesce(c.child_count, 0) as child_count,
    coalesce(c.additive_child_count, 0) as additive_child_count,
    c.children_target_sum,
    c.children_actual_sum,
    case
        when coalesce(c.additive_child_count, 0) = 0 or m.target is null then null
        else m.target = c.children_target_sum
    end as is_target_sum_consistent,
    case
        when coalesce(c.additive_child_count, 0) = 0 or m.actual_in_sums is null then null
        else m.actual_in_sums = c.children_actual_sum
    end as is_actual_sum_consistent,
    m.flags,
    m.line_text
from measured as m
left join measured as p
    on m.report_id = p.report_id and m.parent_row_id = p.row_id
left join children as c
    on m.report_id = c.report_id and m.row_id = c.parent_row_id
