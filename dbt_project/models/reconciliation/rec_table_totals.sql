{#-
  Identities a context table's header declares (docs/report-families.md 4.7): a total column
  (합계, 소계) = the sum of its part columns in the same row; a combined column (①+②) = the sum of
  the two columns it names; a total row (총 합계, 합 계) = the sum of the rows above it, per column
  (docs/report-families.md 4.9); a group's printed count (`강원 (8)`) = its member rows (each part 1).
  Printed decimals: counts exact; figures printed with decimals are
  rounded independently, so n parts may differ from their rounded total by ⌈n/2⌉ units of the last
  printed decimal (docs/report-families.md 6.4).
-#}
with figures as (
    select * from {{ ref('fct_table_total') }}
    where
        {{ in_selected_reports('report_id') }}
        and identity_kind in ('total_column', 'combined_column', 'total_row', 'group_count')
),

tables as (
    {{ report_tables() }}
),

checks as (
    select
        total.report_id,
        'table_total:t' || total.table_no || ':L' || total.source_line || ':c' || total.column_no
        || case when total.identity_kind = 'total_row' then ':rows' else '' end as check_id,
        case
            when total.identity_kind = 'group_count' then 'group_count_equals_member_rows'
            else total.identity_kind || '_equals_sum_of_parts'
        end as identity_name,
        total.table_no,
        total.row_id,
        total.row_label,
        total.column_label as measure_name,
        total.source_line,
        -- the parts of a column identity are on the total's own line
        case
            when total.identity_kind in ('total_row', 'group_count')
                then string_agg(cast(part.source_line as varchar), ',' order by part.source_line)
        end as other_lines,
        sum(part.amount) as expected,
        max(total.amount) as found,
        count(*) as part_count,
        greatest(max(total.printed_scale), max(part.printed_scale)) as printed_scale,
        max(total.unit) as unit
    from figures as total
    inner join figures as part
        on
            total.report_id = part.report_id
            and total.source_line = part.total_line
            and total.table_no = part.table_no
            and total.identity_kind = part.identity_kind
            and total.total_column_no = part.total_column_no
            and part.cell_role = 'part'
    where total.cell_role = 'total'
    group by
        total.report_id, total.table_no, total.source_line, total.column_no, total.identity_kind,
        total.row_id, total.row_label, total.column_label
),

tolerances as (
    select
        *,
        case printed_scale
            when 0 then 0
            when 1 then 0.1 * ceil(part_count / 2.0)
            when 2 then 0.01 * ceil(part_count / 2.0)
            else 0.001 * ceil(part_count / 2.0)
        end as allowed
    from checks
)

select
    {{ row_content('tolerances', "'fct_table_total'") }},
    {{ check_columns('tolerances', overrides={'fact_table': "'fct_table_total'", 'table_name': 'tables.table_name'}) }}
    {{ reconciliation_evidence(
        expected='tolerances.expected',
        found='tolerances.found',
        tolerance='tolerances.allowed',
        unit='tolerances.unit',
        printed_scale='tolerances.printed_scale',
    ) }}
from tolerances
left join tables
    on tolerances.report_id = tables.report_id and tolerances.table_no = tables.table_no
