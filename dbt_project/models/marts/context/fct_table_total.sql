{#-
  Figures of context tables whose header declares a total column (합계, 소계) or a combined column
  (①+②), with the cells they add up from (docs/report-families.md 4.7). Identities: rec_table_totals.
-#}
select *
from {{ ref('stg_table_total_lines') }}
where {{ in_selected_reports('report_id') }}
