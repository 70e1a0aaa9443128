{#
    Reconciliation: for every month and fund, fct_fund_monthly.expenditure_amt (fund rows)
    equals Σ of the pay column the fund_types seed maps to the fund, over the valid settlements
    of stg_setl_d under the mapped insutypes (refunds included, negative), to the fen. Computed
    straight from staging, not through int_settlements. Returns the failing rows, also months or
    funds present on one side only.
#}
{{ config(severity='error') }}

with

settlements as (

    select
        cast({{ dbt.date_trunc('month', 'setl_time') }} as date) as month_start,
        insutype,
        hifp_pay, acct_pay, cvlserv_pay, hifob_pay, hifmi_pay, maf_pay
    from {{ ref('stg_setl_d') }}

),

fund_types as (

    select * from {{ ref('fund_types') }}

),

staging_totals as (

    select
        fund_types.fund_pay_type,
        settlements.month_start,
        {{ sum_money("case fund_types.setl_pay_column
            when 'hifp_pay' then settlements.hifp_pay
            when 'acct_pay' then settlements.acct_pay
            when 'cvlserv_pay' then settlements.cvlserv_pay
            when 'hifob_pay' then settlements.hifob_pay
            when 'hifmi_pay' then settlements.hifmi_pay
            when 'maf_pay' then settlements.maf_pay
        end") }} as staging_expenditure_amt
    from settlements
    inner join fund_types
        on settlements.insutype = fund_types.insutype
    group by fund_types.fund_pay_type, settlements.month_start

),

mart as (

    select fund_pay_type, month_start, expenditure_amt
    from {{ ref('fct_fund_monthly') }}
    where not is_total

),

compared as (

    select
        coalesce(mart.fund_pay_type, staging_totals.fund_pay_type) as fund_pay_type,
        coalesce(mart.month_start, staging_totals.month_start)     as month_start,
        mart.expenditure_amt,
        staging_totals.staging_expenditure_amt
    from mart
    full outer join staging_totals
        on mart.fund_pay_type = staging_totals.fund_pay_type
        and mart.month_start = staging_totals.month_start

)

select *
from compared
where staging_expenditure_amt is null and expenditure_amt <> 0
    or expenditure_amt is null
    or abs(expenditure_amt - staging_expenditure_amt) > 0.005
