{#-
  Project funding facts: one row per printed amount in won, with the row it adds up into
  (parent_row_id): a funding source -> its statement's total, a nested source (도비 inside 지방비) ->
  its group, a project-table row -> its department subtotal, a subtotal -> the 합계.
  Checks computed here, never corrections: parent amount vs the sum of its children
  (children_*, sum_check), a subtotal's printed (N건) vs its children, and the printed (N년) /
  (N개월) duration vs the one computed from the dates (docs/report-families.md 6.1, 6.2, 6.4).
-#}
with lines as (
    select *
    from {{ ref('stg_project_funding_lines') }}
    where {{ in_selected_reports('report_id') }}
),

children as (
    select
        report_id,
        parent_row_id,
        count(*) as children_count,
        count(amount_won) as children_known_count,
        sum(amount_won) as children_amount_won
    from lines
    where parent_row_id is not null
    group by report_id, parent_row_id
)

-- staging's columns, then the checks computed here
select
    l.*,
    l.amount_won = l.amount * {{ won_per_unit('l.unit') }} as is_won_consistent,
    coalesce(c.children_count, 0) as children_count,
    c.children_amount_won,
    case
        when c.children_count is null then null
        when l.amount_won is null or c.children_known_count < c.children_count then null
        else l.amount_won - c.children_amount_won
    end as children_difference_won,
    case
        when c.children_count is null then null
        when l.amount_won is null or c.children_known_count < c.children_count then 'unknown'
        when l.amount_won = c.children_amount_won then 'ok'
        else 'mismatch'
    end as sum_check,
    case
        when l.item_count_printed is not null
            then l.item_count_printed = coalesce(c.children_count, 0)
    end as is_item_count_consistent,
    case
        when l.period_count_printed is not null and l.period_count_computed is not null
            then l.period_count_printed = l.period_count_computed
    end as is_period_count_consistent
from lines as l
left join children as c
    on l.report_id = c.report_id and l.row_id = c.parent_row_id
