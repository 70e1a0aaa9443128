{#-
    Short-term forecasts of the fund series (基金收支短期预测): int_fund_forecast (statsmodels,
    analytics.forecast) typed, with each series' name from seed forecast_series.
-#}

with

forecasts as (

    select * from {{ ref('int_fund_forecast') }}

),

specs as (

    select * from {{ ref('forecast_series') }}

),

final as (

    select
        forecasts.series_id,
        cast(forecasts.month_start as date)                         as month_start,
        specs.label_zh,
        specs.source,
        specs.subject_code,
        specs.measure,
        cast(forecasts.origin_month as date)                        as origin_month,
        cast(forecasts.horizon as {{ dbt.type_int() }})             as horizon,
        {{ cast_money('forecasts.mean') }}                          as mean_amt,
        {{ cast_money('forecasts.lo80') }}                          as lo80_amt,
        {{ cast_money('forecasts.hi80') }}                          as hi80_amt,
        {{ cast_money('forecasts.lo95') }}                          as lo95_amt,
        {{ cast_money('forecasts.hi95') }}                          as hi95_amt,
        cast(forecasts.method as {{ dbt.type_string() }})           as method,
        cast(forecasts.fallback_reason as {{ dbt.type_string() }})  as fallback_reason,
        cast(forecasts.intervals as {{ dbt.type_string() }})        as intervals,
        cast(forecasts.calibration_origins as {{ dbt.type_int() }}) as calibration_origins
    from forecasts
    inner join specs
        on forecasts.series_id = specs.series_id

)

select * from final
