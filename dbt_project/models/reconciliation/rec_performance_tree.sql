{#-
  Targets and budgets of the program target tables (B2, B3) add up on the B1 tree, per column
  (indicator, year block or 증감, measure): total = Σ children, ±0.01 per child (2-dp cells rounded
  independently, DOMAIN.md 6.4). Same logic and check ids as rec_parent_totals, over
  int_additive_amounts__performance_target. Kept apart from int_additive_amounts because that union
  carries won amounts as DECIMAL(38, 0), which would round these 2-dp 억원 / 명 values to integers.
-#}
with amounts as (
    select * from {{ ref('int_additive_amounts__performance_target') }}
    where {{ in_selected_reports('report_id') }}
),

children as (
    select
        report_id,
        fact_table,
        parent_row_id,
        measure_name,
        sum(coalesce(amount, 0)) as children_sum,
        count(*) as child_count,
        max(tolerance_per_child) as tolerance_per_child,
        coalesce(bool_or(value_flag = 'masked'), false) as has_masked_child,
        string_agg(cast(source_line as varchar), ',' order by source_line) as child_lines
    from amounts
    where parent_row_id is not null
    group by all
)

select
    parent.report_id,
    'parent_total:' || parent.fact_table || ':' || parent.row_id || ':' || parent.measure_name as check_id,
    'total_equals_sum_of_children' as identity_name,
    parent.fact_table,
    parent.table_no,
    parent.table_name,
    parent.row_id,
    parent.row_label,
    parent.measure_name,
    parent.source_line,
    children.child_lines as other_lines,
    cast(children.children_sum as decimal(38, 4)) as expected,
    cast(parent.amount as decimal(38, 4)) as found,
    cast(parent.amount - children.children_sum as decimal(38, 4)) as difference,
    cast(children.tolerance_per_child * children.child_count as decimal(38, 4)) as tolerance,
    parent.unit,
    abs(parent.amount - children.children_sum) <= children.tolerance_per_child * children.child_count
        as is_consistent
from amounts as parent
inner join children
    on
        parent.report_id = children.report_id
        and parent.fact_table = children.fact_table
        and parent.row_id = children.parent_row_id
        and parent.measure_name = children.measure_name
where
    parent.amount is not null
    and not children.has_masked_child
