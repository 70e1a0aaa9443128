-- Every monitored item-month's spend, quantity and patient-bearing rows add up over its
-- institutions to fct_key_item_month, to the fen (the two marts read the same fee lines).
with

by_institution as (

    select hilist_code, setl_month, sum(spend) as spend, sum(quantity) as quantity
    from {{ ref('fct_key_item_institution_month') }}
    group by hilist_code, setl_month

),

item_month as (

    select hilist_code, setl_month, spend, quantity
    from {{ ref('fct_key_item_month') }}

)

select
    coalesce(item_month.hilist_code, by_institution.hilist_code) as hilist_code,
    coalesce(item_month.setl_month, by_institution.setl_month)   as setl_month,
    item_month.spend,
    by_institution.spend as institutions_spend
from item_month
full outer join by_institution
    on item_month.hilist_code = by_institution.hilist_code
    and item_month.setl_month = by_institution.setl_month
-- months without use are zero rows in fct_key_item_month and absent here
where abs(coalesce(item_month.spend, 0) - coalesce(by_institution.spend, 0)) > 0.005
    or abs(coalesce(item_month.quantity, 0) - coalesce(by_institution.quantity, 0)) > 0.00005
