{#-
  Identities of statistics tables by group (docs/report-families.md 4.8, 6.8):
  - count_equals_sum_of_parts: a total's (or group's) count, or a yearly level, = Σ its parts in that
    column (a composition list: a group's count = Σ its members'); counts exact, amounts printed in a money unit (백억원) within ⌈n/2⌉ printed units;
  - share_equals_count_over_total: a share (비중) = the count beside it / the total row's count × 100
    at its printed decimals, under the table's rounding convention (printed_rate_checks); in a table of
    count rows each followed by a share row, the share under a count (or printed with it) = that count
    / the base the table prints (분석모수) × 100;
  - shares_sum_to_total: the parts' shares add up to their parent's share (100 for a total row that
    prints none), within the rounding of the parts;
  - mean_equals_weighted_mean_of_parts: a group's mean = its parts' means weighted by the block's count
    column (parts with no firm counted left out), within one unit of the last printed decimal (parts
    and mean rounded independently);
  - min_equals_least_of_parts / max_equals_greatest_of_parts: a group's minimum (maximum) = the least
    (greatest) of its counted parts', exactly;
  - prose_equals_table: a growth rate the sentence above its table restates = the table's figure;
  - growth_rate_equals_cagr: a growth rate = ((last / first year level)^(1 / years) - 1) × 100 at its
    printed decimals, under the table's rounding convention; levels in a money unit are rounded, so
    any pair of levels within half a printed unit of them is accepted.
-#}
with figures as (
    select * from {{ ref('fct_group_statistic') }}
    where {{ in_selected_reports('report_id') }}
),

tables as (
    {{ report_tables() }}
),

-- the count of each row and block: the denominator of shares, the weight of means
counts as (
    select
        report_id,
        table_no,
        source_line,
        row_level,
        block_no,
        column_no,
        coalesce(amount, 0) as amount
    from figures
    where measure = 'count'
),

sums as (
    select
        parent.report_id,
        parent.table_no,
        parent.row_id,
        parent.row_label,
        coalesce(parent.column_label, parent.measure) as measure_name,
        parent.source_line,
        string_agg(cast(child.source_line as varchar), ',' order by child.source_line) as other_lines,
        'count_equals_sum_of_parts' as identity_name,
        sum(coalesce(child.amount, 0)) as expected,
        max(coalesce(parent.amount, 0)) as found,
        case
            when max(parent.unit) like '%원'
                then ceil(count(*) / 2.0) * power(10, -greatest(max(parent.printed_scale), max(child.printed_scale)))
            else 0
        end as allowed,
        greatest(max(parent.printed_scale), max(child.printed_scale)) as printed_scale,
        max(parent.unit) as unit
    from figures as parent
    inner join figures as child
        on
            parent.report_id = child.report_id
            and parent.table_no = child.table_no
            and parent.source_line = child.parent_line
            and parent.column_no = child.column_no
            and parent.row_level + 1 = child.row_level
    where parent.measure in ('count', 'level') and parent.table_shape <> 'share_rows'
    group by
        parent.report_id, parent.table_no, parent.row_id, parent.row_label, parent.column_label, parent.measure,
        parent.source_line
),

