{#-
  Every amount that adds up into a parent row, from every fact table, in one long shape
  (see int_additive_amounts__*.sql), so "a total equals the sum of its parts" is checked once
  for all fact tables (rec_parent_totals).
  Amounts and tolerances are cast to one exact type in every branch: a union would otherwise take
  the won branches' DECIMAL(38, 0) and round 2-dp 억원 / 명 values to integers.
-#}
{% set parts = ['budget_execution', 'budget_plan', 'project_funding', 'kpi', 'performance_target'] %}
{% for part in parts %}
    select
        report_id,
        fact_table,
        table_no,
        table_name,
        row_id,
        parent_row_id,
        source_line,
        row_label,
        measure_name,
        cast(amount as decimal(38, 4)) as amount,
        value_flag,
        unit,
        cast(tolerance_per_child as decimal(38, 4)) as tolerance_per_child
    from {{ ref('int_additive_amounts__' ~ part) }}
    {% if not loop.last %}union all{% endif %}
{% endfor %}
