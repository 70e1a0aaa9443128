with

source as (

    select * from {{ source('raw', 'fixmedins_budget') }}

),

latest as (

    {{ latest_batch('source', ['budget_year', 'fixmedins_code', 'insutype']) }}

),

renamed as (

    select
        cast(budget_year as {{ dbt.type_int() }}) as budget_year,
        fixmedins_code,
        insutype,
        {{ cast_money('budget_amt') }}            as budget_amt,
        _batch_id

    from latest

)

select * from renamed
