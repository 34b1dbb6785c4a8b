{#-
  A model's row contract as ONE data test: one query, one dbt node, one Dagster asset check per
  model, instead of a test per column (dbt's per-node cost, not the query, was the price of a run).
    key: unique over the model and never null (the published tables' primary key);
    also_unique: [[columns], ...]: further unique combinations (a second key);
    not_null: further columns that are never null;
    accepted_values: {column: [values]}, the codes a column may hold (null allowed, as dbt's own test);
    reports: ref('dim_report'): report_id names a registered report;
    parents: {column: referenced column}: the column names a row of the same report (a hierarchy).
  Each row returned is one broken rule on one row: `problem` says which, `row_key` names the row.
  The export reads the same arguments for the data package schema (orchestration/export/schema.py).
-#}
{% test row_contract(model, key, also_unique=[], not_null=[], accepted_values={}, reports=none, parents={}) %}
{%- set row_key -%}
    concat_ws('|', {% for column in key %}cast({{ column }} as varchar){% if not loop.last %}, {% endif %}{% endfor %})
{%- endset -%}
{%- set checks = [] -%}
{%- for column in key + not_null -%}
    {%- do checks.append("select '" ~ column ~ " is null' as problem, " ~ row_key ~ " as row_key from checked where " ~ column ~ " is null") -%}
{%- endfor -%}
{%- for columns in [key] + also_unique -%}
    {%- set texts = [] -%}
    {%- for column in columns -%}{%- do texts.append("cast(" ~ column ~ " as varchar)") -%}{%- endfor -%}
    {%- do checks.append("select 'duplicate " ~ columns | join(', ') ~ "' as problem, concat_ws('|', " ~ texts | join(', ')
        ~ ") as row_key from checked group by " ~ columns | join(', ') ~ " having count(*) > 1") -%}
{%- endfor -%}
{%- for column, values in accepted_values.items() -%}
    {%- set listed = [] -%}
    {%- for value in values -%}{%- do listed.append("'" ~ (value | string | replace("'", "''")) ~ "'") -%}{%- endfor -%}
    {%- do checks.append("select '" ~ column ~ " not an accepted value' as problem, " ~ row_key ~ " as row_key from checked where "
        ~ column ~ " is not null and cast(" ~ column ~ " as varchar) not in (" ~ listed | join(', ') ~ ")") -%}
{%- endfor -%}
{%- if reports is not none -%}
    {%- do checks.append("select 'report_id not in " ~ reports ~ "' as problem, " ~ row_key ~ " as row_key from checked where report_id is not null and report_id not in (select report_id from " ~ reports ~ ")") -%}
{%- endif -%}
{%- for column, referenced in parents.items() -%}
    {%- do checks.append("select '" ~ column ~ " names no " ~ referenced ~ " of the report' as problem, " ~ row_key ~ " as row_key from checked as child where "
        ~ column ~ " is not null and not exists (select 1 from checked as parent where parent.report_id = child.report_id and parent."
        ~ referenced ~ " = child." ~ column ~ ")") -%}
{%- endfor %}
with checked as (select * from {{ model }})
{{ checks | join('\nunion all\n') }}
{% endtest %}
