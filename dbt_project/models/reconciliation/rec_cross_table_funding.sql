{#-
  Funding identities across tables (docs/report-families.md 6.2): the yearly table (연도별 신규사업 확보실적) column
  of the report's year = the project table (신규사업 확보현황) of that year:
  - yearly_count_equals_project_rows: 건 수 = the number of project rows;
  - yearly_amount_equals_project_total: 총사업비 = the project table's 합계 (exact, won).
  The report's year is the year of its as-of date.
-#}
with funding as (
    select * from {{ ref('fct_project_funding') }}
    where {{ in_selected_reports('report_id') }}
),

reports as (
    select
        report_id,
        extract(year from as_of_date) as report_year
    from {{ ref('dim_report') }}
    where {{ in_selected_reports('report_id') }}
),

yearly as (
    select funding.*
    from funding
    inner join reports
        on
            funding.report_id = reports.report_id
            and extract(year from funding.period_start) = reports.report_year
            and extract(year from funding.period_end) = reports.report_year
    where funding.source_kind = 'yearly_table'
),

projects as (
    select
        report_id,
        count(*) filter (where row_kind = 'project') as project_rows,
        string_agg(cast(source_line as varchar), ',' order by source_line) filter (where row_kind = 'project')
            as project_lines,
        {{ any_value("row_id") }} filter (where row_kind = 'total' and parent_row_id is null) as total_row_id,
        {{ any_value("source_line") }} filter (where row_kind = 'total' and parent_row_id is null) as total_line,
        {{ any_value("amount_won") }} filter (where row_kind = 'total' and parent_row_id is null) as total_won,
        count(*) filter (where row_kind = 'total' and parent_row_id is null) as total_rows
    from funding
    where source_kind = 'project_table'
    group by report_id
),

checks as (
    select
        yearly.report_id,
        'yearly_count:' || yearly.row_id as check_id,
        'yearly_count_equals_project_rows' as identity_name,
        yearly.table_no,
        yearly.row_id,
        yearly.label || ' ' || yearly.period_printed as row_label,
        'project_count' as measure_name,
        yearly.source_line,
        projects.project_lines as other_lines,
        cast(projects.project_rows as decimal(38, 4)) as expected,
        cast(yearly.amount as decimal(38, 4)) as found,
        yearly.unit
    from yearly
    inner join projects on yearly.report_id = projects.report_id
    where yearly.basis = 'project_count' and yearly.amount is not null
    union all
    select
        yearly.report_id,
        'yearly_amount:' || yearly.row_id as check_id,
        'yearly_amount_equals_project_total' as identity_name,
        yearly.table_no,
        yearly.row_id,
        yearly.label || ' ' || yearly.period_printed as row_label,
        'amount_won' as measure_name,
        yearly.source_line,
        cast(projects.total_line as varchar) as other_lines,
        cast(projects.total_won as decimal(38, 4)) as expected,
        cast(yearly.amount_won as decimal(38, 4)) as found,
        yearly.unit
    from yearly
    inner join projects on yearly.report_id = projects.report_id
    where
        yearly.basis <> 'project_count'
        and yearly.amount_won is not null
        and projects.total_rows = 1
        and projects.total_won is not null
),

tables as (
    {{ report_tables() }}
)

select
    {{ row_content('checks', "'fct_project_funding'") }},
    {{ check_columns('checks', overrides={'fact_table': "'fct_project_funding'", 'table_name': 'tables.table_name'}) }}
    {{ reconciliation_evidence(
        expected='checks.expected', found='checks.found', unit='checks.unit',
        won_per_unit=won_per_unit('checks.unit'),
    ) }}
from checks
left join tables
    on checks.report_id = tables.report_id and checks.table_no = tables.table_no
