{#- One row per day of every year the settlements touch, with the calendar effects the
    indicators and forecasts need: month and year progress, weekends, the Spring Festival. -#}
with

bounds as (

    select
        cast({{ dbt.date_trunc('year', 'min(setl_time)') }} as date)  as start_day,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('year', 1, dbt.date_trunc('year', 'max(setl_time)'))) }} as date)
                                                                      as end_day
    from {{ ref('stg_setl_d') }}

),

days as (

    {{ day_spine('bounds', 'start_day', 'end_day') }}

),

festivals as (

    select * from {{ ref('spring_festival') }}

),

calendar as (

    select
        days.day                                                         as calendar_date,
        cast({{ dbt.date_trunc('month', 'days.day') }} as date)          as month_start,
        cast({{ dbt.date_trunc('year', 'days.day') }} as date)           as year_start,
        -- integer parts as bigint on every engine (Spark's extract and datediff return int)
        cast(extract(year from days.day) as {{ dbt.type_bigint() }})    as year,
        cast(extract(month from days.day) as {{ dbt.type_bigint() }})   as month,
        cast(extract(quarter from days.day) as {{ dbt.type_bigint() }}) as quarter,
        cast(extract(day from days.day) as {{ dbt.type_bigint() }})     as day_of_month,
        cast({{ dbt.datediff(dbt.date_trunc('year', 'days.day'), 'days.day', 'day') }} + 1 as {{ dbt.type_bigint() }})
                                                                         as day_of_year,
        cast({{ dbt.datediff(dbt.date_trunc('year', 'days.day'),
                             dbt.dateadd('year', 1, dbt.date_trunc('year', 'days.day')), 'day') }} as {{ dbt.type_bigint() }})
                                                                         as days_in_year,
        cast({{ dbt.datediff(dbt.date_trunc('month', 'days.day'),
                             dbt.dateadd('month', 1, dbt.date_trunc('month', 'days.day')), 'day') }} as {{ dbt.type_bigint() }})
                                                                         as days_in_month,
        {{ iso_weekday('days.day') }} in (6, 7)                          as is_weekend,
        festivals.festival_date                                          as spring_festival_date,
        cast({{ dbt.datediff('festivals.festival_date', 'days.day', 'day') }} as {{ dbt.type_bigint() }})
                                                                         as days_from_spring_festival
    from days
    left join festivals
        on extract(year from days.day) = festivals.year

),

final as (

    select
        calendar.*,
        -- the statutory holiday: eve to the sixth day (除夕 … 初六)
        days_from_spring_festival between -1 and 6                       as is_spring_festival_holiday,
        month_start = cast({{ dbt.date_trunc('month', 'spring_festival_date') }} as date)
                                                                         as is_spring_festival_month,
        not is_weekend and not coalesce(days_from_spring_festival between -1 and 6, false)
                                                                         as is_working_day
    from calendar

)

select * from final