share_source as (
    select
        part_share.report_id,
        part_share.table_no,
        part_share.row_id,
        part_share.row_label,
        part_share.column_label as measure_name,
        part_share.source_line,
        cast(total_count.source_line as varchar) as other_lines,
        part_count.amount as numerator,
        total_count.amount as denominator,
        part_share.amount as printed,
        part_share.printed_scale as scale,
        part_share.unit
    from figures as part_share
    inner join counts as part_count
        on
            part_share.report_id = part_count.report_id
            and part_share.table_no = part_count.table_no
            and part_share.source_line = part_count.source_line
            and part_share.column_no = part_count.column_no + 1
    inner join counts as total_count
        on
            part_share.report_id = total_count.report_id
            and part_share.table_no = total_count.table_no
            and part_count.column_no = total_count.column_no
            and total_count.row_level = 0
    where
        part_share.table_shape = 'breakdown'
        and part_share.measure = 'share'
        and part_share.amount is not null
        and part_share.row_level > 0
    union all
    -- a row of shares under its row of counts (or a cell printing both): of the base the table prints
    select
        part_share.report_id,
        part_share.table_no,
        part_share.row_id,
        part_share.row_label,
        part_share.measure as measure_name,
        part_share.source_line,
        part_count.source_line || ',' || base.source_line as other_lines,
        part_count.amount as numerator,
        base.amount as denominator,
        part_share.amount as printed,
        part_share.printed_scale as scale,
        part_share.unit
    from figures as part_share
    inner join figures as part_count
        on
            part_share.report_id = part_count.report_id
            and part_share.table_no = part_count.table_no
            and part_share.block_no = part_count.block_no
            and part_share.column_no = part_count.column_no
            and part_count.measure = 'count'
    inner join figures as base
        on
            part_share.report_id = base.report_id
            and part_share.table_no = base.table_no
            and part_share.parent_line = base.source_line
            and base.row_level = 0
    where part_share.table_shape = 'share_rows' and part_share.measure = 'share'
),

shares as (
    {{ printed_rate_checks('share_source', ['report_id', 'table_no']) }}
),

share_sums as (
    select
        parent.report_id,
        parent.table_no,
        parent.row_id,
        parent.row_label,
        coalesce(parent.column_label, parent.measure) as measure_name,
        parent.source_line,
        string_agg(cast(child.source_line as varchar), ',' order by child.source_line) as other_lines,
        'shares_sum_to_total' as identity_name,
        sum(child.amount) as expected,
        -- a total row printing no share stands for 100
        max(coalesce(parent.amount, case when parent.row_level = 0 then 100 end)) as found,
        (ceil(count(*) / 2.0) + case when max(parent.amount) is null then 0 else 0.5 end)
        * power(10, -max(child.printed_scale)) as allowed,
        max(child.printed_scale) as printed_scale,
        '%' as unit
    from figures as parent
    inner join figures as child
        on
            parent.report_id = child.report_id
            and parent.table_no = child.table_no
            and parent.source_line = child.parent_line
            and parent.column_no = child.column_no
            and parent.row_level + 1 = child.row_level
    where parent.measure = 'share' and child.amount is not null
    group by
        parent.report_id, parent.table_no, parent.row_id, parent.row_label, parent.column_label, parent.measure,
        parent.source_line
),

-- statistics of a block with its own count column: each part with its count in that block
weighted as (
    select
        parent.report_id,
        parent.table_no,
        parent.row_id,
        parent.row_label,
        parent.column_label,
        parent.measure,
        parent.source_line,
        parent.amount as parent_amount,
        parent.printed_scale as parent_scale,
        parent.unit,
        child.source_line as child_line,
        child.amount as child_amount,
        weight.amount as weight
    from figures as parent
    inner join figures as child
        on
            parent.report_id = child.report_id
            and parent.table_no = child.table_no
            and parent.source_line = child.parent_line
            and parent.column_no = child.column_no
            and parent.row_level + 1 = child.row_level
    inner join counts as weight
        on
            child.report_id = weight.report_id
            and child.table_no = weight.table_no
            and child.source_line = weight.source_line
            and child.block_no = weight.block_no
    where parent.measure in ('mean', 'min', 'max') and parent.amount is not null and weight.amount > 0
),

statistics as (
    select
        report_id,
        table_no,
        row_id,
        row_label,
        column_label as measure_name,
        source_line,
        string_agg(cast(child_line as varchar), ',' order by child_line) as other_lines,
        case measure
            when 'mean' then 'mean_equals_weighted_mean_of_parts'
            when 'min' then 'min_equals_least_of_parts'
            else 'max_equals_greatest_of_parts'
        end as identity_name,
        case measure
            when 'mean' then sum(weight * child_amount) / nullif(sum(weight), 0)
            when 'min' then min(child_amount)
            else max(child_amount)
        end as expected,
        max(parent_amount) as found,
        case when measure = 'mean' then power(10, -max(parent_scale)) else 0 end as allowed,
        max(parent_scale) as printed_scale,
        max(unit) as unit
    from weighted
    where child_amount is not null
    group by report_id, table_no, row_id, row_label, column_label, measure, source_line
),

