{#-
  Reported KPI attainment rate = actual / target x 100 (docs/report-families.md 6.1, 6.4), at the printed number
  of decimals (`(12건) : 7건, 58.3%` is checked at 1 decimal), under the rounding convention the
  report's own KPI lines show (printed_rate_checks): a rate following the other convention is a
  WARN finding, one following neither an ERROR. Rates whose actual or target is not a number in a
  compatible unit cannot be computed and are left out.
-#}
with kpi as (
    select
        *,
        actual as numerator,
        target as denominator,
        attainment_reported as printed,
        coalesce(length({{ regexp_group("rate_printed", "'\\.([0-9]+)'", 1) }}), 0) as scale
    from {{ ref('fct_kpi_attainment') }}
    where
        {{ in_selected_reports('report_id') }}
        and attainment_reported is not null
        and attainment_computed is not null
),

rates as (
    {{ printed_rate_checks('kpi', ['report_id']) }}
)

select
    {{ row_content('rates', "'fct_kpi_attainment'") }},
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
    {{ printed_rate_evidence() }}
from rates
