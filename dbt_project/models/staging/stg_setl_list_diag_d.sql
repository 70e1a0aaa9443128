with

source as (

    select * from {{ source('raw', 'setl_list_diag_d') }}

),

latest as (

    {{ latest_batch('source', ['setl_list_diag_id']) }}

),

renamed as (

    select
        setl_list_diag_id,
        setl_id,
        mdtrt_id,
        psn_no,
        diag_type,
        maindiag_flag,
        diag_code,
        diag_name,
        _batch_id

    from latest
    where vali_flag = '1'

)

select * from renamed
