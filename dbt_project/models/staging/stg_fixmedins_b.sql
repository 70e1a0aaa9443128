with

source as (

    select * from {{ source('raw', 'fixmedins_b') }}

),

latest as (

    {{ latest_batch('source', ['fixmedins_code']) }}

),

renamed as (

    select
        fixmedins_code,
        fixmedins_name,
        fixmedins_type,
        medins_type,
        hosp_lv,
        admdvs,
        cast(aprv_bed_cnt as {{ dbt.type_int() }}) as aprv_bed_cnt,
        grst_hosp_flag,
        biznat,
        cred_lv,
        cast(begndate as date)                     as begndate,
        cast(enddate as date)                      as enddate,
        _batch_id

    from latest
    where vali_flag = '1'

)

select * from renamed
