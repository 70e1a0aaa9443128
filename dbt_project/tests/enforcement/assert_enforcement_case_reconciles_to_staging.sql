{#-
    fct_enforcement_case holds every staged case once, with its amounts unchanged: count and
    Σ involved, recovered and fined per case_status equal stg_enforcement_cases, to the fen.
    Returns the statuses that differ.
-#}
with

staged as (

    select
        case_status,
        count(*)                          as cases,
        {{ sum_money('involved_amt') }}   as involved_amt,
        {{ sum_money('recovered_amt') }}  as recovered_amt,
        {{ sum_money('fine_amt') }}       as fine_amt
    from {{ ref('stg_enforcement_cases') }}
    group by case_status

),

mart as (

    select
        case_status,
        count(*)                          as cases,
        {{ sum_money('involved_amt') }}   as involved_amt,
        {{ sum_money('recovered_amt') }}  as recovered_amt,
        {{ sum_money('fine_amt') }}       as fine_amt
    from {{ ref('fct_enforcement_case') }}
    group by case_status

)

select
    coalesce(staged.case_status, mart.case_status) as case_status,
    staged.cases                                   as staged_cases,
    mart.cases                                     as mart_cases,
    staged.involved_amt                            as staged_involved_amt,
    mart.involved_amt                              as mart_involved_amt
from staged
full outer join mart
    on staged.case_status = mart.case_status
where staged.case_status is null
    or mart.case_status is null
    or staged.cases <> mart.cases
    or staged.involved_amt <> mart.involved_amt
    or staged.recovered_amt <> mart.recovered_amt
    or staged.fine_amt <> mart.fine_amt
