{#-
  Facility facts (시설현황, docs/report-families.md 1.6): one row per printed figure of the facility
  section, totals and facilities, as of the report's date. Identities: rec_facility_totals.
-#}
select
    facility_lines.report_id,
    facility_lines.row_id,
    facility_lines.source_line,
    facility_lines.table_no,
    facility_lines.source_kind,
    facility_lines.row_kind,
    facility_lines.section_line,
    facility_lines.facility_name,
    facility_lines.facility_line,
    facility_lines.row_label,
    facility_lines.measure,
    facility_lines.value_printed,
    facility_lines.quantity,
    facility_lines.printed_scale,
    facility_lines.unit,
    facility_lines.period_role,
    dim_report.as_of_date as as_of,
    facility_lines.line_text
from {{ ref('stg_facility_lines') }} as facility_lines
left join {{ ref('dim_report') }} as dim_report
    on facility_lines.report_id = dim_report.report_id
where {{ in_selected_reports('facility_lines.report_id') }}
