{#-
  Cross-database SQL: the few expressions DuckDB (the embedded default) and PostgreSQL (the
  scale-out warehouse, docs/scale-out.md) spell differently. Models call these instead of either
  dialect's function, so both run the same models. The branch follows dbt's target type (the
  DuckDB spelling wherever there is no target, e.g. when sqlfluff renders the models for lint).
  Patterns and expressions are passed as SQL text: regexp_group("line_text", "'^(a|b)'", 1).

  wide_integer(): an exact integer type wider than 64 bits (DuckDB hugeint, PostgreSQL numeric(38, 0)).
  integer_divide(a, b): integer division truncating toward zero (DuckDB `//`, PostgreSQL div()).
  regexp_group(text, pattern, group): the group of the first match; '' when nothing matches and
    NULL for NULL text (DuckDB's regexp_extract).
  regexp_test(text, pattern): whether the pattern matches somewhere in the text.
  any_value(expression): some value of the group (PostgreSQL 15 lacks any_value: min there; the
    models use it where every row of a group holds the same value).
-#}
{% macro wide_integer() -%}
    {%- if target is defined and target.type == 'postgres' -%}numeric(38, 0){%- else -%}hugeint{%- endif -%}
{%- endmacro %}

{% macro integer_divide(numerator, denominator) -%}
    {%- if target is defined and target.type == 'postgres' -%}
        div({{ numerator }}, {{ denominator }})
    {%- else -%}
        ({{ numerator }}) // ({{ denominator }})
    {%- endif -%}
{%- endmacro %}

{% macro regexp_group(text, pattern, group) -%}
    {%- if target is defined and target.type == 'postgres' -%}
        coalesce((regexp_match({{ text }}, {{ pattern }}))[{{ group }}], case when {{ text }} is not null then '' end)
    {%- else -%}
        regexp_extract({{ text }}, {{ pattern }}, {{ group }})
    {%- endif -%}
{%- endmacro %}

{% macro regexp_test(text, pattern) -%}
    {%- if target is defined and target.type == 'postgres' -%}
        ({{ text }} ~ {{ pattern }})
    {%- else -%}
        regexp_matches({{ text }}, {{ pattern }})
    {%- endif -%}
{%- endmacro %}

{% macro any_value(expression) -%}
    {%- if target is defined and target.type == 'postgres' -%}min({{ expression }}){%- else -%}any_value({{ expression }}){%- endif -%}
{%- endmacro %}

{#-
  postgres_index(columns): post-hook creating an index on the model's table over `columns` when the
  warehouse is PostgreSQL (nothing on DuckDB, whose joins and lookups need none). PostgreSQL runs a
  correlated lookup (macro row_content) and the per-report delete of every rebuild (macro
  delete_selected_reports) as a scan of the whole table without one: minutes at a hundred reports.
  `if not exists`: a warehouse built before the index gets it on its next build.
-#}
{% macro postgres_index(columns) -%}
    {%- if target is defined and target.type == 'postgres' and model.config.materialized != 'view' -%}
        {%- set name = (this.identifier ~ '__' ~ columns | join('__'))[:63] -%}
        create index if not exists "{{ name }}" on {{ this }} ({{ columns | join(', ') }})
    {%- endif -%}
{%- endmacro %}

{#-
  postgres_hash_joins(): pre-hook of the reconciliation models: no nested-loop joins on PostgreSQL
  for the model's statement (`set local`: its transaction only; nothing on DuckDB). The models join
  CTEs on several correlated keys (report, table, printing, row, column); PostgreSQL multiplies the
  keys' selectivities, estimates one row, and picks nested loops that are quadratic in the rows of
  a batch: at 100 reports rec_budget_plan_occurrences took 80 s instead of 1.2 s, rec_cross_table_budget
  34 s instead of 1.2 s, rec_performance_roi 46 s instead of 0.3 s. A planner setting, not SQL:
  the rows are the same (tests/test_warehouse_postgres.py compares them with DuckDB's).
-#}
{% macro postgres_hash_joins() -%}
    {%- if target is defined and target.type == 'postgres' -%}set local enable_nestloop = off{%- endif -%}
{%- endmacro %}
