{#-
  A plan table printed more than once (summary and body, docs/report-families.md 4.1, 6.3): every cell of an
  earlier printing = the same cell of the last printing (the body), matched by row identity
  (the row's path of labels with spaces and '·' removed) and column (year, funding source,
  measure) - never by position, since labels and rows shift between printings.
  - occurrence_cell_equals_body: found = the earlier printing, expected = the body. Copies
    printed at different precision (24.750 / 24.75, 17.325 / 17.33) compare at the coarser one.
  - occurrence_row_present_in_both: a row printed in one printing only (expected 1 = present in
    both, found 0); source_line is the row that is printed, other_lines the other printing's table.
-#}
with plan as (
    select
        *,
        regexp_replace(item_path, '[\s·]', '', 'g') as row_key,
        -- decimals printed for this measure (the 총사업비 companion is the number in parentheses)
        length(
            case
                when measure like 'total_project_cost%'
                    then {{ regexp_group("amount_printed", "'\\(\\s*[△-]?[0-9,]+(\\.([0-9]+))?\\s*\\)'", 2) }}
                else {{ regexp_group("amount_printed", "'[0-9,]+(\\.([0-9]+))?'", 2) }}
            end
        ) as printed_scale,
        coalesce({{ won_per_unit('unit') }}, 1) as unit_factor
    from {{ ref('fct_budget_plan') }}
    where {{ in_selected_reports('report_id') }}
),

printings as (
    select
        report_id,
        plan_table,
        occurrence,
        min(table_no) as table_no,
        min(source_line) as first_line,
        max(source_line) as last_line,
        max(occurrence) over (partition by report_id, plan_table) as body_occurrence
    from plan
    group by report_id, plan_table, occurrence
),

tables as (
    {{ report_tables() }}
),

cells as (
    select
        plan.*,
        printings.body_occurrence,
        plan.occurrence = printings.body_occurrence as is_body
    from plan
    inner join printings
        on
            plan.report_id = printings.report_id
            and plan.plan_table = printings.plan_table
            and plan.occurrence = printings.occurrence
    where printings.body_occurrence > 1
),

cell_checks as (
    select
        printed_copy.report_id,
        'occurrence_cell:' || printed_copy.row_id as check_id,
        'occurrence_cell_equals_body' as identity_name,
        'fct_budget_plan' as fact_table,
        printed_copy.table_no,
        tables.table_name,
        printed_copy.row_id,
        printed_copy.item_path || ' [' || printed_copy.column_label || ']' as row_label,
        printed_copy.measure || '_won' as measure_name,
        printed_copy.source_line,
        cast(body.source_line as varchar) as other_lines,
        cast(body.amount_won_in_sums as decimal(38, 4)) as expected,
        cast(printed_copy.amount_won_in_sums as decimal(38, 4)) as found,
        cast(printed_copy.amount_won_in_sums - body.amount_won_in_sums as decimal(38, 4)) as difference,
        cast(case
            when coalesce(printed_copy.printed_scale, 0) <> coalesce(body.printed_scale, 0)
                then
                    printed_copy.unit_factor
                    * 0.5
                    * power(10, -least(coalesce(printed_copy.printed_scale, 0), coalesce(body.printed_scale, 0)))
            else 0
        end as decimal(38, 4)) as tolerance,
        printed_copy.unit
    from cells as printed_copy
    inner join cells as body
        on
            printed_copy.report_id = body.report_id
            and printed_copy.plan_table = body.plan_table
            and body.is_body
            and printed_copy.row_key = body.row_key
            and printed_copy.column_label = body.column_label
            and printed_copy.measure = body.measure
    left join tables
        on printed_copy.report_id = tables.report_id and printed_copy.table_no = tables.table_no
    where
        not printed_copy.is_body
        and printed_copy.amount_won_in_sums is not null
        and body.amount_won_in_sums is not null
),

row_keys as (
    select
        report_id,
        plan_table,
        occurrence,
        is_body,
        row_key,
        min(line_row_id) as line_row_id,
        min(table_no) as table_no,
        min(source_line) as source_line,
        min(item_path) as item_path
    from cells
    group by report_id, plan_table, occurrence, is_body, row_key
),

missing_rows as (
    select
        printed.report_id,
        'occurrence_row:' || printed.line_row_id || ':' || other.occurrence as check_id,
        'occurrence_row_present_in_both' as identity_name,
        'fct_budget_plan' as fact_table,
        printed.table_no,
        tables.table_name,
        printed.line_row_id as row_id,
        printed.item_path || ' [printed in occurrence ' || printed.occurrence || ', not in occurrence '
        || other.occurrence || ']' as row_label,
        'row_present' as measure_name,
        printed.source_line,
        other.first_line || ',' || other.last_line as other_lines,
        cast(1 as decimal(38, 4)) as expected,
        cast(0 as decimal(38, 4)) as found,
        cast(-1 as decimal(38, 4)) as difference,
        cast(0 as decimal(38, 4)) as tolerance,
        cast(null as varchar) as unit
    from row_keys as printed
    inner join printings as other
        on
            printed.report_id = other.report_id
            and printed.plan_table = other.plan_table
            and printed.occurrence <> other.occurrence
            -- every printing is compared with the body, the body with every printing
            and (printed.is_body or other.occurrence = other.body_occurrence)
    left join tables
        on printed.report_id = tables.report_id and printed.table_no = tables.table_no
    where not exists (
        select 1
        from row_keys as counterpart
        where
            counterpart.report_id = printed.report_id
            and counterpart.plan_table = printed.plan_table
            and counterpart.occurrence = other.occurrence
            and counterpart.row_key = printed.row_key
    )
)

select
    {{ row_content('cell_checks') }},
    {{ check_columns() }}
    {{ reconciliation_evidence(
        expected='expected', found='found', tolerance='tolerance', unit='unit',
        won_per_unit=won_per_unit('unit'),
    ) }}
from cell_checks
union all
select
    {{ row_content('missing_rows') }},
    {{ check_columns() }}
    {{ reconciliation_evidence(expected='expected', found='found', unit='unit', is_consistent='false') }}
from missing_rows
