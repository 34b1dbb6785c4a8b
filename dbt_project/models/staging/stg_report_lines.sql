select
    report_id,
    line_no as source_line,
    text as line_text
from {{ source('raw', 'report_lines') }}
