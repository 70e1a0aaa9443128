{#-
    Reconciliation: for every settlement month, the detail rows (is_rollup = false) of
    fct_institution_month hold exactly the net 人次, 医疗费用总额 and 基金支付总额 of stg_setl_d,
    to the fen. Returns the months that disagree (or exist on one side only).
-#}
with

staging as (

    select
        cast({{ dbt.date_trunc('month', 'setl_time') }} as date) as setl_month,
        sum(setl_cnt)                                          as visits,
        {{ sum_money('medfee_sumamt') }}                       as medfee_sumamt,
        {{ sum_money('fund_pay_sumamt') }}                     as fund_pay_sumamt
    from {{ ref('stg_setl_d') }}
    group by 1

),

mart as (

    select
        setl_month,
        sum(visits)                                            as visits,
        {{ sum_money('medfee_sumamt') }}                       as medfee_sumamt,
        {{ sum_money('fund_pay_sumamt') }}                     as fund_pay_sumamt
    from {{ ref('fct_institution_month') }}
    where not is_rollup
    group by setl_month

),

compared as (

    select
        coalesce(staging.setl_month, mart.setl_month)          as setl_month,
        staging.visits                                         as staging_visits,
        mart.visits                                            as mart_visits,
        staging.medfee_sumamt                                  as staging_medfee_sumamt,
        mart.medfee_sumamt                                     as mart_medfee_sumamt,
        staging.fund_pay_sumamt                                as staging_fund_pay_sumamt,
        mart.fund_pay_sumamt                                   as mart_fund_pay_sumamt
    from staging
    full outer join mart
        on staging.setl_month = mart.setl_month

)

select *
from compared
where staging_visits is null
    or mart_visits is null
    or staging_visits <> mart_visits
    or staging_medfee_sumamt <> mart_medfee_sumamt
    or staging_fund_pay_sumamt <> mart_fund_pay_sumamt
