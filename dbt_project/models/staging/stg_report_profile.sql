select
    report_id,
    family as report_family,
    section,
    position,
    key as entry_key,
    value as entry_value,
    key_2 as entry_key_2,
    value_2 as entry_value_2
from {{ source('raw', 'report_profile') }}
