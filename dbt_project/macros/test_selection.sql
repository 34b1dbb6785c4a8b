{#-
  Data tests of a per-report build check the rebuilt reports only.

  dbt wraps the model a data test reads in `get_where_subquery` (that is how the `where:` config
  works). This override adds `in_selected_reports()` (report_id in (...)) when the build selects reports, so
  adding one report to a warehouse of a thousand tests that report's rows, not every row again (the
  other reports' rows were tested when they were built and are untouched: marts and reconciliation
  models are replaced per report). A full build (no selection) tests every row, as before.
  Every relation of this project carries `report_id` (the column of each model's key); a model
  without it would make its tests fail loudly in a per-report build, never pass silently.
-#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- set selected = in_selected_reports('report_id') | trim -%}
    {%- if selected != 'true' -%}
        {%- set where = '(' ~ where ~ ') and ' ~ selected if where else selected -%}
    {%- endif -%}
    {%- if where -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
