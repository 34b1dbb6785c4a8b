{#-
  Every total or subtotal row equals the sum of its children, per measure.
  expected = sum of the children as printed ('-' counts 0); found = the printed total.
  Children that are masked (***) make the identity uncheckable: it is left out, not passed.
-#}
with amounts as (
    select * from {{ ref('int_additive_amounts') }}
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
    group by report_id, fact_table, parent_row_id, measure_name
)

select
    {{ row_content('parent') }},
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
    children.child_count,
    {{ reconciliation_evidence(
        expected='children.children_sum',
        found='parent.amount',
        tolerance='children.tolerance_per_child * children.child_count',
        unit='parent.unit',
        won_per_unit="case when parent.measure_name like '%_won' then " ~ won_per_unit('parent.unit') ~ ' end',
    ) }}
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
