{#-
    The monthly values of each series of seed forecast_series, the input of the forecasting
    python models: a fund's income or expenditure (fct_fund_monthly) or the 统筹基金支出 of the
    institutions under a total budget (fct_budget_execution_rollup, level 'all'). Built on marts
    because the forecast is of the indicators as the marts define them.
-#}

with

specs as (

    select * from {{ ref('forecast_series') }}

),

fund_months as (

    select fund_pay_type, month_start, income_amt, expenditure_amt
    from {{ ref('fct_fund_monthly') }}

),

budget_months as (

    select insutype, month_start, month_hifp_pay
    from {{ ref('fct_budget_execution_rollup') }}
    where rollup_level = 'all'

),

fund_values as (

    select
        specs.series_id,
        fund_months.month_start,
        case specs.measure
            when 'income_amt' then fund_months.income_amt
            when 'expenditure_amt' then fund_months.expenditure_amt
        end as value
    from specs
    inner join fund_months
        on specs.source = 'fund_monthly'
        and fund_months.fund_pay_type = specs.subject_code

),

budget_values as (

    select
        specs.series_id,
        budget_months.month_start,
        budget_months.month_hifp_pay as value
    from specs
    inner join budget_months
        on specs.source = 'budget_rollup'
        and budget_months.insutype = specs.subject_code

),

final as (

    select series_id, month_start, value from fund_values
    union all
    select series_id, month_start, value from budget_values

)

select * from final
