with

source as (

    select * from {{ source('raw', 'fee_list_d') }}

),

latest as (

    {{ latest_batch('source', ['bkkp_sn']) }}

),

renamed as (

    select
        -- ids
        bkkp_sn,
        mdtrt_id,
        setl_id,
        init_feedetl_sn,
        psn_no,
        fixmedins_code,

        -- event
        cast(fee_ocur_time as {{ dbt.type_timestamp() }}) as fee_ocur_time,
        med_type,

        -- item
        hilist_code,
        hilist_name,
        list_type,
        med_chrgitm_type,
        chrgitm_lv,
        bilg_dept_codg,
        bilg_dept_name,
        bilg_dr_code,
        used_frqu_dscr,
        cast(prd_days as {{ dbt.type_int() }})            as prd_days,

        -- quantities and amounts (negative on refund lines)
        {{ cast_qty('cnt') }}                             as cnt,
        {{ cast_qty('pric') }}                            as pric,
        {{ cast_qty('pric_uplmt_amt') }}                  as pric_uplmt_amt,
        {{ cast_ratio('selfpay_prop') }}                  as selfpay_prop,
        {{ cast_money('det_item_fee_sumamt') }}           as det_item_fee_sumamt,
        {{ cast_money('fulamt_ownpay_amt') }}             as fulamt_ownpay_amt,
        {{ cast_money('overlmt_selfpay') }}               as overlmt_selfpay,
        {{ cast_money('preselfpay_amt') }}                as preselfpay_amt,
        {{ cast_money('inscp_amt') }}                     as inscp_amt,

        -- refund netting
        init_feedetl_sn is not null                       as is_refund,

        _batch_id

    from latest
    where vali_flag = '1'

)

select * from renamed
