with

source as (

    select * from {{ source('raw', 'setl_list_oprn_d') }}

),

latest as (

    {{ latest_batch('source', ['setl_list_oprn_id']) }}

),

renamed as (

    select
        setl_list_oprn_id,
        setl_id,
        mdtrt_id,
        psn_no,
        main_oprn_flag,
        oprn_oprt_code,
        oprn_oprt_name,
        cast(oprn_oprt_date as date) as oprn_oprt_date,
        _batch_id

    from latest
    where vali_flag = '1'

)

select * from renamed
