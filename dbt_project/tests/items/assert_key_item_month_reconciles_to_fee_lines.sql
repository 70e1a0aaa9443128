{#
    fct_key_item_month reconciles with staging, to the fen:
      1. per monitored item × month, spend, in-scope spend and quantity equal the sums of
         stg_fee_list_d lines whose settlement (stg_setl_d, valid) falls in that month — a
         month missing from either side counts as 0, so a dropped or invented month fails;
      2. per month, Σ spend over the monitored items does not exceed Σ det_item_fee_sumamt of
         all settled fee lines, and class_spend equals the staging total of the item class.
    Returns the failing rows with the check that failed.
#}
{{ config(severity='error') }}

with

mart as (

    select * from {{ ref('fct_key_item_month') }}

),

fee_lines as (

    select setl_id, hilist_code, list_type, cnt, det_item_fee_sumamt, inscp_amt
    from {{ ref('stg_fee_list_d') }}

),

settlements as (

    select
        setl_id,
        cast({{ dbt.date_trunc('month', 'setl_time') }} as date) as setl_month
    from {{ ref('stg_setl_d') }}

),

item_classes as (

    select hilist_code, item_class from {{ ref('dim_items') }}

),

settled_lines as (

    select
        fee_lines.hilist_code,
        coalesce(item_classes.item_class, 'other') as item_class,
        settlements.setl_month,
        fee_lines.cnt,
        fee_lines.det_item_fee_sumamt,
        fee_lines.inscp_amt
    from fee_lines
    inner join settlements
        on fee_lines.setl_id = settlements.setl_id
    left join item_classes
        on fee_lines.hilist_code = item_classes.hilist_code

),

staged_item_months as (

    select
        hilist_code,
        setl_month,
        {{ sum_money('det_item_fee_sumamt') }} as spend,
        {{ sum_money('inscp_amt') }}           as inscp_spend,
        {{ cast_qty('sum(cnt)') }}             as quantity
    from settled_lines
    where hilist_code in (select hilist_code from mart)
    group by hilist_code, setl_month

),

item_check as (

    select
        'item_month' as check_name,
        coalesce(mart.hilist_code, staged.hilist_code) as hilist_code,
        coalesce(mart.setl_month, staged.setl_month)   as setl_month,
        coalesce(mart.spend, 0)                        as mart_amount,
        coalesce(staged.spend, 0)                      as staged_amount,
        abs(coalesce(mart.spend, 0) - coalesce(staged.spend, 0))
            + abs(coalesce(mart.inscp_spend, 0) - coalesce(staged.inscp_spend, 0))
            + abs(coalesce(mart.quantity, 0) - coalesce(staged.quantity, 0)) as difference
    from mart
    full outer join staged_item_months as staged
        on mart.hilist_code = staged.hilist_code
        and mart.setl_month = staged.setl_month

),

staged_months as (

    select setl_month, {{ sum_money('det_item_fee_sumamt') }} as total_spend
    from settled_lines
    group by setl_month

),

mart_months as (

    select setl_month, {{ sum_money('spend') }} as monitored_spend
    from mart
    group by setl_month

),

month_check as (

    select
        'monitored_spend_within_total' as check_name,
        cast(null as {{ dbt.type_string() }}) as hilist_code,
        mart_months.setl_month,
        mart_months.monitored_spend   as mart_amount,
        staged_months.total_spend     as staged_amount,
        mart_months.monitored_spend - coalesce(staged_months.total_spend, 0) as difference
    from mart_months
    left join staged_months
        on mart_months.setl_month = staged_months.setl_month

),

staged_class_months as (

    select item_class, setl_month, {{ sum_money('det_item_fee_sumamt') }} as class_spend
    from settled_lines
    group by item_class, setl_month

),

class_check as (

    select distinct
        'class_spend' as check_name,
        mart.hilist_code,
        mart.setl_month,
        mart.class_spend               as mart_amount,
        staged.class_spend             as staged_amount,
        abs(coalesce(mart.class_spend, 0) - coalesce(staged.class_spend, 0)) as difference
    from mart
    left join staged_class_months as staged
        on mart.item_class = staged.item_class
        and mart.setl_month = staged.setl_month

)

select * from item_check where difference > 0.005
union all
select * from month_check where difference > 0.005
union all
select * from class_check where difference > 0.005
