select
    report_id,
    table_no,
    first_line,
    last_line,
    page_chunks,
    header_rows,
    row_count,
    data_row_count,
    section,
    heading,
    heading_line,
    title as table_title,
    title_line,
    unit_text,
    unit_line,
    units,
    as_of as as_of_date
from {{ source('raw', 'report_tables') }}
