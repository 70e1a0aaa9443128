-- Charged fee lines of the items some 两库 rule or the 超量开药 / 串换 seeds name, net of their
-- refunds (a refunded and re-billed line counts once), with the patient and visit attributes the
-- rules test. Keeping only ruled items makes this a small share of int_fee_lines, so every rule
-- model scans little.
with

ruled_codes as (

    select drug_code as code from {{ ref('rules_drug_sex') }}
    union
    select item_code from {{ ref('rules_item_sex') }}
    union
    select drug_code from {{ ref('rules_drug_age') }}
    union
    select item_code from {{ ref('rules_item_age') }}
    union
    select drug_code from {{ ref('rules_drug_institution_level') }}
    union
    select drug_code from {{ ref('rules_drug_visit_type') }}
    union
    select main_item_code from {{ ref('rules_item_repeat_pairs') }}
    union
    select secondary_item_code from {{ ref('rules_item_repeat_pairs') }}
    union
    select item_code from {{ ref('rules_item_frequency') }}
    union
    select item_code from {{ ref('rules_item_period') }}
    union
    select drug_code from {{ ref('drug_days_supply') }}
    union
    select low_code from {{ ref('substitution_groups') }}
    union
    select high_code from {{ ref('substitution_groups') }}
    union
    select drug_code from {{ ref('rules_drug_insutype') }}
    union
    select drug_code from {{ ref('rules_drug_course') }}
    union
    select item_code from {{ ref('rules_item_course') }}
    union
    select item_code from {{ ref('rules_item_primary_secondary') }}

),

all_lines as (

    select * from {{ ref('int_fee_lines') }}
    where hilist_code in (select code from ruled_codes)

),

refunds as (

    select
        init_feedetl_sn,
        sum(cnt)        as refunded_cnt,
        sum(inscp_amt)  as refunded_inscp_amt,
        sum(det_item_fee_sumamt) as refunded_det_amt
    from all_lines
    where is_refund
    group by init_feedetl_sn

),

fee_lines as (

    select
        all_lines.*,
        all_lines.cnt + coalesce(refunds.refunded_cnt, 0)              as net_cnt,
        all_lines.inscp_amt + coalesce(refunds.refunded_inscp_amt, 0)  as net_inscp_amt,
        all_lines.det_item_fee_sumamt + coalesce(refunds.refunded_det_amt, 0) as net_det_amt
    from all_lines
    left join refunds
        on all_lines.bkkp_sn = refunds.init_feedetl_sn
    where not all_lines.is_refund

),

visits as (

    select mdtrt_id, is_inpatient, is_emergency, visit_type, fixmedins_hosp_lv
    from {{ ref('int_visits') }}

),

persons as (

    select psn_no, gend, brdy from {{ ref('stg_psn_info_b') }}

),

grades as (

    select hosp_lv, level_grade, level_grade_zh from {{ ref('hosp_lv_grades') }}

),

final as (

    select
        fee_lines.bkkp_sn,
        fee_lines.setl_id,
        fee_lines.mdtrt_id,
        fee_lines.psn_no,
        fee_lines.fixmedins_code,
        fee_lines.fee_ocur_time,
        fee_lines.fee_date,
        fee_lines.hilist_code,
        fee_lines.hilist_name,
        coalesce(fee_lines.hilist_name, '') || '（' || fee_lines.hilist_code || '）'  as item_label,
        fee_lines.net_cnt           as cnt,
        fee_lines.pric,
        fee_lines.net_inscp_amt     as inscp_amt,
        fee_lines.net_det_amt       as det_item_fee_sumamt,
        persons.gend,
        persons.brdy,
        coalesce(visits.is_inpatient, false)        as is_inpatient,
        coalesce(visits.is_emergency, false)        as is_emergency,
        visits.visit_type,
        coalesce(grades.level_grade, 0)             as level_grade,
        coalesce(grades.level_grade_zh, '无等级')   as level_grade_zh

    from fee_lines
    left join visits
        on fee_lines.mdtrt_id = visits.mdtrt_id
    left join persons
        on fee_lines.psn_no = persons.psn_no
    left join grades
        on visits.fixmedins_hosp_lv = grades.hosp_lv
    where fee_lines.net_cnt > 0

)

select * from final
