{#-
    Fund disclosure (基金收支公开) per fund × finalised period, from fct_fund_monthly: flows are
    the sums of the period's months, balances and 可支付月数 those of its last month, YoY the
    growth of the period's sums over the same months a year earlier. No indicator is redefined.
-#}

with

fund_monthly as (

    select * from {{ ref('fct_fund_monthly') }}

),

periods as (

    select * from {{ ref('dim_disclosure_periods') }}

),

-- the sums of the period's months
period_flows as (

    select
        periods.period_type,
        periods.period_code,
        fund_monthly.fund_pay_type,
        {{ sum_money('fund_monthly.income_amt') }}          as income_amt,
        {{ sum_money('fund_monthly.expenditure_amt') }}     as expenditure_amt,
        {{ sum_money('fund_monthly.current_balance_amt') }} as current_balance_amt
    from periods
    inner join fund_monthly
        on fund_monthly.month_start between periods.period_start and periods.period_end_month
    group by periods.period_type, periods.period_code, fund_monthly.fund_pay_type

),

-- the same months one year earlier, only when every one of them is in the mart
previous_year_flows as (

    select
        periods.period_type,
        periods.period_code,
        fund_monthly.fund_pay_type,
        {{ sum_money('fund_monthly.income_amt') }}          as income_amt,
        {{ sum_money('fund_monthly.expenditure_amt') }}     as expenditure_amt
    from periods
    inner join fund_monthly
        on fund_monthly.month_start
            between cast({{ dbt.dateadd('year', '-1', 'periods.period_start') }} as date)
            and cast({{ dbt.dateadd('year', '-1', 'periods.period_end_month') }} as date)
    group by periods.period_type, periods.period_code, periods.months, fund_monthly.fund_pay_type
    having count(*) = periods.months

),

final as (

    select
        -- grain
        periods.period_type,
        periods.period_code,
        fund_monthly.fund_pay_type,

        periods.period_start,
        periods.period_end,
        fund_monthly.fund_key,
        fund_monthly.fund_name_zh,
        fund_monthly.is_total,
        fund_monthly.fund_scheme,

        -- flows of the period
        period_flows.income_amt,
        period_flows.expenditure_amt,
        period_flows.current_balance_amt,
        {{ safe_ratio('period_flows.current_balance_amt', 'period_flows.income_amt') }}
                                                            as balance_rate,

        -- positions at the end of the period
        fund_monthly.cumulative_balance_amt,
        fund_monthly.reserve_months,
        fund_monthly.reserve_band,
        fund_monthly.reserve_band_label_zh,

        -- growth over the same period a year earlier
        previous_year_flows.income_amt                      as income_prev_year_amt,
        previous_year_flows.expenditure_amt                 as expenditure_prev_year_amt,
        {{ growth_rate('period_flows.income_amt', 'previous_year_flows.income_amt') }}
                                                            as income_yoy,
        {{ growth_rate('period_flows.expenditure_amt', 'previous_year_flows.expenditure_amt') }}
                                                            as expenditure_yoy,

        periods.data_cutoff_date

    from periods
    inner join fund_monthly
        on fund_monthly.month_start = periods.period_end_month
    inner join period_flows
        on periods.period_type = period_flows.period_type
        and periods.period_code = period_flows.period_code
        and fund_monthly.fund_pay_type = period_flows.fund_pay_type
    left join previous_year_flows
        on periods.period_type = previous_year_flows.period_type
        and periods.period_code = previous_year_flows.period_code
        and fund_monthly.fund_pay_type = previous_year_flows.fund_pay_type

)

select * from final
