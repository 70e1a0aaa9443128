{#
    Reconciliation: for every month and fund, fct_fund_monthly.income_amt (fund rows) equals
    Σ stg_fund_income.income_amt, to the fen; and the month's Σ over all fund rows equals the
    month's Σ in staging. Returns the failing rows, also months or funds on one side only.
#}
{{ config(severity='error') }}

with

income as (

    select * from {{ ref('stg_fund_income') }}

),

staging_totals as (

    select
        fund_pay_type,
        income_month                     as month_start,
        {{ sum_money('income_amt') }}    as staging_income_amt
    from income
    group by fund_pay_type, income_month

    union all

    select
        'all funds'                      as fund_pay_type,
        income_month                     as month_start,
        {{ sum_money('income_amt') }}    as staging_income_amt
    from income
    group by income_month

),

mart_rows as (

    select fund_pay_type, month_start, income_amt
    from {{ ref('fct_fund_monthly') }}
    where not is_total

),

mart as (

    select fund_pay_type, month_start, income_amt from mart_rows

    union all

    select 'all funds', month_start, {{ sum_money('income_amt') }}
    from mart_rows
    group by month_start

),

compared as (

    select
        coalesce(mart.fund_pay_type, staging_totals.fund_pay_type) as fund_pay_type,
        coalesce(mart.month_start, staging_totals.month_start)     as month_start,
        mart.income_amt,
        staging_totals.staging_income_amt
    from mart
    full outer join staging_totals
        on mart.fund_pay_type = staging_totals.fund_pay_type
        and mart.month_start = staging_totals.month_start

)

select *
from compared
where staging_income_amt is null and income_amt <> 0
    or income_amt is null
    or abs(income_amt - staging_income_amt) > 0.005
