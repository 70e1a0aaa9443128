{#
    int_visits carries every settlement exactly once: its net 人次 and net amounts add up to the
    same totals as stg_setl_d (a fan-out or a lost settlement would break this).
#}
{{ config(severity='error') }}

with

from_visits as (

    select
        sum(net_setl_cnt) as net_setl_cnt,
        sum(medfee_sumamt) as medfee_sumamt,
        sum(fund_pay_sumamt) as fund_pay_sumamt
    from {{ ref('int_visits') }}

),

from_settlements as (

    select
        sum(setl_cnt) as net_setl_cnt,
        sum(medfee_sumamt) as medfee_sumamt,
        sum(fund_pay_sumamt) as fund_pay_sumamt
    from {{ ref('stg_setl_d') }}

)

select
    from_visits.net_setl_cnt as visits_net_setl_cnt,
    from_settlements.net_setl_cnt as settlements_net_setl_cnt,
    from_visits.medfee_sumamt as visits_medfee_sumamt,
    from_settlements.medfee_sumamt as settlements_medfee_sumamt,
    from_visits.fund_pay_sumamt as visits_fund_pay_sumamt,
    from_settlements.fund_pay_sumamt as settlements_fund_pay_sumamt
from from_visits
cross join from_settlements
where coalesce(from_visits.net_setl_cnt, 0) <> coalesce(from_settlements.net_setl_cnt, 0)
    or coalesce(from_visits.medfee_sumamt, 0) <> coalesce(from_settlements.medfee_sumamt, 0)
    or coalesce(from_visits.fund_pay_sumamt, 0) <> coalesce(from_settlements.fund_pay_sumamt, 0)
