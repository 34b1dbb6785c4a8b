{#-
  The reconciliation output contract: the column block every rec_ model ends its rows with, after
  report_id, check_id, identity_name, fact_table, table_no, table_name, row_id, row_label,
  measure_name, source_line and other_lines.

    expected_exact  the computed value before any rounding (for sums of printed figures: the sum)
    expected        the computed value at the printed precision, under the rule applied
    found           the figure as printed (its printed decimals: printed_scale)
    difference      found - expected
    tolerance       the largest difference the rule allows (0 for a rounding rule: exact match)
    rounding_rule   half_up | truncation | half_up_or_truncation (rounding rules at the printed
                    precision) | tolerance (sums and ratios of rounded figures, within `tolerance`)
    unit            the printed unit of the figure (천원, 억원, %, 명, ...)
    won_per_unit    amounts in won: won per printed unit (expected/found are in won; divide by it
                    to show the report's own figure); null for anything that is not an amount
    printed_scale   decimals of the printed figure, where known
    finding_level   null when consistent; WARN for a figure that follows the other rounding
                    convention than its table's (a reviewer's finding, acknowledgeable); ERROR else
    note            why, in words, for findings that need more than expected/found
    is_consistent   no finding at all

  Every value column is DECIMAL(38, 8): a union of money in won and rates never rounds a rate to
  a whole number.
-#}
{% macro reconciliation_evidence(
    expected,
    found,
    tolerance='0',
    unit='null',
    rule="'tolerance'",
    expected_exact=none,
    is_consistent=none,
    finding_level=none,
    note='null',
    won_per_unit='null',
    printed_scale='null'
) -%}
    {%- set consistent = is_consistent or ('abs((' ~ found ~ ') - (' ~ expected ~ ')) <= (' ~ tolerance ~ ')') -%}
    cast({{ expected_exact or expected }} as decimal(38, 8)) as expected_exact,
    cast({{ expected }} as decimal(38, 8)) as expected,
    cast({{ found }} as decimal(38, 8)) as found,
    cast(({{ found }}) - ({{ expected }}) as decimal(38, 8)) as difference,
    cast({{ tolerance }} as decimal(38, 8)) as tolerance,
    cast({{ rule }} as varchar) as rounding_rule,
    cast({{ unit }} as varchar) as unit,
    cast({{ won_per_unit }} as bigint) as won_per_unit,
    cast({{ printed_scale }} as integer) as printed_scale,
    case
        when coalesce({{ consistent }}, false) then null
        else {{ finding_level or "'ERROR'" }}
    end as finding_level,
    cast({{ note }} as varchar) as note,
    coalesce({{ consistent }}, false) as is_consistent
{%- endmacro %}

{#-
  won_per_unit for a printed money unit (천원 -> 1000); null for anything else.
-#}
{% macro won_per_unit(unit) -%}
    case replace({{ unit }}, ' ', '')
        when '원' then 1
        when 'won' then 1
        when '천원' then 1000
        when '백만원' then 1000000
        when '억원' then 100000000
        when '억' then 100000000
    end
{%- endmacro %}

{#-
  The rounding one printed amount may carry, in won (docs/report-families.md 6.4): 백만원 integers
  half a unit, 2-dp 억원 amounts 0.01 억원, anything else 0 (천원 amounts are exact). A sum of n
  amounts rounded independently may differ by n times it.
-#}
{% macro rounding_tolerance_won(unit) -%}
    case
        when {{ unit }} = '백만원' then 500000
        when {{ unit }} in ('억원', '억') then 1000000
        else 0
    end
{%- endmacro %}

{#-
  A printed rate (or ratio) against numerator / denominator x factor, at the printed scale (0-4
  decimals), under the rounding convention of its table (docs/report-families.md 6.4):
  - each row matches half-up, truncation, both or neither at its printed scale (exact integer
    arithmetic on the printed amounts: no binary float decides a rounding boundary);
  - per table (`table_columns`), rows that only half-up explains and rows that only truncation
    explains are counted; the table's convention is the one its rows follow (both when no row can
    tell, the more frequent one when rows disagree);
  - a row following its table's convention is consistent; one following only the other convention
    is a WARN finding; one following neither is an ERROR.
  `source` is a CTE with columns numerator, denominator, printed (the printed figure), scale (its decimals) and
  the table columns; the macro returns a select of them plus expected_exact, half_up, truncated,
  convention, expected, rule, finding_level and note.
-#}
{% macro printed_rate_checks(source, table_columns, factor=100, unit_suffix='%') -%}
    {#- cross_database.sql's wide_integer / integer_divide, spelled here: sqlfluff's templater cannot call
        a macro of another file from inside a macro -#}
    {%- set postgres = target is defined and target.type == 'postgres' -%}
    {%- set wide = 'numeric(38, 0)' if postgres else 'hugeint' -%}
    with exact as (
        select
            *,
            -- numerator / denominator x factor x 10^scale on integers (inputs have at most 4 decimals)
            cast(abs(numerator) * 10000 as {{ wide }}) * {{ factor }}
            * case scale when 0 then 1 when 1 then 10 when 2 then 100 when 3 then 1000 else 10000 end
                as scaled_numerator,
            cast(abs(denominator) * 10000 as {{ wide }}) as scaled_denominator,
            sign(numerator) * sign(denominator) as ratio_sign,
            case scale when 0 then 1.0 when 1 then 0.1 when 2 then 0.01 when 3 then 0.001 else 0.0001 end as scale_unit
        from {{ source }}
    ),

    candidates as (
        select
            *,
            -- a zero denominator: 0 / 0 prints 0 (nothing planned, nothing per unit); x / 0 has no value
            case
                when denominator <> 0 then cast(numerator as double precision) / cast(denominator as double precision) * {{ factor }}
                when numerator = 0 then 0
            end as expected_exact,
            case
                when denominator <> 0 then cast(
                    ratio_sign * {{ 'div(2 * scaled_numerator + scaled_denominator, 2 * scaled_denominator)' if postgres
                        else '((2 * scaled_numerator + scaled_denominator) // (2 * scaled_denominator))' }} * scale_unit
                    as decimal(38, 8)
                )
                when numerator = 0 then 0
            end as half_up,
            case
                when denominator <> 0
                    then cast(ratio_sign * {{ 'div(scaled_numerator, scaled_denominator)' if postgres else '(scaled_numerator // scaled_denominator)' }} * scale_unit as decimal(38, 8))
                when numerator = 0 then 0
            end as truncated
        from exact
    ),

    matches as (
        select
            *,
            coalesce(printed = half_up, false) as matches_half_up,
            coalesce(printed = truncated, false) as matches_truncation
        from candidates
    ),

    conventions as (
        select
            *,
            count(*) filter (where matches_half_up and not matches_truncation)
                over (partition by {{ table_columns | join(', ') }}) as half_up_only_rows,
            count(*) filter (where matches_truncation and not matches_half_up)
                over (partition by {{ table_columns | join(', ') }}) as truncation_only_rows
        from matches
    ),

    decided as (
        select
            *,
            case
                when half_up_only_rows = 0 and truncation_only_rows = 0 then 'half_up_or_truncation'
                when half_up_only_rows >= truncation_only_rows then 'half_up'
                else 'truncation'
            end as convention
        from conventions
    )

    select
        *,
        case when convention = 'truncation' then truncated else half_up end as expected,
        convention as rule,
        case
            when matches_half_up and convention in ('half_up', 'half_up_or_truncation') then null
            when matches_truncation and convention in ('truncation', 'half_up_or_truncation') then null
            when matches_half_up or matches_truncation then 'WARN'
            else 'ERROR'
        end as finding_level,
        case
            when convention = 'half_up' and matches_truncation and not matches_half_up
                then 'printed ' || printed_text || '; ' || exact_text || '{{ unit_suffix }} rounds to '
                || {{ fixed_text('half_up', 'scale') }} || '; the figure is truncated (the table rounds half-up: '
                || cast(half_up_only_rows as varchar) || ' of its rates only half-up explains)'
            when convention = 'truncation' and matches_half_up and not matches_truncation
                then 'printed ' || printed_text || '; ' || exact_text || '{{ unit_suffix }} truncates to '
                || {{ fixed_text('truncated', 'scale') }} || '; the figure is rounded half-up (the table truncates: '
                || cast(truncation_only_rows as varchar) || ' of its rates only truncation explains)'
            when half_up is null
                then 'printed ' || printed_text || ' beside a zero denominator and a non-zero numerator'
            when not (matches_half_up or matches_truncation)
                then 'printed ' || printed_text || '; ' || exact_text || '{{ unit_suffix }} is '
                || {{ fixed_text('half_up', 'scale') }} || ' rounded half-up, ' || {{ fixed_text('truncated', 'scale') }} || ' truncated'
        end as note
    from (
        select
            *,
            {{ fixed_text('printed', 'scale') }} as printed_text,
            -- at most 4 decimals, trailing zeros dropped ('99.8124', '15.7', '100')
            rtrim(rtrim(cast(cast(expected_exact as decimal(38, 4)) as varchar), '0'), '.') as exact_text
        from decided
    ) as shown
{%- endmacro %}

{#- A number as text with `scale` decimals (scale 0-4), for messages (a decimal cast: the same text in
    every database). -#}
{% macro fixed_text(value, scale) -%}
    case {{ scale }}
        when 0 then cast(cast({{ value }} as decimal(38, 0)) as varchar)
        when 1 then cast(cast({{ value }} as decimal(38, 1)) as varchar)
        when 2 then cast(cast({{ value }} as decimal(38, 2)) as varchar)
        when 3 then cast(cast({{ value }} as decimal(38, 3)) as varchar)
        else cast(cast({{ value }} as decimal(38, 4)) as varchar)
    end
{%- endmacro %}

{#-
  The columns that name a check, in contract order, before its evidence (reconciliation_evidence):
  report_id, check_id, identity_name, fact_table, table_no, table_name, row_id, row_label,
  measure_name, source_line, other_lines; each read from `relation` unless `overrides` gives its
  SQL expression.
-#}
{% macro check_columns(relation=none, overrides={}) -%}
    {%- set columns = ['report_id', 'check_id', 'identity_name', 'fact_table', 'table_no', 'table_name', 'row_id',
        'row_label', 'measure_name', 'source_line', 'other_lines'] -%}
    {%- for column in columns -%}
        {%- if column in overrides %}{{ overrides[column] }} as {{ column }}
        {%- else %}{{ relation ~ '.' if relation else '' }}{{ column }}{% endif %},
    {% endfor -%}
{%- endmacro %}

{#-
  The evidence of a row of printed_rate_checks' output (`relation` qualifies its columns; `unit` is
  an SQL expression): the printed figure against the expected one under the table's convention.
-#}
{% macro printed_rate_evidence(relation=none, unit="'%'") -%}
    {%- set c = relation ~ '.' if relation else '' -%}
    {{ reconciliation_evidence(
        expected_exact=c ~ 'expected_exact',
        expected=c ~ 'expected',
        found=c ~ 'printed',
        rule=c ~ 'rule',
        unit=unit,
        printed_scale=c ~ 'scale',
        is_consistent=c ~ 'finding_level is null',
        finding_level=c ~ 'finding_level',
        note=c ~ 'note',
    ) }}
{%- endmacro %}
