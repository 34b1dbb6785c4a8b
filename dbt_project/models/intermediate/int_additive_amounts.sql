{#-
  Every amount that adds up into a parent row, from every fact table, in one long shape
  (see int_additive_amounts__*.sql), so "a total equals the sum of its parts" is checked once
  for all fact tables (rec_parent_totals).
-#}
select * from {{ ref('int_additive_amounts__budget_execution') }}
union all select * from {{ ref('int_additive_amounts__budget_plan') }}
union all select * from {{ ref('int_additive_amounts__project_funding') }}
union all select * from {{ ref('int_additive_amounts__kpi') }}
