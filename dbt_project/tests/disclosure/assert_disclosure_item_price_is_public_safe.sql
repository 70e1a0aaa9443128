{#
    fct_disclosure_item_price publishes nothing it should not (口径: disclosure_item_price):
      1. no published patient count under min_cell_persons, none on a region row;
      2. every price column of a suppressed row is null;
      3. the median lies between the published minimum and maximum, and no more institutions
         are published than there are.
    Returns the failing rows with the check that failed.
#}
with

prices as (

    select * from {{ ref('fct_disclosure_item_price') }}

),

cell_rule as (

    select
        coalesce(max(case when name = 'min_cell_persons' then value end), 10) as min_cell_persons
    from {{ ref('disclosure_parameters') }}

),

failures as (

    select prices.*, 'small count published' as failed_check
    from prices
    cross join cell_rule
    where prices.n_patients < cell_rule.min_cell_persons
        or (prices.is_total and prices.n_patients is not null)
        or (prices.n_patients is null) <> prices.is_count_suppressed

    union all

    select prices.*, 'price on a suppressed row'
    from prices
    where prices.is_suppressed
        and (prices.unit_price is not null or prices.median_unit_price is not null
             or prices.min_unit_price is not null or prices.max_unit_price is not null
             or prices.price_to_median_ratio is not null or prices.price_rank is not null
             or prices.price_to_cap_ratio is not null or prices.n_patients is not null)

    union all

    select prices.*, 'median outside the published range'
    from prices
    where prices.median_unit_price < prices.min_unit_price
        or prices.median_unit_price > prices.max_unit_price
        or prices.n_institutions_published > prices.n_institutions

)

select * from failures
