with

source as (

    select * from {{ source('raw', 'hilist_lmtpric_d') }}

),

latest as (

    {{ latest_batch('source', ['hilist_code', 'begndate']) }}

),

renamed as (

    select
        hilist_code,
        hilist_lmtpric_type,
        {{ cast_qty('hilist_pric_uplmt_amt') }} as hilist_pric_uplmt_amt,
        cast(begndate as date)                  as begndate,
        cast(enddate as date)                   as enddate,
        _batch_id

    from latest
    where vali_flag = '1'

)

select * from renamed
