with

source as (

    select * from {{ source('raw', 'insured_population') }}

),

latest as (

    {{ latest_batch('source', ['stat_year', 'insu_admdvs', 'insutype', 'psn_type', 'gend', 'age']) }}

),

renamed as (

    select
        cast(stat_year as {{ dbt.type_int() }}) as stat_year,
        insu_admdvs,
        insutype,
        psn_type,
        gend,
        cast(age as {{ dbt.type_int() }})       as age,
        cast(psn_cnt as {{ dbt.type_int() }})   as psn_cnt,
        _batch_id

    from latest

)

select * from renamed
