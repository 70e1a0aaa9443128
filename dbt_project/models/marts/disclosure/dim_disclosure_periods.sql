{#-
    The finalised (publishable) disclosure periods: months, quarters and years whose every month
    lies in the settlement data and is final (seed disclosure_parameters.final_after_days).
    Both disclosure facts take their periods from here, so no unfinalised period is published.
-#}

with

settlements as (

    select setl_month, setl_date from {{ ref('int_settlements') }}

),

-- always one row: 0 days when the seed lacks the parameter
finality as (

    {{ disclosure_parameter('final_after_days', 0) }}

),

bounds as (

    select
        min(setl_month) as start_month,
        max(setl_month) as end_month,
        max(setl_date)  as data_cutoff_date
    from settlements

),

months as (

    {{ month_spine('bounds') }}

),

-- a month is final when the data reach final_after_days past its last day
final_months as (

    select
        months.month_start,
        cast(extract(year from months.month_start) as {{ dbt.type_int() }})    as year,
        cast(extract(quarter from months.month_start) as {{ dbt.type_int() }}) as quarter,
        cast(extract(month from months.month_start) as {{ dbt.type_int() }})   as month
    from months
    cross join bounds
    cross join finality
    where {{ dbt.dateadd('day', 'finality.final_after_days',
                         dbt.dateadd('day', '-1', dbt.dateadd('month', '1', 'months.month_start'))) }}
          <= bounds.data_cutoff_date

),

period_months as (

    select
        'month'                                                   as period_type,
        {{ dbt.concat(["cast(year as " ~ dbt.type_string() ~ ")", "'-'",
                       "lpad(cast(month as " ~ dbt.type_string() ~ "), 2, '0')"]) }}
                                                                  as period_code,
        1                                                         as expected_months,
        month_start
    from final_months
    union all
    select
        'quarter',
        {{ dbt.concat(["cast(year as " ~ dbt.type_string() ~ ")", "'Q'",
                       "cast(quarter as " ~ dbt.type_string() ~ ")"]) }},
        3,
        month_start
    from final_months
    union all
    select
        'year',
        cast(year as {{ dbt.type_string() }}),
        12,
        month_start
    from final_months

),

-- a quarter or year is published only when each of its months is final and in the data
complete_periods as (

    select
        period_type,
        period_code,
        min(month_start)                                          as period_start,
        max(month_start)                                          as period_end_month,
        count(*)                                                  as months
    from period_months
    group by period_type, period_code, expected_months
    having count(*) = expected_months

),

final as (

    select
        complete_periods.period_type,
        complete_periods.period_code,
        cast(complete_periods.period_start as date)               as period_start,
        cast({{ dbt.dateadd('day', '-1', dbt.dateadd('month', '1', 'complete_periods.period_end_month')) }}
             as date)                                             as period_end,
        cast(complete_periods.period_end_month as date)           as period_end_month,
        cast(complete_periods.months as {{ dbt.type_int() }})     as months,
        cast(bounds.data_cutoff_date as date)                     as data_cutoff_date
    from complete_periods
    cross join bounds

)

select * from final
