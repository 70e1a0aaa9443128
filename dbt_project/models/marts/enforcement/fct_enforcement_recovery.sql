{#-
    One row per close month × admdvs × violation type: the closed cases (结案 or 撤销) with the
    amounts involved, recovered and fined, and how long they took to close.
-#}
with

closed_cases as (

    select * from {{ ref('fct_enforcement_case') }} where is_closed

),

final as (

    select
        cast({{ dbt.date_trunc('month', 'close_date') }} as date)               as close_month,
        cast(extract(year from close_date) as {{ dbt.type_int() }})            as close_year,
        coalesce(admdvs, 'unknown')                                             as admdvs,
        violation_type,
        max(violation_type_zh)                                                  as violation_type_zh,
        cast(count(*) as {{ dbt.type_int() }})                                  as cases_closed,
        {{ sum_money('involved_amt') }}                                         as involved_amt,
        {{ sum_money('recovered_amt') }}                                        as recovered_amt,
        {{ sum_money('fine_amt') }}                                             as fine_amt,
        cast(percentile_cont(0.5) within group (order by days_to_close) as {{ type_double() }})
                                                                                as days_to_close_median,
        cast(max(days_to_close) as {{ dbt.type_int() }})                       as days_to_close_max
    from closed_cases
    group by
        cast({{ dbt.date_trunc('month', 'close_date') }} as date),
        cast(extract(year from close_date) as {{ dbt.type_int() }}),
        coalesce(admdvs, 'unknown'),
        violation_type

)

select * from final
