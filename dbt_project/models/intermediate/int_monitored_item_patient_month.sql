{#-
    Monitored items (int_monitored_items) per settlement month × institution × patient: net
    spend, in-scope spend and quantity. Netting per patient first lets the marts count a
    patient (or institution) only when the net quantity is positive, so a refunded purchase
    is not a use. Fee lines count in the month of their settlement, like int_item_month.
-#}

with

fee_lines as (

    select setl_id, hilist_code, fixmedins_code, psn_no, cnt, det_item_fee_sumamt, inscp_amt
    from {{ ref('int_fee_lines') }}
    where setl_id is not null

),

settlements as (

    select setl_id, setl_month from {{ ref('int_settlements') }}

),

monitored as (

    select hilist_code from {{ ref('int_monitored_items') }}

),

final as (

    select
        fee_lines.hilist_code,
        settlements.setl_month,
        fee_lines.fixmedins_code,
        fee_lines.psn_no,
        {{ sum_money('fee_lines.det_item_fee_sumamt') }} as spend,
        {{ sum_money('fee_lines.inscp_amt') }}           as inscp_spend,
        {{ cast_qty('sum(fee_lines.cnt)') }}             as quantity
    from fee_lines
    inner join settlements
        on fee_lines.setl_id = settlements.setl_id
    inner join monitored
        on fee_lines.hilist_code = monitored.hilist_code
    group by fee_lines.hilist_code, settlements.setl_month, fee_lines.fixmedins_code, fee_lines.psn_no

)

select * from final
