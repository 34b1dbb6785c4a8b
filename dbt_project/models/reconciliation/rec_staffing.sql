{#-
  Identities of staffing tables and their prose lines (docs/report-families.md 6.5), exact in persons:
  - staff_row: a row's 계 = the sum of its other printed cells (grades, 비고 counts included);
  - staff_column: each cell of the 현원 row = the sum of that column over the department rows;
  - staff_breakdown: an unlabelled breakdown row sums to the cell it breaks down;
  - staff_prose: `총 원`, `정·현원 : A명 / B명`, `정원 / 현원 : …` = the table's 정원 / 현원 계;
  - staff_outside_quota: `정원 외 N명(a, b)`: N = a + b.
-#}
with staffing as (
    select * from {{ ref('fct_staffing') }}
    where {{ in_selected_reports('report_id') }}
),

tables as (
    {{ report_tables() }}
),

cells as (
    select * from staffing
    where source_kind = 'table'
),

row_checks as (
    select
        total.report_id,
        'staff_row:t' || total.table_no || ':L' || total.source_line as check_id,
        'row_total_equals_sum_of_cells' as identity_name,
        total.table_no,
        total.row_id,
        total.row_label,
        total.row_kind || '_persons' as measure_name,
        total.source_line,
        cast(null as varchar) as other_lines,
        sum(part.persons) as expected,
        max(total.persons) as found
    from cells as total
    inner join cells as part
        on
            total.report_id = part.report_id
            and total.table_no = part.table_no
            and total.source_line = part.source_line
            and not part.is_total_column
    where total.is_total_column and total.row_kind in ('authorised', 'actual', 'part')
    group by
        total.report_id, total.table_no, total.source_line, total.row_id, total.row_label, total.row_kind
),

column_checks as (
    select
        total.report_id,
        'staff_column:t' || total.table_no || ':L' || total.source_line || ':c' || total.column_no as check_id,
        'total_row_equals_sum_of_departments' as identity_name,
        total.table_no,
        total.row_id,
        total.row_label || ' ' || total.column_label as row_label,
        'actual_persons' as measure_name,
        total.source_line,
        string_agg(cast(part.source_line as varchar), ',' order by part.source_line) as other_lines,
        coalesce(sum(part.persons), 0) as expected,
        max(total.persons) as found
    from cells as total
    inner join cells as part
        on
            total.report_id = part.report_id
            and total.table_no = part.table_no
            and total.column_no = part.column_no
            and part.row_kind = 'part'
    where total.row_kind = 'actual'
    group by
        total.report_id, total.table_no, total.source_line, total.column_no,
        total.row_id, total.row_label, total.column_label
),

breakdown_checks as (
    select
        parent.report_id,
        'staff_breakdown:t' || parent.table_no || ':L' || parent.source_line || ':c' || parent.column_no as check_id,
        'cell_equals_sum_of_breakdown' as identity_name,
        parent.table_no,
        parent.row_id,
        parent.row_label || ' ' || parent.column_label as row_label,
        parent.row_kind || '_persons' as measure_name,
        parent.source_line,
        string_agg(distinct cast(part.source_line as varchar), ',') as other_lines,
        sum(part.persons) as expected,
        max(parent.persons) as found
    from cells as part
    inner join cells as parent
        on
            part.report_id = parent.report_id
            and part.table_no = parent.table_no
            and part.parent_line = parent.source_line
            and part.parent_column_no = parent.column_no
    where part.row_kind = 'breakdown'
    group by
        parent.report_id, parent.table_no, parent.source_line, parent.column_no,
        parent.row_id, parent.row_label, parent.column_label, parent.row_kind
),

prose_candidates as (
    select
        prose.report_id,
        'staff_prose:L' || prose.source_line || ':' || prose.row_kind as check_id,
        'prose_total_equals_table_total' as identity_name,
        total.table_no,
        prose.row_id,
        prose.row_label,
        prose.row_kind || '_persons' as measure_name,
        prose.source_line,
        cast(total.source_line as varchar) as other_lines,
        total.persons as expected,
        prose.persons as found,
        row_number() over (
            partition by prose.report_id, prose.row_id order by abs(total.source_line - prose.source_line)
        ) as nearest
    from staffing as prose
    inner join cells as total
        on
            prose.report_id = total.report_id
            and prose.row_kind = total.row_kind
            and total.is_total_column
    where prose.source_kind = 'prose' and prose.row_kind in ('authorised', 'actual')
),

outside_quota_checks as (
    select
        total.report_id,
        'staff_outside_quota:L' || total.source_line as check_id,
        'outside_quota_equals_sum_of_parts' as identity_name,
        cast(null as integer) as table_no,
        total.row_id,
        total.row_label,
        'outside_quota_persons' as measure_name,
        total.source_line,
        cast(total.source_line as varchar) as other_lines,
        sum(part.persons) as expected,
        max(total.persons) as found
    from staffing as total
    inner join staffing as part
        on
            total.report_id = part.report_id
            and total.source_line = part.source_line
            and part.row_kind = 'outside_quota_part'
    where total.row_kind = 'outside_quota'
    -- PostgreSQL has no GROUP BY ALL
    group by
        total.report_id, total.source_line, total.row_id, total.row_label
),

checks as (
    select * from row_checks
    union all
    select * from column_checks
    union all
    select * from breakdown_checks
    union all
    select
        report_id,
        check_id,
        identity_name,
        table_no,
        row_id,
        row_label,
        measure_name,
        source_line,
        other_lines,
        expected,
        found
    from prose_candidates
    where nearest = 1
    union all
    select * from outside_quota_checks
)

select
    {{ row_content('checks', "'fct_staffing'") }},
    {{ check_columns('checks', overrides={'fact_table': "'fct_staffing'", 'table_name': 'tables.table_name'}) }}
    {{ reconciliation_evidence(expected='checks.expected', found='checks.found', unit="'명'") }}
from checks
left join tables
    on checks.report_id = tables.report_id and checks.table_no = tables.table_no
