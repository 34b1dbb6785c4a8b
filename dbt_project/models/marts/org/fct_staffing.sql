{#-
  Staffing facts (정·현원, docs/report-families.md 1.5): one row per printed head count, with the report's
  as-of date where the table prints none. Identities: rec_staffing.
-#}
select
    staffing_lines.report_id,
    staffing_lines.row_id,
    staffing_lines.source_line,
    staffing_lines.table_no,
    staffing_lines.source_kind,
    staffing_lines.row_kind,
    staffing_lines.row_label_raw,
    staffing_lines.row_label,
    staffing_lines.row_order,
    staffing_lines.column_no,
    staffing_lines.column_label,
    staffing_lines.column_group,
    staffing_lines.is_total_column,
    staffing_lines.is_note_column,
    staffing_lines.parent_line,
    staffing_lines.parent_column_no,
    staffing_lines.value_printed,
    staffing_lines.persons,
    staffing_lines.value_flag,
    staffing_lines.unit,
    staffing_lines.period_role,
    coalesce(staffing_lines.as_of, dim_report.as_of_date) as as_of,
    staffing_lines.line_text
from {{ ref('stg_staffing_lines') }} as staffing_lines
left join {{ ref('dim_report') }} as dim_report
    on staffing_lines.report_id = dim_report.report_id
where {{ in_selected_reports('staffing_lines.report_id') }}
