{#- One row: the enforcement ledgers' extract (as-of) date, the greatest date any of them holds. -#}

with

ledger_dates as (

    select max(open_date) as ledger_date from {{ ref('stg_enforcement_cases') }}
    union all select max(close_date) from {{ ref('stg_enforcement_cases') }}
    union all select max(referral_date) from {{ ref('stg_enforcement_cases') }}
    union all select max(report_date) from {{ ref('stg_enforcement_cases') }}
    union all select max(begndate) from {{ ref('stg_inspections') }}
    union all select max(enddate) from {{ ref('stg_inspections') }}
    union all select max(recv_date) from {{ ref('stg_tips') }}
    union all select max(close_date) from {{ ref('stg_tips') }}
    union all select max(reward_date) from {{ ref('stg_tips') }}
    union all select max(event_date) from {{ ref('stg_credit_events') }}

)

select cast(max(ledger_date) as date) as as_of_date from ledger_dates
