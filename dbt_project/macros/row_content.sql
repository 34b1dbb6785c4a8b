{#-
  row_content(alias, fact_table): the content key columns of a reconciliation row — `label_path`
  and `column_label` of the checked fact row (int_row_labels). Together with identity_name and
  measure_name they name the check without line or table numbers; acknowledgements match on them.
  `fact_table`: SQL for the row's fact table (default: the alias's fact_table column).
-#}
{% macro row_content(alias, fact_table=none) -%}
    {%- set fact = fact_table if fact_table else alias ~ '.fact_table' -%}
    (
        select labels.label_path from {{ ref('int_row_labels') }} as labels
        where
            labels.report_id = {{ alias }}.report_id
            and labels.fact_table = {{ fact }}
            and labels.row_id = {{ alias }}.row_id
    ) as label_path,
    (
        select labels.column_label from {{ ref('int_row_labels') }} as labels
        where
            labels.report_id = {{ alias }}.report_id
            and labels.fact_table = {{ fact }}
            and labels.row_id = {{ alias }}.row_id
    ) as column_label
{%- endmacro %}
