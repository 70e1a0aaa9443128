{#-
    Every billed item × settlement month: the item's class and key-item attributes (dim_items,
    or the line's own name and list type for a code missing from the catalogue) and its net
    spend, in-scope spend and quantity. Fee lines count in the month of the settlement that
    carries them (int_settlements.setl_month), so refund lines are negative in the month of
    their refund settlement and item totals reconcile with the settlement marts.
-#}

with

fee_lines as (

    select setl_id, hilist_code, hilist_name, list_type, cnt, det_item_fee_sumamt, inscp_amt
    from {{ ref('int_fee_lines') }}
    where setl_id is not null

),

settlements as (

    select setl_id, setl_month from {{ ref('int_settlements') }}

),

items as (

    select * from {{ ref('dim_items') }}

),

list_types as (

    select * from {{ ref('item_list_types') }}

),

-- fee lines in the month of their settlement (refund lines are negative)
code_months as (

    select
        fee_lines.hilist_code,
        settlements.setl_month,
        max(fee_lines.hilist_name)                       as line_hilist_name,
        max(fee_lines.list_type)                         as line_list_type,
        {{ sum_money('fee_lines.det_item_fee_sumamt') }} as spend,
        {{ sum_money('fee_lines.inscp_amt') }}           as inscp_spend,
        {{ cast_qty('sum(fee_lines.cnt)') }}             as quantity
    from fee_lines
    inner join settlements
        on fee_lines.setl_id = settlements.setl_id
    group by fee_lines.hilist_code, settlements.setl_month

),

-- one set of attributes per code, whatever month
code_attributes as (

    select
        code_lines.hilist_code,
        coalesce(items.hilist_name, code_lines.line_hilist_name)      as hilist_name,
        coalesce(items.item_class, list_types.item_class, 'other')    as item_class,
        coalesce(items.is_key_item, false)                            as is_key_item,
        items.key_item_id,
        items.key_item_name,
        items.key_group
    from (
        select hilist_code, max(line_hilist_name) as line_hilist_name, max(line_list_type) as line_list_type
        from code_months
        group by hilist_code
    ) as code_lines
    left join items
        on code_lines.hilist_code = items.hilist_code
    left join list_types
        on code_lines.line_list_type = list_types.list_type

),

final as (

    select
        code_months.hilist_code,
        code_months.setl_month,
        code_attributes.hilist_name,
        code_attributes.item_class,
        code_attributes.is_key_item,
        code_attributes.key_item_id,
        code_attributes.key_item_name,
        code_attributes.key_group,
        code_months.spend,
        code_months.inscp_spend,
        code_months.quantity
    from code_months
    inner join code_attributes
        on code_months.hilist_code = code_attributes.hilist_code

)

select * from final
