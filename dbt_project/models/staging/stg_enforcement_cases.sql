with

source as (

    select * from {{ source('raw', 'enforcement_cases') }}

),

latest as (

    {{ latest_batch('source', ['case_id']) }}

),

renamed as (

    select
        case_id,
        cast(open_date as date)                    as open_date,
        case_source,
        tip_id,
        insp_id,
        subject_type,
        subject_code,
        fixmedins_code,
        violation_type,
        cast(viol_begndate as date)                as viol_begndate,
        cast(viol_enddate as date)                 as viol_enddate,
        {{ cast_money('involved_amt') }}           as involved_amt,
        {{ cast_money('recovered_amt') }}          as recovered_amt,
        {{ cast_money('fine_amt') }}               as fine_amt,
        legal_article,
        referral,
        cast(referral_date as date)                as referral_date,
        case_status,
        cast(close_date as date)                   as close_date,
        cast(report_date as date)                  as report_date,
        coalesce(public_flag, '0')                 as public_flag,
        _batch_id

    from latest

)

select * from renamed
