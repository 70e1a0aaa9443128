with

fee_lines as (

    select * from {{ ref('stg_fee_list_d') }}

),

visits as (

    select mdtrt_id, med_type from {{ ref('stg_mdtrt_d') }}

),

fee_categories as (

    select * from {{ ref('fee_categories') }}

),

med_type_groups as (

    select * from {{ ref('med_type_groups') }}

),

categorised as (

    select
        fee_lines.*,
        coalesce(fee_categories.fee_category, 'other')      as fee_category,
        coalesce(fee_categories.fee_category_zh, '其他费')  as fee_category_zh,
        visits.med_type                                     as visit_med_type,
        coalesce(med_type_groups.visit_type, 'other')       as visit_type,
        coalesce(med_type_groups.is_inpatient, false)       as is_inpatient

    from fee_lines
    left join fee_categories
        on fee_lines.med_chrgitm_type = fee_categories.med_chrgitm_type
    -- one visit per line (mdtrt_id is unique in stg_mdtrt_d): no fan-out
    left join visits
        on fee_lines.mdtrt_id = visits.mdtrt_id
    left join med_type_groups
        on coalesce(visits.med_type, fee_lines.med_type) = med_type_groups.med_type

),

final as (

    select
        -- line
        bkkp_sn,
        mdtrt_id,
        setl_id,
        init_feedetl_sn,
        is_refund,
        setl_id is not null                                             as is_settled,
        psn_no,
        fixmedins_code,

        -- when
        fee_ocur_time,
        cast(fee_ocur_time as date)                                     as fee_date,
        cast({{ dbt.date_trunc('month', 'fee_ocur_time') }} as date)    as fee_month,

        -- visit
        visit_med_type,
        visit_type,
        is_inpatient,

        -- item and category
        hilist_code,
        hilist_name,
        list_type,
        chrgitm_lv,
        med_chrgitm_type,
        fee_category,
        fee_category_zh,
        fee_category = 'drug'                                           as is_drug,
        fee_category = 'consumable'                                     as is_consumable,
        fee_category = 'exam'                                           as is_exam,
        fee_category = 'lab'                                            as is_lab,
        bilg_dept_codg,
        bilg_dept_name,
        bilg_dr_code,
        used_frqu_dscr,
        prd_days,

        -- quantities and amounts (negative on refund lines)
        cnt,
        pric,
        pric_uplmt_amt,
        selfpay_prop,
        det_item_fee_sumamt,
        fulamt_ownpay_amt,
        overlmt_selfpay,
        preselfpay_amt,
        inscp_amt

    from categorised

)

select * from final