-- a growth rate restated in the sentence above its table = the table's figure
prose as (
    select
        restated.report_id,
        restated.table_no,
        restated.row_id,
        restated.row_label,
        restated.column_label as measure_name,
        restated.source_line,
        cast(printed.source_line as varchar) as other_lines,
        'prose_equals_table' as identity_name,
        printed.amount as expected,
        restated.amount as found,
        case
            when restated.printed_scale = printed.printed_scale then 0
            else 0.5 * power(10, -least(restated.printed_scale, printed.printed_scale))
        end as allowed,
        least(restated.printed_scale, printed.printed_scale) as printed_scale,
        restated.unit
    from figures as restated
    inner join figures as printed
        on
            restated.report_id = printed.report_id
            and restated.table_no = printed.table_no
            and restated.block_no = printed.block_no
            and restated.group_label = printed.group_label
            and restated.row_level = printed.row_level
            and restated.measure = printed.measure
            and printed.printed_in = 'table'
    where restated.printed_in = 'prose'
),

growth_levels as (
    select
        rate.report_id,
        rate.table_no,
        rate.row_id,
        rate.row_label,
        rate.column_label as measure_name,
        rate.source_line,
        rate.amount as printed,
        rate.printed_scale as scale,
        max(level_figure.amount) filter (where level_figure.period = split_part(rate.period, '-', 1)) as first_level,
        max(level_figure.amount) filter (where level_figure.period = split_part(rate.period, '-', 2)) as last_level,
        max(level_figure.value_printed) filter (
            where level_figure.period = split_part(rate.period, '-', 1)
        ) as first_printed,
        max(level_figure.value_printed) filter (
            where level_figure.period = split_part(rate.period, '-', 2)
        ) as last_printed,
        max(level_figure.unit) as level_unit,
        max(level_figure.printed_scale) as level_scale,
        cast(nullif(split_part(rate.period, '-', 2), '') as integer)
        - cast(nullif(split_part(rate.period, '-', 1), '') as integer) as years
    from figures as rate
    inner join figures as level_figure
        on
            rate.report_id = level_figure.report_id
            and rate.table_no = level_figure.table_no
            and rate.source_line = level_figure.source_line
            and rate.block_no = level_figure.block_no
            and level_figure.measure = 'level'
    where rate.measure = 'growth_rate' and rate.amount is not null and rate.printed_in = 'table'
    group by
        rate.report_id, rate.table_no, rate.row_id, rate.row_label, rate.column_label, rate.source_line,
        rate.amount, rate.printed_scale, rate.period
),

growth_bounds as (
    select
        *,
        -- levels in a money unit are rounded: any levels within half a printed unit of them
        case when level_unit like '%원' then 0.5 * power(10, -level_scale) else 0 end as half,
        power(10, scale) as shift
    from growth_levels
    where first_level > 0 and last_level > 0 and years > 0
),

growth_rates as (
    select
        *,
        (power(cast(last_level as double precision) / cast(first_level as double precision), 1.0 / years) - 1) * 100
            as expected_exact,
        (power((last_level - half) / (first_level + half), 1.0 / years) - 1) * 100 as low,
        (power((last_level + half) / (first_level - half), 1.0 / years) - 1) * 100 as high
    from growth_bounds
),

growth_candidates as (
    select
        *,
        round(expected_exact * shift) / shift as half_up,
        trunc(expected_exact * shift) / shift as truncated
    from growth_rates
),

growth_matches as (
    select
        *,
        printed between round(low * shift) / shift and round(high * shift) / shift as matches_half_up,
        printed between trunc(low * shift) / shift and trunc(high * shift) / shift as matches_truncation
    from growth_candidates
),

