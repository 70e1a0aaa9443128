{#-
    fct_budget_execution reconciles to staging, to the fen, for every month: Σ monthly actual
    (and Σ year-to-date actual) over all budgeted institutions equals Σ hifp_pay of stg_setl_d
    (refunds included, negative) for the same institution × insutype × budget year, by
    settlement month. Returns the months that differ.
-#}
with

budgets as (

    select budget_year, fixmedins_code, insutype from {{ ref('stg_fixmedins_budget') }}

),

settlements as (

    select fixmedins_code, insutype, setl_time, hifp_pay from {{ ref('stg_setl_d') }}

),

execution as (

    select * from {{ ref('fct_budget_execution') }}

),

staged_months as (

    select
        budgets.budget_year,
        cast({{ dbt.date_trunc('month', 'settlements.setl_time') }} as date) as month_start,
        {{ sum_money('settlements.hifp_pay') }}                              as hifp_pay
    from settlements
    inner join budgets
        on settlements.fixmedins_code = budgets.fixmedins_code
        and settlements.insutype = budgets.insutype
        and extract(year from settlements.setl_time) = budgets.budget_year
    group by budgets.budget_year, cast({{ dbt.date_trunc('month', 'settlements.setl_time') }} as date)

),

staged as (

    select
        month_start,
        hifp_pay,
        sum(hifp_pay) over (partition by budget_year order by month_start
                            rows between unbounded preceding and current row) as ytd_hifp_pay
    from staged_months

),

mart as (

    select
        month_start,
        {{ sum_money('month_hifp_pay') }} as hifp_pay,
        {{ sum_money('ytd_hifp_pay') }}   as ytd_hifp_pay
    from execution
    group by month_start

),

compared as (

    select
        coalesce(mart.month_start, staged.month_start)    as month_start,
        coalesce(staged.hifp_pay, 0)                      as staged_hifp_pay,
        coalesce(mart.hifp_pay, 0)                        as mart_hifp_pay,
        coalesce(staged.ytd_hifp_pay, 0)                  as staged_ytd_hifp_pay,
        coalesce(mart.ytd_hifp_pay, 0)                    as mart_ytd_hifp_pay
    from mart
    full outer join staged
        on mart.month_start = staged.month_start

)

select *
from compared
where staged_hifp_pay <> mart_hifp_pay
    or staged_ytd_hifp_pay <> mart_ytd_hifp_pay
