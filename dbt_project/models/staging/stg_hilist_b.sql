with

source as (

    select * from {{ source('raw', 'hilist_b') }}

),

latest as (

    {{ latest_batch('source', ['hilist_code']) }}

),

renamed as (

    select
        hilist_code,
        hilist_name,
        list_type,
        med_chrgitm_type,
        chrgitm_lv,
        lmt_used_flag,
        lmt_usescp,
        {{ cast_ratio('selfpay_prop') }} as selfpay_prop,
        cast(begndate as date)           as begndate,
        cast(enddate as date)            as enddate,
        _batch_id

    from latest
    where vali_flag = '1'

)

select * from renamed
