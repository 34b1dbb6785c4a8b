{#-
  Project funding amounts in the additive long shape: a funding source adds up into its
  statement's total (nested sources into their group), a project row into its department
  subtotal, a subtotal into the 합계. Amounts in won; counts (건) are not amounts and stay out.
  tolerance_per_child (won): 천원 amounts are exact; 백만원 integers carry half a unit each;
  억원 amounts 0.01 억원 each (2-dp cells rounded independently, docs/report-families.md 6.4).
-#}
with funding as (
    select * from {{ ref('fct_project_funding') }}
    where
        {{ in_selected_reports('report_id') }}
        and basis <> 'project_count'
),

tables as (
    {{ report_tables() }}
)

select
    funding.report_id,
    'fct_project_funding' as fact_table,
    funding.table_no,
    coalesce(tables.table_name, funding.project_name) as table_name,
    funding.row_id,
    funding.parent_row_id,
    funding.source_line,
    concat_ws(' / ', funding.project_name, funding.label, funding.funding_source) as row_label,
    'amount_won' as measure_name,
    cast(funding.amount_won as decimal(38, 0)) as amount,
    funding.value_flag,
    funding.unit,
    cast({{ rounding_tolerance_won('funding.unit') }} as decimal(38, 0)) as tolerance_per_child
from funding
left join tables
    on funding.report_id = tables.report_id and funding.table_no = tables.table_no
