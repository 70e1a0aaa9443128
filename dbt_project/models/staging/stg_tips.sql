with

source as (

    select * from {{ source('raw', 'tips') }}

),

latest as (

    {{ latest_batch('source', ['tip_id']) }}

),

renamed as (

    select
        tip_id,
        cast(recv_date as date)                    as recv_date,
        channel,
        subject_type,
        subject_code,
        fixmedins_code,
        tip_status,
        verified,
        cast(close_date as date)                   as close_date,
        case_id,
        {{ cast_money('reward_amt') }}             as reward_amt,
        cast(reward_date as date)                  as reward_date,
        _batch_id

    from latest

)

select * from renamed
