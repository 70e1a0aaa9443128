{#
    Reconciliation: for every year, Σ fct_actuarial_cost_curve.fund_pay_amt equals the 基金支出
    of the pooled funds (310100 + 390100, fct_fund_monthly fund rows) to the fen. Returns the
    years that differ, also years present on one side only.
#}
{{ config(severity='error') }}

with

curve as (

    select year, {{ sum_money('fund_pay_amt') }} as curve_fund_pay_amt
    from {{ ref('fct_actuarial_cost_curve') }}
    group by year

),

pooled_funds as (

    select member_fund_pay_type as fund_pay_type
    from {{ ref('fund_rollups') }}
    where total_fund_key = 'basic_pool_total'

),

fund as (

    select fund_months.year, {{ sum_money('fund_months.expenditure_amt') }} as expenditure_amt
    from {{ ref('fct_fund_monthly') }} as fund_months
    inner join pooled_funds
        on fund_months.fund_pay_type = pooled_funds.fund_pay_type
    where not fund_months.is_total
    group by fund_months.year

)

select
    coalesce(curve.year, fund.year) as year,
    curve.curve_fund_pay_amt,
    fund.expenditure_amt
from curve
full outer join fund
    on curve.year = fund.year
where coalesce(curve.curve_fund_pay_amt, 0) <> coalesce(fund.expenditure_amt, 0)
