with latest_load as (
    select
        *,
        row_number() over (partition by report_id order by loaded_at desc) as load_rank,
        count(*) over (partition by report_id) as load_count
    from {{ ref('stg_report_loads') }}
    where {{ in_selected_reports('report_id') }}
)

select
    report_id,
    load_id,
    organization,
    organization_en,
    report_title,
    report_family,
    report_period,
    as_of_date,
    file_name,
    file_encoding,
    file_sha256,
    file_bytes,
    line_count,
    table_count,
    loaded_at as last_loaded_at,
    load_count
from latest_load
where load_rank = 1
