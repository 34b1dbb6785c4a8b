{#-
  Key-project overviews (IV, source_kind overview_line) against the project's row in the project
  table (신규사업 확보현황, source_kind project_table), docs/report-families.md 6.2 'funding' and 'across tables':
  - overview_amount_matches_project_table: the table's amount is the overview's 총사업비 (사업비) total.
    Rule that holds: the table records what was secured, which is the 총사업비 for projects whose
    overview prints no 1차년도 line (single-year or secured in full: SW융합클러스터 2.0, 57 months, too)
    and, when the overview also prints `1차년도 사업비`, either the 총사업비 (도시안전 SOS랩) or the first-year
    amount (고용안정 선제대응). So: expected = the overview amount of the same basis the table amount equals,
    else the 총사업비 (inconsistent); measure_name says which basis was matched. Exact in won.
  - overview_period_matches_project_table: start and end dates equal (measure period_start /
    period_end, as yyyymmdd numbers).
  - overview_ministry_matches_project_table / overview_department_matches_project_table: the
    overview's lead ministry (추진체계, abbreviations expanded: 과기정통부 = 과학기술정보통신부 …) and its
    department (contact row) equal the table's 주관부처 and the department of the project's subtotal;
    expected 1, found 1 (match) or 0, both spellings in row_label.
  - first_year_within_total: 1차년도 사업비 ≤ 총사업비 per source (합계, 국비, 도비 …) of one overview
    (found = 1차년도, expected = 총사업비; consistent when found ≤ expected).
  Projects are matched by name with spaces removed, a leading year / the family profile's project name
  prefixes, `(비R&D)`, `사업`, brackets and `_` dropped, and the profile's name aliases applied
  (docs/report-families.md); equal keys first, else a key containing the
  other when that is the only candidate. Overviews of projects absent from the table (later years)
  are not checked.
-#}
with profile as (
    select * from {{ ref('stg_report_profile') }}
    where {{ in_selected_reports('report_id') }}
),

-- a leading year or one of the family's project name prefixes (the agency's region)
name_prefixes as (
    select
        report_id,
        '^(20[0-9]{2}년|' || string_agg(entry_key, '|' order by position) || ')+' as pattern
    from profile
    where section = 'project_name_prefix'
    group by report_id
),

spaced_names as (
    select
        f.*,
        replace(coalesce(f.project_name, ''), ' ', '') as bare_name,
        coalesce(n.pattern, '^(20[0-9]{2}년)+') as prefix_pattern
    from {{ ref('fct_project_funding') }} as f
    left join name_prefixes as n on f.report_id = n.report_id
    where {{ in_selected_reports('f.report_id') }}
),

