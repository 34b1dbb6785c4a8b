{#-
  Row identities of project funding (docs/report-families.md 6.1, 6.2, 6.4):
  - subtotal_count_equals_rows: a department subtotal's printed `(N건)` = the number of project
    rows it closes;
  - period_count_matches_dates: a printed duration `(N년)` = end year − start year + 1 (calendar
    years inclusive), `(N개월)` = months from start to end with partial months floored - exact.
    Checked once per statement (on its total or project row, not on each funding source).
  Amount sums (total = Σ sources, subtotal = Σ rows, 합계 = Σ subtotals) are in rec_parent_totals.
-#}
with funding as (
    select * from {{ ref('fct_project_funding') }}
    where {{ in_selected_reports('report_id') }}
),

counts as (
    select
        report_id,
        'item_count:' || row_id as check_id,
        'subtotal_count_equals_rows' as identity_name,
        'fct_project_funding' as fact_table,
        table_no,
        label_raw as table_name,
        row_id,
        coalesce(org_unit_printed, label) as row_label,
        'item_count' as measure_name,
        source_line,
        cast(children_count as decimal(38, 4)) as expected,
        cast(item_count_printed as decimal(38, 4)) as found,
        cast(0 as decimal(38, 4)) as tolerance,
        '건' as unit
    from funding
    where item_count_printed is not null
),

child_lines as (
    select
        report_id,
        parent_row_id,
        string_agg(cast(source_line as varchar), ',' order by source_line) as other_lines
    from funding
    where parent_row_id is not null
    group by report_id, parent_row_id
),

periods as (
    select
        report_id,
        'period_count:' || row_id as check_id,
        'period_count_matches_dates' as identity_name,
        'fct_project_funding' as fact_table,
        table_no,
        coalesce(project_name, label) as table_name,
        row_id,
        coalesce(project_name, label) || ' ' || period_printed as row_label,
        'period_' || case period_count_unit when '년' then 'years' else 'months' end as measure_name,
        source_line,
        cast(period_count_computed as decimal(38, 4)) as expected,
        cast(period_count_printed as decimal(38, 4)) as found,
        cast(0 as decimal(38, 4)) as tolerance,
        period_count_unit as unit
    from funding
    where
        period_count_printed is not null
        and period_count_computed is not null
        and row_kind <> 'source'
)

select
    {{ row_content('counts') }},
    {{ check_columns('counts', overrides={'other_lines': 'child_lines.other_lines'}) }}
    {{ reconciliation_evidence(
        expected='counts.expected', found='counts.found', tolerance='counts.tolerance', unit='counts.unit',
    ) }}
from counts
left join child_lines
    on counts.report_id = child_lines.report_id and counts.row_id = child_lines.parent_row_id
union all
select
    {{ row_content('periods') }},
    {{ check_columns(overrides={'other_lines': 'cast(source_line as varchar)'}) }}
    {{ reconciliation_evidence(expected='expected', found='found', tolerance='tolerance', unit='unit') }}
from periods
