select
    report_id,
    row_id,
    source_line,
    table_no,
    identity_kind,
    total_column_no,
    total_line,
    cell_role,
    row_label,
    column_no,
    column_label,
    value_printed,
    cast(amount as decimal(18, 4)) as amount,
    cast(printed_scale as integer) as printed_scale,
    unit,
    line_text
from {{ source('raw', 'table_total_lines') }}
