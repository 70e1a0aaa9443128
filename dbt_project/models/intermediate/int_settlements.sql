{#-
    One row per valid settlement (refund rows included, negative): the base every mart
    aggregates. Amounts come from stg_setl_d; fee-category totals are summed from the fee lines
    per setl_id first and joined 1:1, so nothing is multiplied by a fan-out.
-#}
{%- set amounts = [
    'medfee_sumamt', 'fulamt_ownpay_amt', 'overlmt_selfpay', 'preselfpay_amt', 'inscp_amt',
    'hifp_pay', 'cvlserv_pay', 'hifes_pay', 'hifmi_pay', 'hifob_pay', 'hifdm_pay', 'maf_pay',
    'othfund_pay', 'fund_pay_sumamt', 'psn_pay', 'acct_pay', 'cash_payamt',
] -%}
{%- set categories = ['drug', 'consumable', 'exam', 'lab'] -%}

with

settlements as (

    select * from {{ ref('stg_setl_d') }}

),

visits as (

    select mdtrt_id, los_days, is_discharged from {{ ref('int_visits') }}

),

fee_lines as (

    select * from {{ ref('int_fee_lines') }}

),

med_type_groups as (

    select * from {{ ref('med_type_groups') }}

),

-- fee-category totals per settlement (refund lines are negative and carry the refund's setl_id)
fee_totals as (

    select
        setl_id,
        {%- for category in categories %}
        {{ sum_money("case when fee_category = '" ~ category ~ "' then det_item_fee_sumamt else 0 end") }}
            as {{ category }}_amt,
        {%- endfor %}
        {{ sum_money('det_item_fee_sumamt') }} as fee_lines_amt

    from fee_lines
    where setl_id is not null
    group by setl_id

),

final as (

    select
        settlements.setl_id,
        settlements.mdtrt_id,
        settlements.init_setl_id,
        settlements.psn_no,
        settlements.is_refund,
        settlements.setl_cnt,
        settlements.setl_time,
        cast(settlements.setl_time as date)                                  as setl_date,
        cast({{ dbt.date_trunc('month', 'settlements.setl_time') }} as date) as setl_month,

        -- person and scheme
        settlements.insutype,
        case when settlements.insutype in ('310', '320', '330', '340') then 'employee'
             when settlements.insutype in ('390', '391', '392', '380') then 'resident'
             else 'other' end                                                as scheme,
        settlements.psn_type,
        settlements.psn_type like '12%' or settlements.psn_type like '13%'   as is_retired,
        settlements.gend,
        settlements.age,
        settlements.insu_admdvs,

        -- institution and visit
        settlements.fixmedins_code,
        settlements.pay_loc,
        settlements.pay_loc in ('3', '4')                                    as is_out_of_area,
        settlements.med_type,
        coalesce(med_type_groups.visit_type, 'other')                        as visit_type,
        coalesce(med_type_groups.is_inpatient, false)                        as is_inpatient,
        case when settlements.pay_loc in ('3', '4') then 'out_of_area'
             when coalesce(med_type_groups.is_inpatient, false) then 'inpatient'
             when med_type_groups.visit_type = 'pharmacy' then 'pharmacy'
             else 'outpatient' end                                           as expense_category,
        settlements.begndate,
        settlements.enddate,
        visits.los_days,
        coalesce(visits.is_discharged, false)                                as is_discharged,

        -- amounts (negative on refund rows)
        {%- for amount in amounts %}
        settlements.{{ amount }},
        {%- endfor %}
        {%- for category in categories %}
        coalesce(fee_totals.{{ category }}_amt, {{ cast_money('0') }})       as {{ category }}_amt,
        {%- endfor %}
        fee_totals.fee_lines_amt

    from settlements
    left join visits
        on settlements.mdtrt_id = visits.mdtrt_id
    left join med_type_groups
        on settlements.med_type = med_type_groups.med_type
    left join fee_totals
        on settlements.setl_id = fee_totals.setl_id

)

select * from final
