{#-
    How well each forecasting method did on each series in a rolling-origin backtest
    (int_fund_forecast_backtest): MASE, bias and interval coverage by horizon, and MASE relative
    to the seasonal naive method at the same horizon.
-#}

with

metrics as (

    select * from {{ ref('int_fund_forecast_backtest') }}

),

specs as (

    select * from {{ ref('forecast_series') }}

),

seasonal_naive as (

    select series_id, horizon, mase as snaive_mase
    from metrics
    where method = 'snaive'

),

final as (

    select
        cast(metrics.series_id as {{ dbt.type_string() }})                       as series_id,
        cast(metrics.method as {{ dbt.type_string() }})                          as method,
        cast(metrics.horizon as {{ dbt.type_int() }})                            as horizon,
        specs.label_zh,
        cast(metrics.is_default_method as boolean)                               as is_default_method,
        cast(metrics.mase as decimal(18, 4))                                     as mase,
        cast(metrics.mase / nullif(seasonal_naive.snaive_mase, 0) as decimal(18, 4)) as mase_vs_snaive,
        cast(metrics.bias as decimal(18, 4))                                     as bias,
        cast(metrics.coverage80 as decimal(18, 4))                               as coverage80,
        cast(metrics.coverage95 as decimal(18, 4))                               as coverage95,
        cast(metrics.model_coverage80 as decimal(18, 4))                         as model_coverage80,
        cast(metrics.model_coverage95 as decimal(18, 4))                         as model_coverage95,
        cast(metrics.n_origins as {{ dbt.type_int() }})                          as n_origins
    from metrics
    inner join specs
        on metrics.series_id = specs.series_id
    left join seasonal_naive
        on metrics.series_id = seasonal_naive.series_id
        and metrics.horizon = seasonal_naive.horizon

)

select * from final
