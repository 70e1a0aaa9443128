-- Visit-level behaviour rules (domain.md §3.4) with their parameters from seeds/targeting/
-- behaviour_rules.csv: 分解住院, 挂床住院, 低标准入院, 住院期间门诊/购药, 同人同日多机构, 死亡后结算,
-- 超量开药. One row per offending visit × rule; the visit's medical total is the suspect amount,
-- except for 超量开药: the in-scope amount of the supply above the tolerance.
with

all_visits as (

    select * from {{ ref('int_visits') }}

),

-- claims: only a settled visit (net of refunds) can be a hit
visits as (

    select * from all_visits where is_settled

),

persons as (

    select psn_no, die_date from {{ ref('stg_psn_info_b') }}

),

fee_lines as (

    select mdtrt_id, fee_category, det_item_fee_sumamt from {{ ref('int_fee_lines') }}
    where not is_refund

),

settlements as (

    select mdtrt_id, setl_id, setl_time from {{ ref('int_settlements') }}
    where not is_refund

),

rules as (

    select * from {{ ref('behaviour_rules') }}

),

mild_diagnoses as (

    select * from {{ ref('mild_diagnoses') }}

),

days_supply as (

    select * from {{ ref('drug_days_supply') }}

),

-- take-home dispensing of the drugs with a days-of-supply figure (a stay's drugs are given on the ward)
purchases as (

    select
        lines.bkkp_sn,
        lines.mdtrt_id,
        lines.psn_no,
        lines.fee_ocur_time,
        lines.fee_date,
        lines.hilist_code,
        lines.hilist_name,
        lines.item_label,
        lines.cnt,
        lines.inscp_amt,
        days_supply.unit_zh,
        days_supply.days_per_unit,
        lines.cnt * days_supply.days_per_unit  as supply_days
    from {{ ref('int_rule_lines') }} as lines
    inner join days_supply
        on lines.hilist_code = days_supply.drug_code
    where not lines.is_inpatient

),

first_settlement as (

    select mdtrt_id, setl_id
    from (
        select
            mdtrt_id,
            setl_id,
            row_number() over (partition by mdtrt_id order by setl_time, setl_id) as setl_rank
        from settlements
    ) ranked
    where setl_rank = 1

),

-- every recorded stay, settled or not, shows the person was in hospital
stays as (

    select * from all_visits where is_inpatient

),

-- 分解住院: the readmission is the hit, the previous stay its evidence
readmissions as (

    select
        stays.*,
        lag(enddate) over (partition by psn_no, fixmedins_code order by begntime, mdtrt_id)   as previous_enddate,
        lag(dscg_maindiag_code) over (partition by psn_no, fixmedins_code order by begntime, mdtrt_id)
                                                                                            as previous_diag
    from stays

),

split_admissions as (

    select
        readmissions.*,
        rules.rule_id,
        rules.rule_family,
        rules.result_type,
        '出院后 ' || cast({{ dbt.datediff('previous_enddate', 'begndate', 'day') }} as {{ dbt.type_string() }})
            || ' 天再次入院（同一机构，主诊断同类 ' || substring(dscg_maindiag_code, 1, 3) || '），规则：'
            || cast(rules.window_days as {{ dbt.type_string() }}) || ' 天内'        as evidence_zh
    from readmissions
    inner join rules
        on rules.rule_family = 'split_admission'
    where readmissions.is_settled
      and previous_enddate is not null
      and {{ dbt.datediff('previous_enddate', 'begndate', 'day') }} between 0 and rules.window_days
      and substring(dscg_maindiag_code, 1, 3) = substring(previous_diag, 1, 3)

),

-- 挂床住院: nothing billed but bed, nursing and 诊查; 低标准入院: mostly 检查 and 化验
stay_fee_mix as (

    select
        mdtrt_id,
        sum(case when fee_category in ('bed', 'nursing', 'consultation') then 0 else 1 end) as other_lines,
        sum(case when fee_category in ('exam', 'lab') then det_item_fee_sumamt else 0 end) as exam_lab_amt,
        sum(det_item_fee_sumamt)                                                           as fee_amt
    from fee_lines
    group by mdtrt_id

),

ghost_beds as (

    select
        stays.*,
        rules.rule_id,
        rules.rule_family,
        rules.result_type,
        '住院 ' || cast(stays.los_days as {{ dbt.type_string() }})
            || ' 天仅收取床位费、护理费和诊查费，无药品、检查、检验或治疗'          as evidence_zh
    from stays
    inner join stay_fee_mix
        on stays.mdtrt_id = stay_fee_mix.mdtrt_id
    inner join rules
        on rules.rule_family = 'ghost_bed'
    where stays.is_settled
      and stay_fee_mix.other_lines = 0
      and stays.los_days >= rules.min_days

),

low_standard_admissions as (

    select
        stays.*,
        rules.rule_id,
        rules.rule_family,
        rules.result_type,
        '住院 ' || cast(stays.los_days as {{ dbt.type_string() }}) || ' 天，主诊断 '
            || stays.dscg_maindiag_code || '（' || mild_diagnoses.diag_category_name || '，轻症）；检查化验费占 '
            || cast(cast(100 * stay_fee_mix.exam_lab_amt / stay_fee_mix.fee_amt as decimal(5, 1)) as {{ dbt.type_string() }})
            || '%（规则：住院 ≤ ' || cast(rules.max_days as {{ dbt.type_string() }}) || ' 天且 ≥ '
            || cast(cast(100 * rules.min_exam_lab_share as {{ dbt.type_int() }}) as {{ dbt.type_string() }}) || '%）'
                                                                                    as evidence_zh
    from stays
    inner join stay_fee_mix
        on stays.mdtrt_id = stay_fee_mix.mdtrt_id
    inner join mild_diagnoses
        on substring(stays.dscg_maindiag_code, 1, 3) = mild_diagnoses.diag_category
    inner join rules
        on rules.rule_family = 'low_standard_admission'
    where stays.is_settled
      and stays.los_days <= rules.max_days
      and stay_fee_mix.fee_amt > 0
      and stay_fee_mix.exam_lab_amt >= rules.min_exam_lab_share * stay_fee_mix.fee_amt

),

-- 超量开药: days of supply of one drug bought by the person in the window ending with each purchase
window_supply as (

    select
        purchases.bkkp_sn,
        sum(earlier.supply_days) as window_supply_days
    from purchases
    inner join rules
        on rules.rule_family = 'pharmacy_hoarding'
    inner join purchases as earlier
        on earlier.psn_no = purchases.psn_no
       and earlier.hilist_code = purchases.hilist_code
       and {{ dbt.datediff('earlier.fee_date', 'purchases.fee_date', 'day') }} between 0 and rules.window_days - 1
       and (earlier.fee_ocur_time < purchases.fee_ocur_time
            or (earlier.fee_ocur_time = purchases.fee_ocur_time and earlier.bkkp_sn <= purchases.bkkp_sn))
    group by purchases.bkkp_sn

),

-- the purchases that push the supply over window × tolerance, with the part of each above it
over_supplied_lines as (

    select
        purchases.*,
        window_supply.window_supply_days,
        rules.rule_id,
        rules.rule_family,
        rules.result_type,
        rules.window_days,
        rules.tolerance,
        window_supply.window_supply_days - rules.window_days * rules.tolerance    as excess_days
    from purchases
    inner join window_supply
        on purchases.bkkp_sn = window_supply.bkkp_sn
    inner join rules
        on rules.rule_family = 'pharmacy_hoarding'
    where window_supply.window_supply_days > rules.window_days * rules.tolerance

),

over_supplied_ranked as (

    select
        over_supplied_lines.*,
        cast(sum(inscp_amt * (case when excess_days < supply_days then excess_days else supply_days end)
                 / supply_days) over (partition by mdtrt_id) as {{ dbt.type_numeric() }})  as visit_suspect_amt,
        row_number() over (partition by mdtrt_id order by excess_days desc, bkkp_sn)  as line_rank
    from over_supplied_lines

),

over_supplies as (

    select
        visits.mdtrt_id,
        visits.psn_no,
        visits.fixmedins_code,
        visits.begndate,
        lines.rule_id,
        lines.rule_family,
        lines.result_type,
        lines.visit_suspect_amt                 as suspect_amt,
        lines.bkkp_sn                           as related_bkkp_sn,
        lines.hilist_code,
        lines.hilist_name,
        lines.item_label || ' 近 ' || cast(lines.window_days as {{ dbt.type_string() }}) || ' 天累计购药 '
            || cast(cast(lines.window_supply_days as decimal(12, 1)) as {{ dbt.type_string() }})
            || ' 天用量（本次 ' || cast(cast(lines.cnt as decimal(12, 2)) as {{ dbt.type_string() }}) || ' '
            || lines.unit_zh || '，每' || lines.unit_zh || ' '
            || cast(cast(lines.days_per_unit as decimal(9, 1)) as {{ dbt.type_string() }}) || ' 天），超过 '
            || cast(cast(lines.window_days * lines.tolerance as decimal(9, 1)) as {{ dbt.type_string() }})
            || ' 天（' || cast(lines.window_days as {{ dbt.type_string() }}) || ' 天 × '
            || cast(cast(lines.tolerance as decimal(5, 2)) as {{ dbt.type_string() }}) || '）'   as evidence_zh
    from over_supplied_ranked as lines
    inner join visits
        on lines.mdtrt_id = visits.mdtrt_id
    where lines.line_rank = 1

),

-- 住院期间门诊/购药: the non-inpatient visit is the hit
during_stays as (

    select
        visits.*,
        rules.rule_id,
        rules.rule_family,
        rules.result_type,
        '住院期间（' || cast(stays.begndate as {{ dbt.type_string() }}) || ' 至 '
            || cast(stays.enddate as {{ dbt.type_string() }}) || '，' || stays.fixmedins_code
            || '）在 ' || visits.fixmedins_code || ' 门诊或购药结算'                as evidence_zh,
        row_number() over (partition by visits.mdtrt_id order by stays.begntime, stays.mdtrt_id) as stay_rank
    from visits
    inner join stays
        on visits.psn_no = stays.psn_no
       and visits.begntime > stays.begntime
       and visits.begntime < stays.endtime
    inner join rules
        on rules.rule_family = 'outpatient_during_stay'
    where not visits.is_inpatient

),

-- 同人同日多机构: every visit of the day is a hit
institutions_per_day as (

    select psn_no, begndate, count(distinct fixmedins_code) as institutions
    from visits
    group by psn_no, begndate

),

multi_institution_days as (

    select
        visits.*,
        rules.rule_id,
        rules.rule_family,
        rules.result_type,
        '同日在 ' || cast(institutions_per_day.institutions as {{ dbt.type_string() }})
            || ' 家机构就诊或购药（规则：≥ ' || cast(rules.min_institutions as {{ dbt.type_string() }})
            || ' 家）'                                                               as evidence_zh
    from visits
    inner join institutions_per_day
        on visits.psn_no = institutions_per_day.psn_no
       and visits.begndate = institutions_per_day.begndate
    inner join rules
        on rules.rule_family = 'same_day_multi_institution'
    where institutions_per_day.institutions >= rules.min_institutions

),

after_death as (

    select
        visits.*,
        rules.rule_id,
        rules.rule_family,
        rules.result_type,
        '参保人已于 ' || cast(persons.die_date as {{ dbt.type_string() }}) || ' 死亡，'
            || cast(visits.begndate as {{ dbt.type_string() }}) || ' 仍发生就诊结算'   as evidence_zh
    from visits
    inner join persons
        on visits.psn_no = persons.psn_no
    inner join rules
        on rules.rule_family = 'claim_after_death'
    where visits.begndate > persons.die_date

),

{% set hit_columns = 'mdtrt_id, psn_no, fixmedins_code, begndate, rule_id, rule_family, result_type, evidence_zh' %}
{% set visit_total = 'medfee_sumamt as suspect_amt, cast(null as ' ~ dbt.type_string() ~ ') as related_bkkp_sn, '
    ~ 'cast(null as ' ~ dbt.type_string() ~ ') as hilist_code, cast(null as ' ~ dbt.type_string() ~ ') as hilist_name' %}
hits as (

    select {{ hit_columns }}, {{ visit_total }} from split_admissions
    union all
    select {{ hit_columns }}, {{ visit_total }} from ghost_beds
    union all
    select {{ hit_columns }}, {{ visit_total }} from low_standard_admissions
    union all
    select {{ hit_columns }}, {{ visit_total }} from during_stays where stay_rank = 1
    union all
    select {{ hit_columns }}, {{ visit_total }} from multi_institution_days
    union all
    select {{ hit_columns }}, {{ visit_total }} from after_death
    union all
    select {{ hit_columns }}, suspect_amt, related_bkkp_sn, hilist_code, hilist_name from over_supplies

),

final as (

    select
        hits.rule_id,
        hits.rule_family,
        hits.result_type,
        cast(null as {{ dbt.type_string() }})   as bkkp_sn,
        hits.related_bkkp_sn,
        first_settlement.setl_id,
        hits.mdtrt_id,
        hits.psn_no,
        hits.fixmedins_code,
        hits.begndate                           as hit_date,
        hits.hilist_code,
        hits.hilist_name,
        hits.suspect_amt,
        hits.evidence_zh
    from hits
    left join first_settlement
        on hits.mdtrt_id = first_settlement.mdtrt_id

)

select * from final
