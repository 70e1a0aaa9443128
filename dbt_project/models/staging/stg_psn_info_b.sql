with

source as (

    select * from {{ source('raw', 'psn_info_b') }}

),

latest as (

    {{ latest_batch('source', ['psn_no']) }}

),

renamed as (

    select
        psn_no,
        psn_name,
        gend,
        cast(brdy as date)     as brdy,
        psn_cert_type,
        certno,
        tel,
        addr,
        resd_loc_admdvs,
        surv_stas,
        cast(die_date as date) as die_date,
        _batch_id

    from latest
    where vali_flag = '1'

)

select * from renamed
