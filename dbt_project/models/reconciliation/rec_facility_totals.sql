{#-
  Identity of the facility section (docs/report-families.md 6.6): each printed total (site area,
  floor area, equipment kinds and units, ...) = the sum of that measure over the section's facility
  blocks, compared at the total's printed decimals (half-up when the parts print more decimals).
  A total with no facility figure of its measure (e.g. buildings: the blocks print none) is not checked.
-#}
with facility as (
    select * from {{ ref('fct_facility') }}
    where {{ in_selected_reports('report_id') }}
),

tables as (
    {{ report_tables() }}
),

sums as (
    select
        total.report_id,
        'facility_total:L' || total.source_line || ':' || total.measure as check_id,
        'facility_total_equals_sum_of_facilities' as identity_name,
        total.table_no,
        total.row_id,
        coalesce(total.row_label, total.measure) as row_label,
        total.measure as measure_name,
        total.source_line,
        string_agg(cast(part.source_line as varchar), ',' order by part.source_line) as other_lines,
        sum(part.quantity) as expected_exact,
        max(part.printed_scale) as parts_scale,
        max(total.printed_scale) as printed_scale,
        max(total.quantity) as found,
        max(total.unit) as unit
    from facility as total
    inner join facility as part
        on
            total.report_id = part.report_id
            and total.section_line = part.section_line
            and total.measure = part.measure
            and part.row_kind = 'facility'
    where total.row_kind = 'total'
    group by
        total.report_id, total.source_line, total.measure, total.table_no, total.row_id, total.row_label
),

checks as (
    select
        *,
        -- the sum at the total's printed decimals (half-up; exact when the parts print no more)
        case printed_scale
            when 0 then cast(round(expected_exact, 0) as decimal(38, 8))
            when 1 then cast(round(expected_exact, 1) as decimal(38, 8))
            when 2 then cast(round(expected_exact, 2) as decimal(38, 8))
            when 3 then cast(round(expected_exact, 3) as decimal(38, 8))
            else cast(expected_exact as decimal(38, 8))
        end as expected,
        case when parts_scale > printed_scale then 'half_up' else 'tolerance' end as applied_rule
    from sums
)

select
    {{ row_content('checks', "'fct_facility'") }},
    {{ check_columns('checks', overrides={'fact_table': "'fct_facility'", 'table_name': 'tables.table_name'}) }}
    {{ reconciliation_evidence(
        expected='checks.expected',
        found='checks.found',
        expected_exact='checks.expected_exact',
        rule='checks.applied_rule',
        unit='checks.unit',
        printed_scale='checks.printed_scale',
    ) }}
from checks
left join tables
    on checks.report_id = tables.report_id and checks.table_no = tables.table_no
