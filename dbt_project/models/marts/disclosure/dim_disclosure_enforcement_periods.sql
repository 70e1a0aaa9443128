{#-
    The finalised disclosure periods (dim_disclosure_periods) whose enforcement ledgers cover
    them: the supervision results (violations, 双随机 results) of a period are published only
    when the ledgers reach into its last month, so a ledger delivered older than the settlement
    data never publishes "no case closed" for months it does not hold.
-#}

with

periods as (

    select * from {{ ref('dim_disclosure_periods') }}

),

cases as (

    select open_date, close_date, referral_date, report_date from {{ ref('stg_enforcement_cases') }}

),

inspections as (

    select begndate, enddate from {{ ref('stg_inspections') }}

),

tips as (

    select recv_date, close_date, reward_date from {{ ref('stg_tips') }}

),

credit_events as (

    select event_date from {{ ref('stg_credit_events') }}

),

-- the ledgers' extract date: the greatest date any enforcement ledger holds
ledger_dates as (

    select max(open_date) as ledger_date from cases
    union all select max(close_date) from cases
    union all select max(referral_date) from cases
    union all select max(report_date) from cases
    union all select max(begndate) from inspections
    union all select max(enddate) from inspections
    union all select max(recv_date) from tips
    union all select max(close_date) from tips
    union all select max(reward_date) from tips
    union all select max(event_date) from credit_events

),

as_of as (

    select max(ledger_date) as ledgers_as_of_date from ledger_dates

),

final as (

    select
        periods.period_type,
        periods.period_code,
        periods.period_start,
        periods.period_end,
        periods.data_cutoff_date,
        cast(as_of.ledgers_as_of_date as date)                    as ledgers_as_of_date
    from periods
    cross join as_of
    where as_of.ledgers_as_of_date >= periods.period_end_month

)

select * from final
