{#-
  The summary printing (occurrence 1) of each target table (B2, B3, the K1 headline) equals its body
  printing (occurrence 2), cell by cell (docs/report-families.md 6.3 "occurrences"). Cells are matched by row
  identity (item_path compared without spacing and punctuation), indicator, year and measure, never
  by line. found = summary, expected = body. '-' and 0.00 both mean none (value_in_sums); cells
  printed at different precisions are compared at the coarser one. The companions in parentheses
  (총사업비, footnoted ROI) are compared as their own measure. A cell printed in one occurrence only
  is inconsistent. Reports printing a table once are not checked. Cells of a row that dropped value
  cells (value_flag `unaligned`, docs/report-families.md 4.6) have no column to compare: that row is its own
  finding (rec_performance_target_settings), its cells are left out here.
-#}
with targets as (
    select
        *,
        regexp_replace(lower(coalesce(item_path, label)), '[^0-9a-z가-힣/+&]', '', 'g') as path_key,
        nullif(length({{ regexp_group("value_printed", "'[0-9]\\.([0-9]+)'", 1) }}), 0) as scale
    from {{ ref('fct_performance_target') }}
    where {{ in_selected_reports('report_id') }}
),

-- rows that dropped value cells: both printings of such a row are left out
unaligned_rows as (
    select distinct
        report_id,
        target_table,
        indicator,
        path_key
    from targets
    where value_flag = 'unaligned'
),

twice_printed as (
    select
        report_id,
        target_table
    from targets
    group by report_id, target_table
    having min(occurrence) = 1 and max(occurrence) = 2
),

comparable as (
    select t.*
    from targets as t
    inner join twice_printed as tp on t.report_id = tp.report_id and t.target_table = tp.target_table
    where not exists (
        select 1 from unaligned_rows as u
        where
            u.report_id = t.report_id and u.target_table = t.target_table
            and u.indicator = t.indicator and u.path_key = t.path_key
    )
),

summary as (
    select * from comparable
    where occurrence = 1
),

body as (
    select * from comparable
    where occurrence = 2
),

tables as (
    {{ report_tables() }}
),

pairs as (
    select
        coalesce(s.report_id, b.report_id) as report_id,
        coalesce(s.row_id, b.row_id) as row_id,
        coalesce(s.table_no, b.table_no) as table_no,
        coalesce(s.label, b.label) as row_label,
        coalesce(s.measure, b.measure) || '_' || coalesce(s.period, b.period) as measure_name,
        coalesce(s.source_line, b.source_line) as source_line,
        cast(b.source_line as varchar) as other_lines,
        coalesce(s.value_unit, b.value_unit) as unit,
        s.row_id is not null and b.row_id is not null as both_printed,
        s.value_in_sums as summary_value,
        b.value_in_sums as body_value,
        s.companion as summary_companion,
        b.companion as body_companion,
        case
            when s.scale is not null and b.scale is not null and s.scale <> b.scale
                then cast(0.5 * power(10, -least(s.scale, b.scale)) as decimal(38, 4))
            else cast(0 as decimal(38, 4))
        end as tolerance
    from summary as s
    full outer join body as b
        on
            s.report_id = b.report_id
            and s.target_table = b.target_table
            and s.indicator = b.indicator
            and s.path_key = b.path_key
            and s.period = b.period
            and s.measure = b.measure
),

checks as (
    select
        report_id,
        'occurrence:' || row_id as check_id,
        row_id,
        table_no,
        row_label,
        measure_name,
        source_line,
        other_lines,
        unit,
        body_value as expected,
        summary_value as found,
        tolerance,
        both_printed
        and (
            (summary_value is null and body_value is null)
            or abs(summary_value - body_value) <= tolerance
        ) as is_consistent
    from pairs

    union all

    select
        report_id,
        'occurrence_companion:' || row_id as check_id,
        row_id,
        table_no,
        row_label,
        measure_name || '_companion' as measure_name,
        source_line,
        other_lines,
        unit,
        body_companion as expected,
        summary_companion as found,
        cast(0 as decimal(38, 4)) as tolerance,
        both_printed
        and coalesce(
            summary_companion = body_companion,
            summary_companion is null and body_companion is null
        ) as is_consistent
    from pairs
    where summary_companion is not null or body_companion is not null
)

select
    {{ row_content('checks', "'fct_performance_target'") }},
    {{ check_columns('checks', overrides={
        'identity_name': "'summary_equals_body'",
        'fact_table': "'fct_performance_target'",
        'table_name': 'coalesce(tables.table_name, checks.row_label)'
    }) }}
    {{ reconciliation_evidence(
        expected='checks.expected', found='checks.found', tolerance='checks.tolerance', unit='checks.unit',
        is_consistent='checks.is_consistent',
    ) }}
from checks
left join tables
    on checks.report_id = tables.report_id and checks.table_no = tables.table_no
