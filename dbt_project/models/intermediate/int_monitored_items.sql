{#-
    The drugs and consumables monitored by the key-item marts (重点药品耗材): the key items of
    seed key_items (dim_items.is_key_item) plus the top-N drugs and top-N consumables by
    fund-relevant spend (Σ inscp_amt) over the whole period (N in seed key_item_thresholds).
-#}

with

item_months as (

    select * from {{ ref('int_item_month') }}

),

thresholds as (

    select * from {{ ref('key_item_thresholds') }}

),

params as (

    select
        max(case when name = 'top_n_drugs' then value end)       as top_n_drugs,
        max(case when name = 'top_n_consumables' then value end) as top_n_consumables
    from thresholds

),

item_totals as (

    select
        hilist_code,
        hilist_name,
        item_class,
        is_key_item,
        key_item_id,
        key_item_name,
        key_group,
        {{ sum_money('inscp_spend') }} as period_inscp_spend,
        {{ sum_money('spend') }}       as period_spend,
        min(setl_month)             as first_month
    from item_months
    -- the attributes are one per code (int_item_month)
    group by hilist_code, hilist_name, item_class, is_key_item, key_item_id, key_item_name, key_group

),

ranked as (

    select
        item_totals.*,
        row_number() over (
            partition by item_class
            order by period_inscp_spend desc, period_spend desc, hilist_code
        ) as spend_rank_in_class
    from item_totals

),

flagged as (

    select
        ranked.*,
        case
            when ranked.item_class = 'drug' then ranked.spend_rank_in_class <= params.top_n_drugs
            when ranked.item_class = 'consumable' then ranked.spend_rank_in_class <= params.top_n_consumables
            else false
        end as is_top_spend_item
    from ranked
    cross join params

),

final as (

    select
        hilist_code,
        hilist_name,
        item_class,
        is_key_item,
        key_item_id,
        key_item_name,
        key_group,
        is_top_spend_item,
        cast(spend_rank_in_class as {{ dbt.type_int() }}) as spend_rank_in_class,
        case
            when is_key_item and is_top_spend_item then 'key_item_and_top_spend'
            when is_key_item then 'key_item'
            else 'top_spend'
        end                                               as inclusion_reason,
        period_inscp_spend,
        period_spend,
        first_month
    from flagged
    where is_key_item or is_top_spend_item

)

select * from final
