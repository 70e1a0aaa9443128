with

source as (

    select * from {{ source('raw', 'inspections') }}

),

latest as (

    {{ latest_batch('source', ['insp_id']) }}

),

renamed as (

    select
        insp_id,
        insp_type,
        fixmedins_code,
        cast(begndate as date)                     as begndate,
        cast(enddate as date)                      as enddate,
        inspectors,
        draw_id,
        tip_id,
        finding_flag,
        findings,
        {{ cast_money('suspect_amt') }}            as suspect_amt,
        _batch_id

    from latest

)

select * from renamed
