select
    report_id,
    row_id,
    source_line,
    table_no,
    source_kind,
    row_kind,
    section_line,
    facility_name,
    facility_line,
    row_label,
    measure,
    value_printed,
    cast(quantity as decimal(18, 4)) as quantity,
    cast(printed_scale as integer) as printed_scale,
    unit,
    period_role,
    line_text
from {{ source('raw', 'facility_lines') }}
