with

source as (

    select * from {{ source('raw', 'psn_insu_d') }}

),

latest as (

    {{ latest_batch('source', ['psn_insu_rlts_id']) }}

),

renamed as (

    select
        psn_insu_rlts_id,
        psn_no,
        insutype,
        psn_type,
        psn_insu_stas,
        cast(crt_insu_date as date)  as crt_insu_date,
        cast(paus_insu_date as date) as paus_insu_date,
        insutype_retr_flag,
        emp_no,
        insu_admdvs,
        _batch_id

    from latest
    where vali_flag = '1'

)

select * from renamed
