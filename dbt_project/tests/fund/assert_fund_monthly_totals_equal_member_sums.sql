{#
    Every total row of fct_fund_monthly (seed fund_rollups) equals the sum of its member funds'
    rows in the same month — income, expenditure, current and cumulative balance (cumulative
    null exactly when a member's is null) — to the fen. Returns the failing rows.
#}
{{ config(severity='error') }}

with

mart as (

    select * from {{ ref('fct_fund_monthly') }}

),

fund_rollups as (

    select * from {{ ref('fund_rollups') }}

),

member_sums as (

    select
        fund_rollups.total_fund_pay_type                   as fund_pay_type,
        mart.month_start,
        {{ sum_money('mart.income_amt') }}                 as income_amt,
        {{ sum_money('mart.expenditure_amt') }}            as expenditure_amt,
        {{ sum_money('mart.current_balance_amt') }}        as current_balance_amt,
        case when count(mart.cumulative_balance_amt) = count(*)
             then {{ sum_money('mart.cumulative_balance_amt') }} end
                                                           as cumulative_balance_amt
    from fund_rollups
    inner join mart
        on fund_rollups.member_fund_pay_type = mart.fund_pay_type
        and not mart.is_total
    group by fund_rollups.total_fund_pay_type, mart.month_start

),

totals as (

    select * from mart where is_total

),

compared as (

    select
        coalesce(totals.fund_pay_type, member_sums.fund_pay_type) as fund_pay_type,
        coalesce(totals.month_start, member_sums.month_start)     as month_start,
        totals.income_amt - member_sums.income_amt                 as income_difference,
        totals.expenditure_amt - member_sums.expenditure_amt       as expenditure_difference,
        totals.current_balance_amt - member_sums.current_balance_amt
                                                                   as current_balance_difference,
        totals.cumulative_balance_amt                              as total_cumulative_balance_amt,
        member_sums.cumulative_balance_amt                         as member_cumulative_balance_amt
    from totals
    full outer join member_sums
        on totals.fund_pay_type = member_sums.fund_pay_type
        and totals.month_start = member_sums.month_start

)

select *
from compared
where income_difference is null
    or abs(income_difference) > 0.005
    or abs(expenditure_difference) > 0.005
    or abs(current_balance_difference) > 0.005
    or (total_cumulative_balance_amt is null) <> (member_cumulative_balance_amt is null)
    or abs(total_cumulative_balance_amt - member_cumulative_balance_amt) > 0.005
