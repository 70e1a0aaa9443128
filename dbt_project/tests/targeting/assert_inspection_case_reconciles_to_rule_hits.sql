{#-
    fct_inspection_case reconciles to fct_rule_hit, to the fen, per institution × rule family:
    the same number of hits and the same Σ suspect_amt (so no join fanned a hit out or dropped
    it). Returns the institution × family cells that differ.
-#}
with

hits as (

    select
        fixmedins_code,
        rule_family,
        count(*)                        as hits,
        {{ sum_money('suspect_amt') }}  as suspect_amt
    from {{ ref('fct_rule_hit') }}
    group by fixmedins_code, rule_family

),

cases as (

    select
        fixmedins_code,
        rule_family,
        count(*)                        as hits,
        {{ sum_money('suspect_amt') }}  as suspect_amt
    from {{ ref('fct_inspection_case') }}
    group by fixmedins_code, rule_family

),

compared as (

    select
        coalesce(hits.fixmedins_code, cases.fixmedins_code)   as fixmedins_code,
        coalesce(hits.rule_family, cases.rule_family)         as rule_family,
        coalesce(hits.hits, 0)                                as rule_hits,
        coalesce(cases.hits, 0)                               as case_rows,
        coalesce(hits.suspect_amt, 0)                         as rule_hit_suspect_amt,
        coalesce(cases.suspect_amt, 0)                        as case_suspect_amt
    from hits
    full outer join cases
        on hits.fixmedins_code = cases.fixmedins_code
        and hits.rule_family = cases.rule_family

)

select *
from compared
where rule_hits <> case_rows
    or rule_hit_suspect_amt <> case_suspect_amt
