select
    report_id,
    table_no,
    row_no,
    source_line,
    row_role,
    cell_count,
    cells,
    bold_cells,
    is_bold,
    raw_text
from {{ source('raw', 'report_rows') }}
