{#-
    One row per lead year × admdvs × channel: the enforcement funnel from leads (tips received,
    inspections begun) to closed cases, with the money of the cases the leads produced.
-#}
with

tips as (

    select * from {{ ref('stg_tips') }}

),

inspections as (

    select * from {{ ref('stg_inspections') }}

),

cases as (

    select
        case_id, insp_id, is_closed, involved_amt, recovered_amt, fine_amt
    from {{ ref('fct_enforcement_case') }}

),

institutions as (

    select fixmedins_code, admdvs from {{ ref('dim_institutions') }}

),

insp_types as (

    select code, label_zh from {{ ref('enforcement_codes') }} where code_type = 'insp_type'

),

-- one row per tip and the case it led to (at most one: tips.case_id)
tip_leads as (

    select
        cast(extract(year from tips.recv_date) as {{ dbt.type_int() }})  as year,
        tips.fixmedins_code,
        'tip'                                                            as channel,
        tips.tip_id                                                      as lead_id,
        tips.tip_status in ('3', '4')                                    as is_lead_closed,
        tips.verified = '1'                                              as is_verified,
        case when tips.reward_date is not null then tips.reward_amt end  as reward_amt,
        cases.case_id,
        cases.is_closed                                                  as is_case_closed,
        cases.involved_amt,
        cases.recovered_amt,
        cases.fine_amt
    from tips
    left join cases
        on tips.case_id = cases.case_id

),

-- one row per inspection and each case it led to (enforcement_cases.insp_id)
inspection_leads as (

    select
        cast(extract(year from inspections.begndate) as {{ dbt.type_int() }}) as year,
        inspections.fixmedins_code,
        'insp_' || inspections.insp_type                                 as channel,
        inspections.insp_id                                              as lead_id,
        inspections.enddate is not null                                  as is_lead_closed,
        inspections.finding_flag = '1'                                   as is_verified,
        cast(null as decimal(18, 2))                                     as reward_amt,
        cases.case_id,
        cases.is_closed                                                  as is_case_closed,
        cases.involved_amt,
        cases.recovered_amt,
        cases.fine_amt
    from inspections
    left join cases
        on inspections.insp_id = cases.insp_id

),

leads as (

    select * from tip_leads
    union all
    select * from inspection_leads

),

aggregated as (

    select
        leads.year,
        coalesce(institutions.admdvs, 'unknown')                                          as admdvs,
        leads.channel,
        cast(count(distinct leads.lead_id) as {{ dbt.type_int() }})                      as leads,
        cast(count(distinct case when leads.is_lead_closed then leads.lead_id end)
            as {{ dbt.type_int() }})                                                      as closed,
        cast(count(distinct case when leads.is_verified then leads.lead_id end)
            as {{ dbt.type_int() }})                                                      as verified,
        cast(count(distinct leads.case_id) as {{ dbt.type_int() }})                      as cases,
        cast(count(distinct case when leads.is_case_closed then leads.case_id end)
            as {{ dbt.type_int() }})                                                      as cases_closed,
        {{ sum_money('coalesce(leads.involved_amt, 0)') }}                               as involved_amt,
        {{ sum_money('coalesce(leads.recovered_amt, 0)') }}                              as recovered_amt,
        {{ sum_money('coalesce(leads.fine_amt, 0)') }}                                   as fine_amt,
        {{ sum_money('coalesce(leads.reward_amt, 0)') }}                                 as rewards_paid_amt
    from leads
    left join institutions
        on leads.fixmedins_code = institutions.fixmedins_code
    group by leads.year, coalesce(institutions.admdvs, 'unknown'), leads.channel

),

final as (

    select
        aggregated.year,
        aggregated.admdvs,
        aggregated.channel,
        -- the tip ledger's own name (ingest/contracts.py TIPS.label_zh); inspections by type
        case when aggregated.channel = 'tip' then '举报线索' else insp_types.label_zh end  as channel_zh,
        aggregated.leads,
        aggregated.closed,
        aggregated.verified,
        aggregated.cases,
        aggregated.cases_closed,
        aggregated.involved_amt,
        aggregated.recovered_amt,
        aggregated.fine_amt,
        aggregated.rewards_paid_amt
    from aggregated
    left join insp_types
        on aggregated.channel = 'insp_' || insp_types.code

)

select * from final
