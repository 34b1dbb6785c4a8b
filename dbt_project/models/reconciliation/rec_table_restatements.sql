{#-
  An indicator matrix restates the targets of the program tables (docs/report-families.md 4.9, 6.9); its
  columns are garbled in print (figures under a neighbouring indicator or year), so a figure is matched
  by value:
  - restated_figure_equals_a_target: the figure = a base- or plan-year target of the indicator and
    period role its column names (fct_performance_target), else of any indicator and role the matrix names
    (a note says which: a figure printed under another column); a figure no such target equals is an
    ERROR;
  - restated_figure_in_other_printing: a matrix printed twice (same title and heading) prints the same
    figures: each figure of one printing is printed in the other.
-#}
with figures as (
    select
        *,
        split_part(column_label, ' ', 1) as indicator,
        nullif(split_part(column_label, ' ', 2), '') as period_role
    from {{ ref('fct_table_total') }}
    where
        {{ in_selected_reports('report_id') }}
        and identity_kind = 'restated'
),

tables as (
    {{ report_tables() }}
),

named as (
    select distinct
        report_id,
        indicator,
        period_role
    from figures
    where column_label is not null
),

targets as (
    select
        t.report_id,
        t.indicator,
        t.period_role,
        t.target_value,
        min(t.source_line) as source_line
    from {{ ref('fct_performance_target') }} as t
    inner join named as n
        on t.report_id = n.report_id and t.indicator = n.indicator and t.period_role = n.period_role
    where
        {{ in_selected_reports('t.report_id') }}
        and t.measure = 'target'
        and t.target_value is not null
    group by t.report_id, t.indicator, t.period_role, t.target_value
),

matched as (
    select
        f.report_id,
        f.table_no,
        f.row_id,
        f.row_label,
        f.column_label,
        f.source_line,
        f.amount,
        f.printed_scale,
        f.indicator,
        f.period_role,
        own.source_line as own_line,
        other.indicator as other_indicator,
        other.period_role as other_role,
        other.source_line as other_line,
        row_number() over (
            partition by f.report_id, f.row_id order by other.source_line
        ) as pick
    from figures as f
    left join targets as own
        on
            f.report_id = own.report_id
            and f.indicator = own.indicator
            and f.period_role = own.period_role
            and f.amount = own.target_value
    left join targets as other
        on
            f.report_id = other.report_id
            and f.amount = other.target_value
),

signatures as (
    select
        t.report_id,
        t.table_no,
        regexp_replace(coalesce(r.table_title, '') || '|' || coalesce(r.heading, ''), '[#*\s]', '', 'g') as signature
    from tables as t
    inner join {{ ref('stg_report_tables') }} as r
        on t.report_id = r.report_id and t.table_no = r.table_no
),

printed as (
    select
        f.report_id,
        f.table_no,
        f.row_id,
        f.row_label,
        f.column_label,
        f.source_line,
        f.amount,
        f.printed_scale,
        (
            select min(o.source_line) from figures as o
            inner join signatures as os on o.report_id = os.report_id and o.table_no = os.table_no
            where
                o.report_id = f.report_id and os.signature = s.signature and o.table_no <> f.table_no
                and o.amount = f.amount
        ) as other_line
    from figures as f
    inner join signatures as s on f.report_id = s.report_id and f.table_no = s.table_no
    where exists (
        select 1 from figures as o
        inner join signatures as os on o.report_id = os.report_id and o.table_no = os.table_no
        where o.report_id = f.report_id and os.signature = s.signature and o.table_no <> f.table_no
    )
),

checks as (
    select
        report_id,
        'restated:' || row_id as check_id,
        'restated_figure_equals_a_target' as identity_name,
        table_no,
        row_id,
        row_label,
        coalesce(column_label, 'unnamed column') as measure_name,
        source_line,
        cast(coalesce(own_line, other_line) as varchar) as other_lines,
        case when own_line is not null or other_line is not null then amount end as expected,
        amount as found,
        printed_scale,
        case
            when own_line is null and other_line is not null
                then
                    'printed under ' || coalesce(column_label, 'a column without indicator') || '; a target of '
                    || other_indicator || ' ' || other_role  -- its line: other_lines
            when own_line is null then 'no target of the indicators the matrix names equals it'
        end as note
    from matched
    where pick = 1
    union all
    select
        report_id,
        'restated_printing:' || row_id as check_id,
        'restated_figure_in_other_printing' as identity_name,
        table_no,
        row_id,
        row_label,
        coalesce(column_label, 'unnamed column') as measure_name,
        source_line,
        cast(other_line as varchar) as other_lines,
        case when other_line is not null then amount end as expected,
        amount as found,
        printed_scale,
        case when other_line is null then 'not printed in the other printing of the matrix' end as note
    from printed
)

select
    {{ row_content('checks', "'fct_table_total'") }},
    {{ check_columns('checks', overrides={'fact_table': "'fct_table_total'", 'table_name': 'tables.table_name'}) }}
    {{ reconciliation_evidence(
        expected='checks.expected',
        found='checks.found',
        rule="'tolerance'",
        printed_scale='checks.printed_scale',
        note='checks.note',
    ) }}
from checks
left join tables
    on checks.report_id = tables.report_id and checks.table_no = tables.table_no
