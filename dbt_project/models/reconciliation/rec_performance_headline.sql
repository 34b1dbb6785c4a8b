{#-
  K1 headline (전체 성과목표) against the program target tables (docs/report-families.md 6.3 K1):
  - indicators with a program table (B2 / B3): target and ROI = the plan-year target and ROI of the
    `R&D + 비R&D 합계` row of the table of the same printing (matched by indicator), exact;
  - self-chosen indicators with an ROI base in the family profile (section headline_roi_base):
    combined_less_excluded: ROI = target / (plan-year budget of R&D + 비R&D - the programs of section
    roi_base_excluded_program); rnd_total: ROI = target / plan-year budget of R&D 합계;
    both ±0.005 (ratio of printed values, docs/report-families.md "Rounding"). The combined total and
    R&D total rows are found by the profile's labels (sections combined_total_label, rnd_total_label).
    Budgets from the 사업화매출액 table (sales_target) of the same printing (its budgets equal B1's:
    rec_performance_budget_links).
-#}
with targets as (
    select
        *,
        regexp_replace(lower(label), '[^0-9a-z가-힣/+&]', '', 'g') as label_key
    from {{ ref('fct_performance_target') }}
    where {{ in_selected_reports('report_id') }}
),

headline as (
    select * from targets
    where target_table = 'headline'
),

profile as (
    select * from {{ ref('stg_report_profile') }}
    where {{ in_selected_reports('report_id') }}
),

-- the profile's labels each plan-year row of the program target tables matches (spacing and
-- punctuation ignored): a program left out of the export base, the combined total row
-- ('R&D + 비R&D 합계(기타 제외)'), the R&D total row
label_matches as (
    select
        t.report_id,
        t.row_id,
        bool_or(x.section = 'roi_base_excluded_program') as is_excluded_program,
        bool_or(x.section = 'combined_total_label') as is_combined_total,
        bool_or(x.section = 'rnd_total_label') as is_rnd_total
    from targets as t
    inner join profile as x
        on
            t.report_id = x.report_id
            and (
                (
                    x.section in ('roi_base_excluded_program', 'combined_total_label')
                    and 0 < strpos(t.label_key, x.entry_key)
                )
                or (x.section = 'rnd_total_label' and t.label_key = x.entry_key)
            )
    group by t.report_id, t.row_id
),

program_tables as (
    select
        t.*,
        coalesce(m.is_excluded_program, false) as is_excluded_program,
        coalesce(m.is_combined_total, false) as is_combined_total,
        coalesce(m.is_rnd_total, false) as is_rnd_total
    from targets as t
    left join label_matches as m on t.report_id = m.report_id and t.row_id = m.row_id
    where t.target_table in ('sales_target', 'employment_target') and t.period_role = 'plan_year'
),

-- the 'R&D + 비R&D 합계' row of each program target table
grand_rows as (
    select * from program_tables
    where is_combined_total
),

-- printing of the program tables each headline printing is compared with
pairing as (
    select
        h.report_id,
        h.occurrence,
        coalesce(
            max(p.occurrence) filter (where p.occurrence = h.occurrence),
            min(p.occurrence)
        ) as program_occurrence
    from (select distinct
        report_id,
        occurrence
    from headline) as h
    inner join program_tables as p on h.report_id = p.report_id
    group by h.report_id, h.occurrence
),

budget_bases as (
    select
        p.report_id,
        p.occurrence,
        sum(p.value_in_sums) filter (where p.is_combined_total) as grand_budget,
        sum(p.value_in_sums) filter (where p.is_rnd_total) as rnd_budget,
        sum(p.value_in_sums) filter (where p.is_excluded_program) as excluded_budget,
        string_agg(cast(p.source_line as varchar), ',' order by p.source_line)
        filter (where p.is_combined_total or p.is_excluded_program)
            as export_base_lines,
        string_agg(cast(p.source_line as varchar), ',' order by p.source_line)
        filter (where p.is_rnd_total) as rnd_base_lines
    from program_tables as p
    where p.measure = 'budget' and p.target_table = 'sales_target'
    group by p.report_id, p.occurrence
),

headline_targets as (
    select
        h.report_id,
        h.occurrence,
        h.table_no,
        h.source_line,
        h.label as table_name,  -- the headline row's own printed label ('전체 성과목표')
        h.indicator,
        h.period,
        h.value_unit,
        h.row_id as target_row_id,
        h.target_value as target,
        r.row_id as roi_row_id,
        r.target_value as roi,
        r.value_unit as roi_unit
    from headline as h
    left join headline as r
        on
            h.report_id = r.report_id
            and h.line_row_id = r.line_row_id
            and h.indicator = r.indicator
            and r.measure = 'roi'
    where h.measure = 'target'
),

checks as (
    -- target and ROI = the R&D + 비R&D row of the table of the same indicator
    select
        h.report_id,
        'headline:' || h.target_row_id || ':' || g.measure as check_id,
        'headline_equals_program_table_total' as identity_name,
        h.table_no,
        h.table_name,
        case when g.measure = 'roi' then h.roi_row_id else h.target_row_id end as row_id,
        h.indicator as row_label,
        g.measure || '_' || g.period as measure_name,
        h.source_line,
        cast(g.source_line as varchar) as other_lines,
        -- both branches of the union at the ROI's scale: DuckDB would give the union the narrower one
        cast(g.target_value as decimal(38, 6)) as expected,
        case when g.measure = 'roi' then h.roi else h.target end as found,
        case when g.measure = 'roi' then h.roi_unit else h.value_unit end as unit,
        cast(0 as decimal(38, 4)) as tolerance
    from headline_targets as h
    inner join pairing as p on h.report_id = p.report_id and h.occurrence = p.occurrence
    inner join grand_rows as g
        on
            h.report_id = g.report_id
            and p.program_occurrence = g.occurrence
            and h.indicator = g.indicator
            and g.measure in ('target', 'roi')

    union all

    -- self-chosen indicators: ROI on their own budget base
    select
        h.report_id,
        'headline_roi:' || h.roi_row_id as check_id,
        'headline_roi_equals_target_per_budget_base' as identity_name,
        h.table_no,
        h.table_name,
        h.roi_row_id as row_id,
        h.indicator as row_label,
        'roi_' || h.period as measure_name,
        h.source_line,
        case when x.entry_value = 'combined_less_excluded' then b.export_base_lines else b.rnd_base_lines end
            as other_lines,
        cast(
            h.target / nullif(
                case
                    when x.entry_value = 'combined_less_excluded' then b.grand_budget - b.excluded_budget
                    else b.rnd_budget
                end,
                0
            ) as decimal(38, 6)
        ) as expected,
        h.roi as found,
        h.roi_unit as unit,
        cast(0.005 as decimal(38, 4)) as tolerance
    from headline_targets as h
    inner join pairing as p on h.report_id = p.report_id and h.occurrence = p.occurrence
    inner join budget_bases as b on h.report_id = b.report_id and p.program_occurrence = b.occurrence
    inner join profile as x
        on
            h.report_id = x.report_id
            and x.section = 'headline_roi_base'
            and regexp_replace(lower(h.indicator), '[^0-9a-z가-힣/+&]', '', 'g') = x.entry_key
    where h.roi_row_id is not null
)

select
    {{ row_content('checks', "'fct_performance_target'") }},
    {{ check_columns(overrides={'fact_table': "'fct_performance_target'"}) }}
    {{ reconciliation_evidence(expected='expected', found='found', tolerance='tolerance', unit='unit') }}
from checks
