with

source as (

    select * from {{ source('raw', 'credit_grades') }}

),

latest as (

    {{ latest_batch('source', ['eval_year', 'subject_type', 'subject_code']) }}

),

renamed as (

    select
        cast(eval_year as {{ dbt.type_int() }})    as eval_year,
        subject_type,
        subject_code,
        fixmedins_code,
        cast(credit_score as {{ dbt.type_int() }}) as credit_score,
        credit_grade,
        blacklist_flag,
        cast(blacklist_begndate as date)           as blacklist_begndate,
        cast(blacklist_enddate as date)            as blacklist_enddate,
        _batch_id

    from latest

)

select * from renamed
