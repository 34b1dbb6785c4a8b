{#-
  Figures of context tables whose header declares a total column (합계, 소계) or a combined column
  (①+②), with the cells they add up from (docs/report-families.md 4.7). Identities: rec_table_totals.
-#}
select
    report_id,
    row_id,
    source_line,
    table_no,
    identity_kind,
    total_column_no,
    cell_role,
    row_label,
    column_no,
    column_label,
    value_printed,
    amount,
    printed_scale,
    unit,
    line_text
from {{ ref('stg_table_total_lines') }}
where {{ in_selected_reports('report_id') }}
