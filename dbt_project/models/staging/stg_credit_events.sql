with

source as (

    select * from {{ source('raw', 'credit_events') }}

),

latest as (

    {{ latest_batch('source', ['credit_event_id']) }}

),

renamed as (

    select
        credit_event_id,
        cast(event_date as date)                   as event_date,
        subject_type,
        subject_code,
        fixmedins_code,
        event_type,
        cast(score_change as {{ dbt.type_int() }}) as score_change,
        case_id,
        _batch_id

    from latest

)

select * from renamed
