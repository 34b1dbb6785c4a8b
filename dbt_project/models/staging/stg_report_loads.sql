select
    report_id,
    load_id,
    loaded_at,
    organization,
    organization_en,
    title as report_title,
    family as report_family,
    period as report_period,
    as_of as as_of_date,
    encoding as file_encoding,
    file_name,
    file_sha256,
    file_bytes,
    line_count,
    table_count,
    row_counts,
    run_id
from {{ source('raw', 'report_loads') }}
