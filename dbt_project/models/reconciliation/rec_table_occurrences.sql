{#-
  A context table printed twice (the plan's summary part repeats the body's tables: docs/report-families.md
  4.1, 6.9): the second printing's figures = the first's, cell by cell. Two tables are printings of one
  when they carry the same title and heading (markdown marks and spacing ignored); figures are matched by
  identity kind, role, row label (spacing removed), column and order within that key. A figure without a
  counterpart in the other printing is not compared.
-#}
with figures as (
    select * from {{ ref('fct_table_total') }}
    where
        {{ in_selected_reports('report_id') }}
        -- an indicator matrix's rows are garbled in print: rec_table_restatements compares it by value
        and identity_kind <> 'restated'
),

tables as (
    {{ report_tables() }}
),

signatures as (
    select
        t.report_id,
        t.table_no,
        t.table_name,
        regexp_replace(coalesce(r.table_title, '') || '|' || coalesce(r.heading, ''), '[#*\s]', '', 'g') as signature
    from tables as t
    inner join {{ ref('stg_report_tables') }} as r
        on t.report_id = r.report_id and t.table_no = r.table_no
),

printings as (
    select
        report_id,
        table_no,
        table_name,
        signature,
        dense_rank() over (partition by report_id, signature order by table_no) as printing
    from signatures
    where exists (
        select 1 from figures as f
        where f.report_id = signatures.report_id and f.table_no = signatures.table_no
    )
),

keyed as (
    select
        f.*,
        p.signature,
        p.printing,
        p.table_name,
        row_number() over (
            partition by
                f.report_id, f.table_no, f.identity_kind, f.cell_role, f.row_label, f.column_no,
                f.total_column_no
            order by f.source_line
        ) as ordinal
    from figures as f
    inner join printings as p on f.report_id = p.report_id and f.table_no = p.table_no
),

-- a cell taking part in several identities is one printed figure
cells as (
    select distinct
        report_id,
        table_no,
        table_name,
        signature,
        printing,
        identity_kind,
        cell_role,
        row_label,
        column_no,
        total_column_no,
        ordinal,
        row_id,
        column_label,
        source_line,
        amount,
        printed_scale,
        unit
    from keyed
),

checks as (
    select
        later.report_id,
        'table_occurrence:t' || later.table_no || ':L' || later.source_line || ':c' || later.column_no
        || ':' || later.identity_kind || ':' || later.cell_role || ':'
        || coalesce(cast(later.total_column_no as varchar), '-') as check_id,
        'printings_agree' as identity_name,
        later.table_no,
        later.table_name,
        later.row_id,
        later.row_label,
        later.column_label as measure_name,
        later.source_line,
        cast(earlier.source_line as varchar) as other_lines,
        earlier.amount as expected,
        later.amount as found,
        later.printed_scale,
        later.unit
    from cells as later
    inner join cells as earlier
        on
            later.report_id = earlier.report_id
            and later.signature = earlier.signature
            and earlier.printing = 1
            and later.printing > 1
            and later.identity_kind = earlier.identity_kind
            and later.cell_role = earlier.cell_role
            and later.row_label is not distinct from earlier.row_label
            and later.column_no = earlier.column_no
            and later.total_column_no is not distinct from earlier.total_column_no
            and later.ordinal = earlier.ordinal
)

select
    {{ row_content('checks', "'fct_table_total'") }},
    {{ check_columns('checks', overrides={'fact_table': "'fct_table_total'"}) }}
    {{ reconciliation_evidence(
        expected='checks.expected',
        found='checks.found',
        rule="'tolerance'",
        unit='checks.unit',
        printed_scale='checks.printed_scale',
    ) }}
from checks
