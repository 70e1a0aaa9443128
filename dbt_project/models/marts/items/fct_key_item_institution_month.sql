{#-
    Which institutions use a monitored drug or consumable (重点药品耗材 by 定点机构): the items of
    int_monitored_items from their per-patient use (int_monitored_item_patient_month), per
    institution — the same lines as fct_key_item_month, so the two reconcile to the fen.
-#}
with

per_patient as (

    select * from {{ ref('int_monitored_item_patient_month') }}

),

institutions as (

    select fixmedins_code, fixmedins_name, inst_type_zh, level_grade_zh, peer_group
    from {{ ref('dim_institutions') }}

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
