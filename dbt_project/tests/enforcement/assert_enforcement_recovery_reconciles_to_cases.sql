{#-
    fct_enforcement_recovery sums to the closed cases of fct_enforcement_case, to the fen: cases,
    Σ involved, recovered and fined, by close month. Returns the months that differ.
-#}
with

cases as (

    select
        cast({{ dbt.date_trunc('month', 'close_date') }} as date) as close_month,
        count(*)                                                  as cases_closed,
        {{ sum_money('involved_amt') }}                           as involved_amt,
        {{ sum_money('recovered_amt') }}                          as recovered_amt,
        {{ sum_money('fine_amt') }}                               as fine_amt
    from {{ ref('fct_enforcement_case') }}
    where is_closed
    group by cast({{ dbt.date_trunc('month', 'close_date') }} as date)

),

recovery as (

    select
        close_month,
        sum(cases_closed)                 as cases_closed,
        {{ sum_money('involved_amt') }}   as involved_amt,
        {{ sum_money('recovered_amt') }}  as recovered_amt,
        {{ sum_money('fine_amt') }}       as fine_amt
    from {{ ref('fct_enforcement_recovery') }}
    group by close_month

)

select
    coalesce(cases.close_month, recovery.close_month) as close_month,
    cases.cases_closed                                as case_count,
    recovery.cases_closed                             as recovery_count,
    cases.involved_amt                                as case_involved_amt,
    recovery.involved_amt                             as recovery_involved_amt
from cases
full outer join recovery
    on cases.close_month = recovery.close_month
where cases.close_month is null
    or recovery.close_month is null
    or cases.cases_closed <> recovery.cases_closed
    or cases.involved_amt <> recovery.involved_amt
    or cases.recovered_amt <> recovery.recovered_amt
    or cases.fine_amt <> recovery.fine_amt