growth_conventions as (
    select
        *,
        case
            when
                count(*) filter (where matches_half_up and not matches_truncation)
                    over (partition by report_id, table_no)
                >= greatest(1, count(*) filter (where matches_truncation and not matches_half_up) over (
                    partition by report_id, table_no
                ))
                then 'half_up'
            when
                count(*) filter (where matches_truncation and not matches_half_up)
                    over (partition by report_id, table_no)
                > 0
                then 'truncation'
            else 'half_up_or_truncation'
        end as convention
    from growth_matches
),

growth_findings as (
    select
        *,
        case when convention = 'truncation' then truncated else half_up end as expected,
        case
            when matches_half_up and convention in ('half_up', 'half_up_or_truncation') then null
            when matches_truncation and convention in ('truncation', 'half_up_or_truncation') then null
            when matches_half_up or matches_truncation then 'WARN'
            else 'ERROR'
        end as finding_level,
        (high - low) / 2 as allowed
    from growth_conventions
),

growths as (
    select
        *,
        case
            when finding_level is not null
                then
                    'printed ' || {{ fixed_text('printed', 'scale') }} || '; levels ' || first_printed || ' -> '
                    || last_printed || ' over ' || cast(years as varchar) || ' years: '
                    || rtrim(rtrim(cast(cast(expected_exact as decimal(38, 4)) as varchar), '0'), '.') || '%'
                    || case
                        when half > 0
                            then
                                ' (levels within half a printed unit: ' || cast(cast(low as decimal(38, 4)) as varchar)
                                || ' to ' || cast(cast(high as decimal(38, 4)) as varchar) || '%)'
                        else ''
                    end
                    || ' is ' || {{ fixed_text('half_up', 'scale') }} || ' rounded half-up, '
                    || {{ fixed_text('truncated', 'scale') }} || ' truncated'
        end as note
    from growth_findings
),

-- the identities within a tolerance, one column list
tolerance_checks as (
    select * from sums
    union all
    select * from share_sums
    union all
    select * from statistics
    union all
    select * from prose
),

checks as (
    select
        report_id,
        table_no,
        row_id,
        row_label,
        measure_name,
        source_line,
        other_lines,
        identity_name,
        expected,
        expected as expected_exact,
        found,
        allowed,
        printed_scale,
        unit,
        'tolerance' as rounding,
        cast(null as varchar) as finding_level,
        cast(null as varchar) as note,
        abs(found - expected) <= allowed as consistent
    from tolerance_checks
    union all
    select
        report_id,
        table_no,
        row_id,
        row_label,
        measure_name,
        source_line,
        other_lines,
        'share_equals_count_over_total' as identity_name,
        expected,
        expected_exact,
        printed as found,
        0 as allowed,
        scale as printed_scale,
        '%' as unit,
        rule as rounding,
        finding_level,
        note,
        finding_level is null as consistent
    from shares
    union all
    select
        report_id,
        table_no,
        row_id,
        row_label,
        measure_name,
        source_line,
        cast(null as varchar) as other_lines,
        'growth_rate_equals_cagr' as identity_name,
        expected,
        expected_exact,
        printed as found,
        allowed,
        scale as printed_scale,
        '%' as unit,
        convention as rounding,
        finding_level,
        note,
        finding_level is null as consistent
    from growths
),

evidence as (
    select
        checks.*,
        'group_statistic:' || checks.identity_name || ':' || checks.row_id as check_id
    from checks
)

{%- set named = {'fact_table': "'fct_group_statistic'", 'table_name': 'tables.table_name'} %}

select
    {{ row_content('evidence', "'fct_group_statistic'") }},
    {{ check_columns('evidence', overrides=named) }}
    {{ reconciliation_evidence(
        expected_exact='evidence.expected_exact',
        expected='evidence.expected',
        found='evidence.found',
        tolerance='evidence.allowed',
        rule='evidence.rounding',
        unit='evidence.unit',
        printed_scale='evidence.printed_scale',
        is_consistent='evidence.consistent',
        finding_level="coalesce(evidence.finding_level, 'ERROR')",
        note='evidence.note',
    ) }}
from evidence
left join tables
    on evidence.report_id = tables.report_id and evidence.table_no = tables.table_no
