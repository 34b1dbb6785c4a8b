{#-
  Budget identities across tables and prose (docs/report-families.md 6.1, 6.2):
  - income_total_equals_expense_total: 수입 계 = 지출 계 (계 column);
  - purpose_income_equals_purpose_expense: the income 목적사업 block = the expense 목적사업비
    block, cell by cell (item x department column; a column printed on one side only counts 0);
  - headline_equals_table_total: `○ 수입예산 : N백만원` / `○ 지출예산 : N백만원` = the 계 of the
    next income / expense table; `□ YYYY년 예산 규모 : N천원` = the 계 예산액 of that year's
    execution table (headlines found by their wording, never by position);
  - plan_equals_execution_annex: the 지출예산 table (백만원) = the execution annex (천원) item by
    item (계↔합계, 사업비↔사업지출, 일반운영비↔재단운영지출, 운영비↔재단운영비 + 자산취득비, …; 수입 계 ↔ 합계),
    백만원 = round_half_up(천원 / 1000), exact.
  Amounts in won, a dash counts 0.
-#}
with plan as (
    select * from {{ ref('fct_budget_plan') }}
    where {{ in_selected_reports('report_id') }}
),

execution as (
    select * from {{ ref('fct_budget_execution') }}
    where {{ in_selected_reports('report_id') }}
),

lines as (
    select * from {{ ref('stg_report_lines') }}
    where {{ in_selected_reports('report_id') }}
),

tables as (
    {{ report_tables() }}
),

plan_roots as (
    -- the 계 cell of each income / expense table's root row
    select *
    from plan
    where
        plan_table in ('income_budget', 'expense_budget')
        and parent_row_id is null
        and is_column_total
        and measure = 'budget'
),

income_expense as (
    select
        income.report_id,
        'income_equals_expense:' || income.row_id || ':' || expense.row_id as check_id,
        'income_total_equals_expense_total' as identity_name,
        'fct_budget_plan' as fact_table,
        income.table_no,
        tables.table_name,
        income.row_id,
        income.item_path || ' = ' || expense.item_path as row_label,
        'budget_won' as measure_name,
        income.source_line,
        cast(expense.source_line as varchar) as other_lines,
        cast(expense.amount_won_in_sums as decimal(38, 4)) as expected,
        cast(income.amount_won_in_sums as decimal(38, 4)) as found,
        cast(0 as decimal(38, 4)) as tolerance,
        income.unit
    from plan_roots as income
    inner join plan_roots as expense
        on
            income.report_id = expense.report_id
            and expense.plan_table = 'expense_budget'
            and income.fiscal_year is not distinct from expense.fiscal_year
    left join tables
        on income.report_id = tables.report_id and income.table_no = tables.table_no
    where income.plan_table = 'income_budget'
),

purpose_cells as (
    -- the 목적사업 (income) / 목적사업비 (expense) block: the block row and its items
    select
        *,
        {{ regexp_group("item_path", "'/목적사업비?((/[^/]+)*)$'", 1) }} as item_suffix,
        case when is_column_total then '계' else coalesce(org_unit, column_label) end as column_key
    from plan
    where
        measure = 'budget'
        and (
            (plan_table = 'income_budget' and {{ regexp_test("item_path", "'/목적사업(/|$)'") }})
            or (plan_table = 'expense_budget' and {{ regexp_test("item_path", "'/목적사업비(/|$)'") }})
        )
),

purpose_block as (
    select
        coalesce(income.report_id, expense.report_id) as report_id,
        'purpose_block:' || coalesce(income.row_id, '-') || ':' || coalesce(expense.row_id, '-') as check_id,
        'purpose_income_equals_purpose_expense' as identity_name,
        'fct_budget_plan' as fact_table,
        coalesce(income.table_no, expense.table_no) as table_no,
        tables.table_name,
        coalesce(income.row_id, expense.row_id) as row_id,
        coalesce(income.item_path, '(not printed)') || ' = ' || coalesce(expense.item_path, '(not printed)')
        || ' [' || coalesce(income.column_key, expense.column_key) || ']' as row_label,
        'budget_won' as measure_name,
        coalesce(income.source_line, expense.source_line) as source_line,
        cast(expense.source_line as varchar) as other_lines,
        cast(coalesce(expense.amount_won_in_sums, 0) as decimal(38, 4)) as expected,
        cast(coalesce(income.amount_won_in_sums, 0) as decimal(38, 4)) as found,
        cast(0 as decimal(38, 4)) as tolerance,
        coalesce(income.unit, expense.unit) as unit
    from (
        select * from purpose_cells
        where plan_table = 'income_budget'
    ) as income
    full outer join (
        select * from purpose_cells
        where plan_table = 'expense_budget'
    ) as expense
        on
            income.report_id = expense.report_id
            and income.item_suffix = expense.item_suffix
            and income.column_key = expense.column_key
    left join tables
        on
            coalesce(income.report_id, expense.report_id) = tables.report_id
            and coalesce(income.table_no, expense.table_no) = tables.table_no
    -- a printed cell that is masked / blank cannot be compared
    where
        (income.row_id is null or income.amount_won_in_sums is not null)
        and (expense.row_id is null or expense.amount_won_in_sums is not null)
),

plan_headlines as (
    select
        report_id,
        source_line,
        line_text,
        case {{ regexp_group("line_text", "'^\\s*[○□]\\s*(수입|지출)\\s*예산\\s*:'", 1) }}
            when '수입' then 'income_budget'
            else 'expense_budget'
        end as plan_table,
        {{ regexp_group("line_text", "':\\s*(△?[0-9][0-9,]*)\\s*(백만원|천원|억원)'", 1) }} as amount_printed,
        {{ regexp_group("line_text", "':\\s*(△?[0-9][0-9,]*)\\s*(백만원|천원|억원)'", 2) }} as unit
    from lines
    where {{ regexp_test("line_text", "'^\\s*[○□]\\s*(수입|지출)\\s*예산\\s*:\\s*△?[0-9][0-9,]*\\s*(백만원|천원|억원)'") }}
),

headline_amounts as (
    select
        *,
        cast(replace(replace(amount_printed, ',', ''), '△', '-') as {{ wide_integer() }})
        * {{ won_per_unit('unit') }} as amount_won
    from plan_headlines
),

plan_headline_checks as (
    select
        headline.report_id,
        'headline:' || headline.plan_table || ':L' || headline.source_line as check_id,
        'headline_equals_table_total' as identity_name,
        'fct_budget_plan' as fact_table,
        cast(null as integer) as table_no,
        headline.line_text as table_name,
        total.row_id,
        total.item_path as row_label,
        'budget_won' as measure_name,
        headline.source_line,
        cast(total.source_line as varchar) as other_lines,
        cast(total.amount_won_in_sums as decimal(38, 4)) as expected,
        cast(headline.amount_won as decimal(38, 4)) as found,
        cast(0 as decimal(38, 4)) as tolerance,
        headline.unit
    from headline_amounts as headline
    inner join plan_roots as total
        on
            headline.report_id = total.report_id
            and headline.plan_table = total.plan_table
            and headline.source_line < total.source_line
            -- the table that follows the headline: no other table total between them
            and not exists (
                select 1 from plan_roots as nearer
                where
                    nearer.report_id = headline.report_id
                    and nearer.plan_table = headline.plan_table
                    and nearer.source_line > headline.source_line
                    and nearer.source_line < total.source_line
            )
),

size_headlines as (
    select
        report_id,
        source_line,
        line_text,
        cast(
            {{ regexp_group("line_text", "'^\\s*[○□]\\s*([0-9]{4})\\s*년\\s*예산\\s*규모'", 1) }} as integer
        ) as budget_year,
        cast(replace(
            {{ regexp_group("line_text", "'규모\\s*:\\s*([0-9][0-9,]*)\\s*(천원|백만원|억원)'", 1) }}, ',', ''
        ) as {{ wide_integer() }})
        * {{ won_per_unit(regexp_group("line_text", "'규모\\s*:\\s*([0-9][0-9,]*)\\s*(천원|백만원|억원)'", 2)) }} as amount_won,
        {{ regexp_group("line_text", "'규모\\s*:\\s*([0-9][0-9,]*)\\s*(천원|백만원|억원)'", 2) }} as unit
    from lines
    where {{ regexp_test("line_text", "'^\\s*[○□]\\s*[0-9]{4}\\s*년\\s*예산\\s*규모\\s*:\\s*[0-9][0-9,]*\\s*(천원|백만원|억원)'") }}
),

size_headline_checks as (
    select
        headline.report_id,
        'budget_size:L' || headline.source_line || ':' || total.row_id as check_id,
        'headline_equals_table_total' as identity_name,
        'fct_budget_execution' as fact_table,
        cast(null as integer) as table_no,
        headline.line_text as table_name,
        total.row_id,
        coalesce(total.item_name, total.label_raw) as row_label,
        'budget_won' as measure_name,
        headline.source_line,
        cast(total.source_line as varchar) as other_lines,
        cast(total.budget_won as decimal(38, 4)) as expected,
        cast(headline.amount_won as decimal(38, 4)) as found,
        cast(0 as decimal(38, 4)) as tolerance,
        headline.unit
    from size_headlines as headline
    inner join execution as total
        on
            headline.report_id = total.report_id
            and total.table_key = 'execution_summary'
            and total.parent_row_id is null
            and extract(year from total.as_of) = headline.budget_year
    where total.budget_won is not null
),

-- cross-unit map of the family profile (cross_table_budget): plan item path -> execution annex table
-- and item (null = its total)
annex_map as (
    select
        report_id,
        entry_key as plan_table,
        entry_key_2 as item_path,
        entry_value as table_key,
        entry_value_2 as item_name
    from {{ ref('stg_report_profile') }}
    where {{ in_selected_reports('report_id') }} and section = 'cross_table_budget'
),

annex_sides as (
    select
        plan.report_id,
        plan.row_id,
        plan.table_no,
        plan.item_path,
        plan.source_line,
        plan.unit,
        plan.amount_won_in_sums as plan_won,
        count(execution.row_id) as annex_rows,
        count(distinct annex_map.table_key || coalesce(annex_map.item_name, '')) as mapped_items,
        sum(execution.budget_won) as annex_won,
        bool_or(execution.budget_won is null) as has_unknown_annex,
        string_agg(cast(execution.source_line as varchar), ',' order by execution.source_line) as annex_lines,
        string_agg(coalesce(execution.item_name, execution.label_raw), ' + ' order by execution.source_line)
            as annex_items
    from plan
    inner join annex_map
        on
            plan.report_id = annex_map.report_id
            and plan.plan_table = annex_map.plan_table
            and plan.item_path = annex_map.item_path
    inner join execution
        on
            plan.report_id = execution.report_id
            and annex_map.table_key = execution.table_key
            and (
                (annex_map.item_name is null and execution.parent_row_id is null)
                or regexp_replace(execution.item_name, '\s', '', 'g') = annex_map.item_name
            )
    where
        plan.is_column_total
        and plan.measure = 'budget'
    group by
        plan.report_id, plan.row_id, plan.table_no, plan.item_path, plan.source_line, plan.unit,
        plan.amount_won_in_sums
),

annex_checks as (
    select
        side.report_id,
        'plan_annex:' || side.row_id as check_id,
        'plan_equals_execution_annex' as identity_name,
        'fct_budget_plan' as fact_table,
        side.table_no,
        tables.table_name,
        side.row_id,
        side.item_path || ' = ' || side.annex_items || ' (annex, rounded half-up to the plan unit)' as row_label,
        'budget_won' as measure_name,
        side.source_line,
        side.annex_lines as other_lines,
        -- 천원 amounts rounded half-up (away from zero) to the plan's unit, in exact integer arithmetic
        cast(
            sign(side.annex_won) * {{ integer_divide(
                'abs(cast(side.annex_won as ' ~ wide_integer() ~ ')) + ' ~ integer_divide('side.unit_factor', '2'),
                'side.unit_factor'
            ) }}
            * side.unit_factor as decimal(38, 4)
        ) as expected,
        cast(side.plan_won as decimal(38, 4)) as found,
        cast(0 as decimal(38, 4)) as tolerance,
        side.unit
    from (
        select
            *,
            cast(coalesce({{ won_per_unit('unit') }}, 1) as {{ wide_integer() }}) as unit_factor
        from annex_sides
    ) as side
    left join tables
        on side.report_id = tables.report_id and side.table_no = tables.table_no
    where
        not side.has_unknown_annex
        and side.plan_won is not null
        -- every mapped annex item was found (one row each), else the pairing is not that of
        -- docs/report-families.md 6.1
        and side.annex_rows = side.mapped_items
),

checks as (
    select * from income_expense
    union all
    select * from purpose_block
    union all
    select * from plan_headline_checks
    union all
    select * from size_headline_checks
    union all
    select * from annex_checks
)

select
    {{ row_content('checks') }},
    {{ check_columns() }}
    {{ reconciliation_evidence(
        expected='expected', found='found', tolerance='tolerance', unit='unit',
        won_per_unit=won_per_unit('unit'),
    ) }}
from checks
