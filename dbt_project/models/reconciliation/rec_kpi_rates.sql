{#-
  Reported KPI attainment rate = actual / target x 100, printed as an integer %, rounded half-up or
  truncated (docs/report-families.md 6.1, 6.4). expected = the half-up value; found = the printed rate. Rates
  whose actual or target is not a number in a compatible unit cannot be computed and are left out.
-#}
with kpi as (
    select * from {{ ref('fct_kpi_attainment') }}
    where
        {{ in_selected_reports('report_id') }}
        and attainment_reported is not null
        and attainment_computed is not null
)

select
    {{ row_content('kpi', "'fct_kpi_attainment'") }},
    report_id,
    'kpi_rate:' || row_id as check_id,
    'reported_rate_matches_computed' as identity_name,
    'fct_kpi_attainment' as fact_table,
    cast(null as integer) as table_no,
    '이행과제 ' || task_code || coalesce(' ' || task_title, '') as table_name,
    row_id,
    kpi_name as row_label,
    'attainment_pct' as measure_name,
    source_line,
    cast(null as varchar) as other_lines,
    cast(attainment_half_up as decimal(38, 4)) as expected,
    cast(attainment_reported as decimal(38, 4)) as found,
    cast(attainment_reported - attainment_half_up as decimal(38, 4)) as difference,
    cast(1 as decimal(38, 4)) as tolerance,
    '%' as unit,
    attainment_reported in (attainment_half_up, attainment_floor) as is_consistent
from kpi