-- the family profile's name alias (first by position) whose key the name contains: a join, not a
-- subquery per row (PostgreSQL ran that once per funding row over every report's profile: 324 s at N=1000)
alias_matches as (
    select
        s.report_id,
        s.row_id,
        replace(s.bare_name, a.entry_key, a.entry_value) as aliased_name,
        row_number() over (partition by s.report_id, s.row_id order by a.position) as alias_rank
    from spaced_names as s
    inner join profile as a
        on
            s.report_id = a.report_id
            and a.section = 'name_alias'
            and 0 < strpos(s.bare_name, a.entry_key)
),

funding as (
    select
        s.*,
        regexp_replace(
            regexp_replace(coalesce(m.aliased_name, s.bare_name), s.prefix_pattern, ''),
            '\(비R&D\)|사업|[()_·]', '', 'g'
        ) as name_key
    from spaced_names as s
    left join alias_matches as m
        on s.report_id = m.report_id and s.row_id = m.row_id and m.alias_rank = 1
),

-- ministry abbreviations printed in overviews -> the 주관부처 spelling of the project table
ministries as (
    select
        report_id,
        entry_key as short_name,
        entry_value as full_name
    from profile
    where section = 'ministry_alias'
),

overviews as (
    select
        f.*,
        coalesce(m.full_name, replace(f.lead_ministry, ' ', '')) as ministry_key
    from funding as f
    left join ministries as m on f.report_id = m.report_id and replace(f.lead_ministry, ' ', '') = m.short_name
    where f.source_kind = 'overview_line' and f.row_kind = 'total' and f.basis in ('total_project_cost', 'first_year')
),

table_rows as (
    select
        f.*,
        coalesce(m.full_name, replace(f.lead_ministry, ' ', '')) as ministry_key
    from funding as f
    left join ministries as m on f.report_id = m.report_id and replace(f.lead_ministry, ' ', '') = m.short_name
    where f.source_kind = 'project_table' and f.row_kind = 'project'
),

-- one overview (its 총사업비 statement) per project block
projects as (
    select *
    from overviews
    where basis = 'total_project_cost'
),

candidates as (
    select
        p.report_id,
        p.row_id as overview_row_id,
        t.row_id as table_row_id,
        p.name_key = t.name_key as is_exact
    from projects as p
    inner join table_rows as t
        on
            p.report_id = t.report_id
            and length(p.name_key) > 0
            and length(t.name_key) > 0
            and (0 < strpos(p.name_key, t.name_key) or 0 < strpos(t.name_key, p.name_key))
),

matches as (
    select
        report_id,
        overview_row_id,
        coalesce(
            {{ any_value("table_row_id") }} filter (where is_exact),
            case when count(*) = 1 then {{ any_value("table_row_id") }} end
        ) as table_row_id
    from candidates
    group by report_id, overview_row_id
    having count(*) filter (where is_exact) = 1 or count(*) = 1
),

pairs as (
    select
        p.report_id,
        p.project_no,
        p.project_name,
        p.row_id as overview_row_id,
        p.source_line as overview_line,
        p.amount_won as total_won,
        p.period_start as overview_start,
        p.period_end as overview_end,
        p.ministry_key as overview_ministry,
        p.lead_ministry as overview_ministry_printed,
        p.org_unit as overview_org_unit,
        fy.row_id as first_year_row_id,
        fy.source_line as first_year_line,
        fy.amount_won as first_year_won,
        t.row_id as table_row_id,
        t.table_no,
        t.source_line as table_line,
        t.project_name as table_project_name,
        t.amount_won as table_won,
        t.period_start as table_start,
        t.period_end as table_end,
        t.ministry_key as table_ministry,
        t.lead_ministry as table_ministry_printed,
        t.org_unit as table_org_unit,
        t.unit
    from projects as p
    inner join matches as m on p.report_id = m.report_id and p.row_id = m.overview_row_id
    inner join table_rows as t on m.report_id = t.report_id and m.table_row_id = t.row_id
    left join overviews as fy
        on
            p.report_id = fy.report_id
            and fy.basis = 'first_year'
            and p.project_no = fy.project_no
            and p.project_name = fy.project_name
),

checks as (
    select
        report_id,
        'overview_amount:' || table_row_id as check_id,
        'overview_amount_matches_project_table' as identity_name,
        table_no,
        table_row_id as row_id,
        table_project_name || ' ↔ ' || project_name as row_label,
        case
            when table_won = first_year_won and table_won <> total_won then 'amount_won_first_year'
            else 'amount_won_total_project_cost'
        end as measure_name,
        table_line as source_line,
        cast(overview_line as varchar)
        || coalesce(',' || cast(first_year_line as varchar), '') as other_lines,
        cast(case when table_won = first_year_won then first_year_won else total_won end as decimal(38, 4))
            as expected,
        cast(table_won as decimal(38, 4)) as found,
        'won' as unit,
        cast(0 as decimal(38, 4)) as tolerance,
        'equal' as check_rule
    from pairs

    union all

    select
        report_id,
        'overview_' || period_side || ':' || table_row_id as check_id,
        'overview_period_matches_project_table' as identity_name,
        table_no,
        table_row_id as row_id,
        table_project_name || ' ↔ ' || project_name as row_label,
        period_side as measure_name,
        table_line as source_line,
        cast(overview_line as varchar) as other_lines,
        cast(
            extract(year from overview_date) * 10000 + extract(month from overview_date) * 100
            + extract(day from overview_date) as decimal(38, 4)
        ) as expected,
        cast(
            extract(year from table_date) * 10000 + extract(month from table_date) * 100
            + extract(day from table_date) as decimal(38, 4)
        ) as found,
        'yyyymmdd' as unit,
        cast(0 as decimal(38, 4)) as tolerance,
        'equal' as check_rule
    from (
        select
            *,
            'period_start' as period_side,
            overview_start as overview_date,
            table_start as table_date
        from pairs
        union all
        select
            *,
            'period_end' as period_side,
            overview_end as overview_date,
            table_end as table_date
        from pairs
    ) as period_sides

    union all

    select
        report_id,
        'overview_ministry:' || table_row_id as check_id,
        'overview_ministry_matches_project_table' as identity_name,
        table_no,
        table_row_id as row_id,
        table_project_name || ': ' || coalesce(table_ministry_printed, '?') || ' ↔ '
        || coalesce(overview_ministry_printed, '?') as row_label,
        'lead_ministry' as measure_name,
        table_line as source_line,
        cast(overview_line as varchar) as other_lines,
        cast(1 as decimal(38, 4)) as expected,
        cast(case when table_ministry = overview_ministry then 1 else 0 end as decimal(38, 4)) as found,
        'match' as unit,
        cast(0 as decimal(38, 4)) as tolerance,
        'equal' as check_rule
    from pairs

    union all

    select
        report_id,
        'overview_department:' || table_row_id as check_id,
        'overview_department_matches_project_table' as identity_name,
        table_no,
        table_row_id as row_id,
        table_project_name || ': ' || coalesce(table_org_unit, '?') || ' ↔ '
        || coalesce(overview_org_unit, '?') as row_label,
        'org_unit' as measure_name,
        table_line as source_line,
        cast(overview_line as varchar) as other_lines,
        cast(1 as decimal(38, 4)) as expected,
        cast(
            case when replace(table_org_unit, ' ', '') = replace(overview_org_unit, ' ', '') then 1 else 0 end
            as decimal(38, 4)
        ) as found,
        'match' as unit,
        cast(0 as decimal(38, 4)) as tolerance,
        'equal' as check_rule
    from pairs

    union all

    -- 1차년도 ≤ 총사업비 per source, within one overview
    select
        fy.report_id,
        'first_year_within_total:' || fy.row_id as check_id,
        'first_year_within_total' as identity_name,
        fy.table_no,
        fy.row_id,
        fy.project_name || ' ' || fy.funding_source as row_label,
        'amount_won_' || fy.funding_source as measure_name,
        fy.source_line,
        cast(total.source_line as varchar) as other_lines,
        cast(total.amount_won as decimal(38, 4)) as expected,
        cast(fy.amount_won as decimal(38, 4)) as found,
        'won' as unit,
        cast(0 as decimal(38, 4)) as tolerance,
        'at_most' as check_rule
    from funding as fy
    left join funding as total
        on
            fy.report_id = total.report_id
            and total.source_kind = 'overview_line'
            and total.basis = 'total_project_cost'
            and fy.project_no = total.project_no
            and fy.project_name = total.project_name
            and fy.funding_source = total.funding_source
    where fy.source_kind = 'overview_line' and fy.basis = 'first_year' and fy.amount_won is not null
),

tables as (
    {{ report_tables() }}
)

select
    {{ row_content('checks', "'fct_project_funding'") }},
    {{ check_columns('checks', overrides={'fact_table': "'fct_project_funding'", 'table_name': 'tables.table_name'}) }}
    {{ reconciliation_evidence(
        expected='checks.expected', found='checks.found', tolerance='checks.tolerance', unit='checks.unit',
        won_per_unit=won_per_unit('checks.unit'),
        is_consistent="case
            when checks.check_rule = 'at_most' then checks.found <= checks.expected + checks.tolerance
            else abs(checks.found - checks.expected) <= checks.tolerance
        end",
    ) }}
from checks
left join tables
    on checks.report_id = tables.report_id and checks.table_no = tables.table_no
