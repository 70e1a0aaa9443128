{%- set amounts = [
    'medfee_sumamt', 'fulamt_ownpay_amt', 'overlmt_selfpay', 'preselfpay_amt', 'inscp_amt',
    'hifp_pay', 'cvlserv_pay', 'hifes_pay', 'hifmi_pay', 'hifob_pay', 'hifdm_pay', 'maf_pay',
    'othfund_pay', 'fund_pay_sumamt', 'psn_pay', 'acct_pay', 'cash_payamt',
] -%}

with

visits as (

    select * from {{ ref('stg_mdtrt_d') }}

),

settlements as (

    select * from {{ ref('stg_setl_d') }}

),

institutions as (

    select * from {{ ref('stg_fixmedins_b') }}

),

med_type_groups as (

    select * from {{ ref('med_type_groups') }}

),

thresholds as (

    select * from {{ ref('thresholds') }}

),

-- net amounts per visit, aggregated before any join (refund rows are negative)
settlement_totals as (

    select
        mdtrt_id,
        cast(sum(setl_cnt) as {{ dbt.type_bigint() }})  as net_setl_cnt,
        cast(count(*) as {{ dbt.type_bigint() }})       as setl_rows,
        cast(sum(case when is_refund then 1 else 0 end) as {{ dbt.type_bigint() }})
                                                        as refund_rows,
        min(setl_time)                                  as first_setl_time,
        max(setl_time)                                  as last_setl_time,
        {%- for amount in amounts %}
        {{ sum_money(amount) }} as {{ amount }}{% if not loop.last %},{% endif %}
        {%- endfor %}

    from settlements
    group by mdtrt_id

),

-- one row whatever the seed holds; assert_required_thresholds_present checks the value exists
los_policy as (

    select
        max(case when name = 'min_los_days' then cast(value as {{ dbt.type_int() }}) end)
            as min_los_days
    from thresholds

),

visit_days as (

    select
        visits.*,
        cast(visits.begntime as date)                   as begndate,
        cast(visits.endtime as date)                    as enddate,
        coalesce(med_type_groups.visit_type, 'other')   as visit_type,
        coalesce(med_type_groups.visit_type_zh, '其他') as visit_type_zh,
        coalesce(med_type_groups.is_inpatient, false)   as is_inpatient,
        coalesce(med_type_groups.is_emergency, false)   as is_emergency

    from visits
    left join med_type_groups
        on visits.med_type = med_type_groups.med_type

),

length_of_stay as (

    select
        visit_days.*,
        case
            when visit_days.is_inpatient and visit_days.enddate is not null
                then cast(greatest(
                    {{ dbt.datediff('visit_days.begndate', 'visit_days.enddate', 'day') }},
                    los_policy.min_los_days
                ) as {{ dbt.type_int() }})
        end                                                             as los_days,
        visit_days.is_inpatient
            and visit_days.endtime is not null
            and coalesce(visit_days.inhosp_stas, '0') <> '1'            as is_discharged

    from visit_days
    cross join los_policy

),

final as (

    select
        -- visit
        length_of_stay.mdtrt_id,
        length_of_stay.psn_no,
        length_of_stay.ipt_otp_no,
        length_of_stay.med_type,
        length_of_stay.visit_type,
        length_of_stay.visit_type_zh,
        length_of_stay.is_inpatient,
        length_of_stay.is_emergency,
        length_of_stay.begntime,
        length_of_stay.endtime,
        length_of_stay.begndate,
        length_of_stay.enddate,
        cast({{ dbt.date_trunc('month', 'length_of_stay.begndate') }} as date) as begin_month,
        cast({{ dbt.date_trunc('month', 'length_of_stay.enddate') }} as date)   as end_month,
        length_of_stay.los_days,
        length_of_stay.is_discharged,
        length_of_stay.adm_dept_codg,
        length_of_stay.adm_dept_name,
        length_of_stay.chfpdr_code,
        length_of_stay.dscg_maindiag_code,
        length_of_stay.dscg_maindiag_name,
        length_of_stay.dscg_way,
        length_of_stay.die_date,

        -- person and scheme at the visit
        length_of_stay.gend,
        length_of_stay.brdy,
        length_of_stay.age,
        length_of_stay.insutype,
        length_of_stay.psn_type,
        length_of_stay.insu_admdvs,

        -- institution
        length_of_stay.pay_loc,
        length_of_stay.fixmedins_code,
        coalesce(institutions.fixmedins_name, length_of_stay.fixmedins_name) as fixmedins_name,
        length_of_stay.hosp_lv,
        institutions.hosp_lv                        as fixmedins_hosp_lv,
        institutions.fixmedins_type,
        institutions.medins_type,
        institutions.admdvs                         as fixmedins_admdvs,
        institutions.grst_hosp_flag,
        institutions.aprv_bed_cnt,

        -- settlements, net of refunds
        coalesce(settlement_totals.net_setl_cnt, 0) as net_setl_cnt,
        coalesce(settlement_totals.setl_rows, 0)    as setl_rows,
        coalesce(settlement_totals.refund_rows, 0)  as refund_rows,
        coalesce(settlement_totals.net_setl_cnt, 0) > 0 as is_settled,
        settlement_totals.first_setl_time,
        settlement_totals.last_setl_time,
        {%- for amount in amounts %}
        coalesce(settlement_totals.{{ amount }}, {{ cast_money('0') }}) as {{ amount }}{% if not loop.last %},{% endif %}
        {%- endfor %}

    from length_of_stay
    left join settlement_totals
        on length_of_stay.mdtrt_id = settlement_totals.mdtrt_id
    left join institutions
        on length_of_stay.fixmedins_code = institutions.fixmedins_code

)

select * from final
