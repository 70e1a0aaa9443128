-- Visit-level behaviour rules (domain.md §3.4) with their parameters from seeds/targeting/
-- behaviour_rules.csv: 分解住院, 挂床住院, 住院期间门诊/购药, 同人同日多机构, 死亡后结算.
-- One row per offending visit × rule; the visit's medical total is the suspect amount.
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

    select mdtrt_id, fee_category from {{ ref('int_fee_lines') }}
    where not is_refund

),

settlements as (

    select mdtrt_id, setl_id, setl_time from {{ ref('int_settlements') }}
    where not is_refund

),

rules as (

    select * from {{ ref('behaviour_rules') }}

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

-- 挂床住院: nothing billed but bed, nursing and 诊查
stay_fee_mix as (

    select
        mdtrt_id,
        sum(case when fee_category in ('bed', 'nursing', 'consultation') then 0 else 1 end) as other_lines
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

{% set hit_columns = 'mdtrt_id, psn_no, fixmedins_code, begndate, medfee_sumamt, rule_id, rule_family, result_type, evidence_zh' %}
hits as (

    select {{ hit_columns }} from split_admissions
    union all
    select {{ hit_columns }} from ghost_beds
    union all
    select {{ hit_columns }} from during_stays where stay_rank = 1
    union all
    select {{ hit_columns }} from multi_institution_days
    union all
    select {{ hit_columns }} from after_death

),

final as (

    select
        hits.rule_id,
        hits.rule_family,
        hits.result_type,
        cast(null as {{ dbt.type_string() }})   as bkkp_sn,
        cast(null as {{ dbt.type_string() }})   as related_bkkp_sn,
        first_settlement.setl_id,
        hits.mdtrt_id,
        hits.psn_no,
        hits.fixmedins_code,
        hits.begndate                           as hit_date,
        cast(null as {{ dbt.type_string() }})   as hilist_code,
        cast(null as {{ dbt.type_string() }})   as hilist_name,
        hits.medfee_sumamt                      as suspect_amt,
        hits.evidence_zh
    from hits
    left join first_settlement
        on hits.mdtrt_id = first_settlement.mdtrt_id

)

select * from final
