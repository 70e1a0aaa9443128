{#
    A settlement's medfee_sumamt equals the sum of its fee lines (det_item_fee_sumamt), to the
    fen. Only settlements with at least one fee line are checked: settlements without detail
    (manual reimbursement, detail not delivered) have nothing to compare with.
    Fee lines are summed per setl_id first, then joined (no fan-out).
#}
{{ config(severity='error') }}

with

settlements as (

    select setl_id, medfee_sumamt from {{ ref('stg_setl_d') }}

),

fee_totals as (

    select
        setl_id,
        {{ sum_money('det_item_fee_sumamt') }} as fee_lines_sumamt,
        count(*) as fee_lines
    from {{ ref('stg_fee_list_d') }}
    where setl_id is not null
    group by setl_id

),

compared as (

    select
        settlements.setl_id,
        settlements.medfee_sumamt,
        fee_totals.fee_lines_sumamt,
        fee_totals.fee_lines,
        settlements.medfee_sumamt - fee_totals.fee_lines_sumamt as difference
    from settlements
    inner join fee_totals on settlements.setl_id = fee_totals.setl_id

)

select * from compared
where abs(difference) > 0.005
