with

source as (

    select * from {{ source('raw', 'fund_income') }}

),

latest as (

    {{ latest_batch('source', ['income_month', 'insu_admdvs', 'fund_pay_type', 'income_src']) }}

),

renamed as (

    select
        cast(income_month as date)     as income_month,
        insu_admdvs,
        fund_pay_type,
        income_src,
        {{ cast_money('income_amt') }} as income_amt,
        _batch_id

    from latest

)

select * from renamed
