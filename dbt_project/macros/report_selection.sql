{#-
  Per-report builds. The reports a run rebuilds come from `var('report_ids')` (a person at the dbt
  command line) or, when that is empty, from $BUDGET_RECON_REPORT_IDS (comma-separated; Dagster
  passes the run's partition keys this way). Neither set means every report.
  The environment variable is read only while executing, never while parsing: dbt re-parses the
  whole project when `--vars` or a parse-time env_var changes, which cost ~3 s per run.

  in_selected_reports(column): a predicate for the model's WHERE clause (`true` when nothing is selected).
  delete_selected_reports(): pre-hook of incremental models; removes the rows about to be rebuilt,
  so a report's rows are replaced, never duplicated, and a report that lost rows loses them here too.
-#}
{% macro in_selected_reports(column='report_id') -%}
    {%- set ids = var('report_ids', []) -%}
    {%- if not ids and execute -%}{%- set ids = env_var('BUDGET_RECON_REPORT_IDS', '') -%}{%- endif -%}
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

{#- The selected reports' tables with the name a finding quotes (printed title, else the heading above):
    the `tables` CTE every reconciliation joins its checks to. -#}
{% macro report_tables() -%}
    select
        report_id,
        table_no,
        coalesce(table_title, heading) as table_name
    from {{ ref('stg_report_tables') }}
    where {{ in_selected_reports('report_id') }}
{%- endmacro %}
