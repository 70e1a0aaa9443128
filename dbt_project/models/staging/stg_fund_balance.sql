with

source as (

    select * from {{ source('raw', 'fund_balance') }}

),

latest as (

    {{ latest_batch('source', ['balance_date', 'insu_admdvs', 'fund_pay_type']) }}

),

renamed as (

    select
        cast(balance_date as date)      as balance_date,
        insu_admdvs,
        fund_pay_type,
        {{ cast_money('balance_amt') }} as balance_amt,
        _batch_id

    from latest

)

select * from renamed
