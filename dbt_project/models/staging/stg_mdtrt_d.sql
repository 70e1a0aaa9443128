with

source as (

    select * from {{ source('raw', 'mdtrt_d') }}

),

latest as (

    {{ latest_batch('source', ['mdtrt_id']) }}

),

renamed as (

    select
        -- ids
        mdtrt_id,
        psn_no,
        ipt_otp_no,

        -- person and scheme at the visit (name, ID number, phone, address stay in stg_psn_info_b)
        gend,
        cast(brdy as date)                             as brdy,
        {{ cast_qty('age') }}                          as age,
        insutype,
        psn_type,
        insu_admdvs,

        -- institution
        pay_loc,
        fixmedins_code,
        fixmedins_name,
        hosp_lv,

        -- event
        cast(begntime as {{ dbt.type_timestamp() }})  as begntime,
        cast(endtime as {{ dbt.type_timestamp() }})   as endtime,
        med_type,
        adm_dept_codg,
        adm_dept_name,
        chfpdr_code,
        dscg_maindiag_code,
        dscg_maindiag_name,
        dscg_way,
        inhosp_stas,
        cast(die_date as date)                         as die_date,
        cast(ipt_days as {{ dbt.type_int() }})         as ipt_days,

        _batch_id

    from latest
    where vali_flag = '1'

)

select * from renamed
