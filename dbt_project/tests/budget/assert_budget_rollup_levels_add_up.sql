{#-
    Every roll-up level of fct_budget_execution_rollup partitions the budgeted institutions:
    for each level, insutype and month its groups add up to fct_budget_execution's totals
    (institutions, budget, monthly and YTD pay, projection), to the fen. Returns the rows that
    differ.
-#}
with

execution as (

    select
        insutype,
        month_start,
        count(*)                                   as institution_count,
        {{ sum_money('budget_amt') }}              as budget_amt,
        {{ sum_money('month_hifp_pay') }}          as month_hifp_pay,
        {{ sum_money('ytd_hifp_pay') }}            as ytd_hifp_pay,
        {{ sum_money('projected_year_end_amt') }}  as projected_year_end_amt
    from {{ ref('fct_budget_execution') }}
    group by insutype, month_start

),

rollup_totals as (

    select
        rollup_level,
        insutype,
        month_start,
        sum(institution_count)                     as institution_count,
        {{ sum_money('budget_amt') }}              as budget_amt,
        {{ sum_money('month_hifp_pay') }}          as month_hifp_pay,
        {{ sum_money('ytd_hifp_pay') }}            as ytd_hifp_pay,
        {{ sum_money('projected_year_end_amt') }}  as projected_year_end_amt
    from {{ ref('fct_budget_execution_rollup') }}
    group by rollup_level, insutype, month_start

),

levels as (

    select distinct rollup_level from {{ ref('fct_budget_execution_rollup') }}

),

expected as (

    select levels.rollup_level, execution.*
    from execution
    cross join levels

)

select
    coalesce(expected.rollup_level, rollup_totals.rollup_level) as rollup_level,
    coalesce(expected.insutype, rollup_totals.insutype)         as insutype,
    coalesce(expected.month_start, rollup_totals.month_start)   as month_start,
    expected.institution_count                                   as expected_institutions,
    rollup_totals.institution_count                              as rollup_institutions,
    expected.ytd_hifp_pay                                        as expected_ytd_hifp_pay,
    rollup_totals.ytd_hifp_pay                                   as rollup_ytd_hifp_pay
from expected
full outer join rollup_totals
    on expected.rollup_level = rollup_totals.rollup_level
    and expected.insutype = rollup_totals.insutype
    and expected.month_start = rollup_totals.month_start
where expected.rollup_level is null
    or rollup_totals.rollup_level is null
    or expected.institution_count <> rollup_totals.institution_count
    or expected.budget_amt <> rollup_totals.budget_amt
    or expected.month_hifp_pay <> rollup_totals.month_hifp_pay
    or expected.ytd_hifp_pay <> rollup_totals.ytd_hifp_pay
    or expected.projected_year_end_amt <> rollup_totals.projected_year_end_amt
