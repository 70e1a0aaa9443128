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

as_of as (

    select as_of_date as ledgers_as_of_date from {{ ref('int_enforcement_as_of') }}

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
