{#-
    Which institutions use a monitored drug or consumable (重点药品耗材 by 定点机构): the items of
    fct_key_item_month, their fee lines attributed to the settlement month like every mart
    (refund lines negative), per institution.
-#}
with

monitored as (

    select distinct hilist_code from {{ ref('fct_key_item_month') }}

),

fee_lines as (

    select setl_id, hilist_code, fixmedins_code, psn_no, cnt, det_item_fee_sumamt, inscp_amt
    from {{ ref('int_fee_lines') }}
    where setl_id is not null

),

settlements as (

    select setl_id, setl_month from {{ ref('int_settlements') }}

),

institutions as (

    select fixmedins_code, fixmedins_name, inst_type_zh, level_grade_zh, peer_group
    from {{ ref('dim_institutions') }}

),

-- net quantity per patient first, so a patient whose purchase was refunded is not counted
per_patient as (

    select
        fee_lines.hilist_code,
        settlements.setl_month,
        fee_lines.fixmedins_code,
        fee_lines.psn_no,
        {{ sum_money('fee_lines.det_item_fee_sumamt') }} as spend,
        {{ sum_money('fee_lines.inscp_amt') }}           as inscp_spend,
        {{ cast_qty('sum(fee_lines.cnt)') }}             as quantity
    from fee_lines
    inner join settlements
        on fee_lines.setl_id = settlements.setl_id
    inner join monitored
        on fee_lines.hilist_code = monitored.hilist_code
    group by fee_lines.hilist_code, settlements.setl_month, fee_lines.fixmedins_code, fee_lines.psn_no

),

per_institution as (

    select
        hilist_code,
        setl_month,
        fixmedins_code,
        {{ sum_money('spend') }}                      as spend,
        {{ sum_money('inscp_spend') }}                as inscp_spend,
        {{ cast_qty('sum(quantity)') }}               as quantity,
        sum(case when quantity > 0 then 1 else 0 end) as n_patients
    from per_patient
    group by hilist_code, setl_month, fixmedins_code

),

item_totals as (

    select hilist_code, setl_month, {{ sum_money('spend') }} as item_spend
    from per_institution
    group by hilist_code, setl_month

),

final as (

    select
        per_institution.hilist_code,
        per_institution.setl_month,
        per_institution.fixmedins_code,
        institutions.fixmedins_name,
        institutions.inst_type_zh,
        institutions.level_grade_zh,
        institutions.peer_group,
        per_institution.spend,
        per_institution.inscp_spend,
        per_institution.quantity,
        cast(per_institution.n_patients as {{ dbt.type_bigint() }})           as n_patients,
        {{ safe_ratio('per_institution.spend', 'item_totals.item_spend') }}   as share_of_item_spend
    from per_institution
    inner join item_totals
        on per_institution.hilist_code = item_totals.hilist_code
        and per_institution.setl_month = item_totals.setl_month
    left join institutions
        on per_institution.fixmedins_code = institutions.fixmedins_code

)

select * from final
