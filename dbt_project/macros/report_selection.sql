{#-
  Per-report builds. `var('report_ids')` lists the reports a run rebuilds (Dagster passes the
  partition key); empty means every report.

  in_selected_reports(column): a predicate for the model's WHERE clause.
  delete_selected_reports(): pre-hook of incremental models; removes the rows about to be rebuilt,
  so a report's rows are replaced, never duplicated, and a report that lost rows loses them here too.
-#}
{% macro in_selected_reports(column='report_id') -%}
    {%- set ids = var('report_ids', []) -%}
    {%- if ids is string -%}{%- set ids = ids.split(',') | map('trim') | reject('equalto', '') | list -%}{%- endif -%}
    {%- if ids | length == 0 -%}
        true
    {%- else -%}
        {{ column }} in ({% for id in ids %}'{{ id | replace("'", "''") }}'{% if not loop.last %}, {% endif %}{% endfor %})
    {%- endif -%}
{%- endmacro %}

{% macro delete_selected_reports() -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where {{ in_selected_reports('report_id') }}
    {%- endif -%}
{%- endmacro %}
