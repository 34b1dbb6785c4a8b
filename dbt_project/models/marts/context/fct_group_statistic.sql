{#-
  Figures of statistics tables by group (docs/report-families.md 4.8): counts with their shares of the
  total, group means, minima and maxima (breakdown), yearly levels with their growth rate (growth).
  Identities: rec_group_statistics.
-#}
select *
from {{ ref('stg_group_statistic_lines') }}
where {{ in_selected_reports('report_id') }}
