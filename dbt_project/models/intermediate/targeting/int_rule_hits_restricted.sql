-- 超支付范围: drugs and items restricted by sex, age, institution level or visit type (NHSA 两库
-- batches 1, 4, 5). One row per violating line × rule; the whole in-scope amount is suspect.
with

lines as (

    select * from {{ ref('int_rule_lines') }}

),

drug_sex as (select * from {{ ref('rules_drug_sex') }}),
item_sex as (select * from {{ ref('rules_item_sex') }}),
drug_age as (select * from {{ ref('rules_drug_age') }}),
item_age as (select * from {{ ref('rules_item_age') }}),
drug_level as (select * from {{ ref('rules_drug_institution_level') }}),
drug_visit as (select * from {{ ref('rules_drug_visit_type') }}),

sex_rules as (

    select rule_id, 'drug_sex' as rule_family, drug_code as code, gend_code, restriction_zh, '药品' as kind_zh
    from drug_sex
    union all
    select rule_id, 'item_sex', item_code, gend_code, restriction_zh, '项目'
    from item_sex

),

age_rules as (

    select rule_id, 'drug_age' as rule_family, drug_code as code, age_min_years, age_max_years, age_max_days,
           restriction_zh, '药品' as kind_zh
    from drug_age
    union all
    select rule_id, 'item_age', item_code, age_min_years, age_max_years, age_max_days, restriction_zh, '项目'
    from item_age

),

sex_hits as (

    select
        sex_rules.rule_id,
        sex_rules.rule_family,
        lines.*,
        case when lines.gend = '1' then '男性' else '女性' end
            || '患者使用限' || sex_rules.restriction_zh || '性' || sex_rules.kind_zh
            || ' ' || lines.item_label   as evidence_zh
    from lines
    inner join sex_rules
        on lines.hilist_code = sex_rules.code
    where lines.gend in ('1', '2')
      and lines.gend <> sex_rules.gend_code

),

age_hits as (

    select
        age_rules.rule_id,
        age_rules.rule_family,
        lines.*,
        cast(floor({{ dbt.datediff('lines.brdy', 'lines.fee_date', 'day') }} / 365.25) as {{ dbt.type_int() }})
            || '岁患者使用限' || age_rules.restriction_zh || age_rules.kind_zh
            || ' ' || lines.item_label   as evidence_zh
    from lines
    inner join age_rules
        on lines.hilist_code = age_rules.code
    where lines.brdy is not null
      and (
            -- age limits are whole years: the upper one exclusive (儿童 = under 18)
            (age_rules.age_max_years is not null
                and lines.fee_date >= {{ dbt.dateadd('year', 'age_rules.age_max_years', 'lines.brdy') }})
         or (age_rules.age_min_years is not null
                and lines.fee_date < {{ dbt.dateadd('year', 'age_rules.age_min_years', 'lines.brdy') }})
         or (age_rules.age_max_days is not null
                and lines.fee_date >= {{ dbt.dateadd('day', 'age_rules.age_max_days', 'lines.brdy') }})
      )

),

level_hits as (

    select
        drug_level.rule_id,
        'drug_institution_level' as rule_family,
        lines.*,
        lines.level_grade_zh || '机构使用限' || drug_level.restriction_zh || '及以上医疗机构药品 '
            || lines.item_label          as evidence_zh
    from lines
    inner join drug_level
        on lines.hilist_code = drug_level.drug_code
    where lines.level_grade < drug_level.min_hosp_grade

),

visit_hits as (

    select
        drug_visit.rule_id,
        'drug_visit_type' as rule_family,
        lines.*,
        case when lines.is_emergency then '急诊' else '门诊/购药' end
            || '结算限' || drug_visit.restriction_zh || '使用的药品 '
            || lines.item_label          as evidence_zh
    from lines
    inner join drug_visit
        on lines.hilist_code = drug_visit.drug_code
    where not lines.is_inpatient
      and not (drug_visit.allowed_visit_type = 'emergency_or_inpatient' and lines.is_emergency)

),

all_hits as (

    select * from sex_hits
    union all
    select * from age_hits
    union all
    select * from level_hits
    union all
    select * from visit_hits

),

final as (

    select
        rule_id,
        rule_family,
        '明确'                                  as result_type,
        bkkp_sn,
        cast(null as {{ dbt.type_string() }})   as related_bkkp_sn,
        setl_id,
        mdtrt_id,
        psn_no,
        fixmedins_code,
        fee_date                                as hit_date,
        hilist_code,
        hilist_name,
        inscp_amt                               as suspect_amt,
        evidence_zh
    from all_hits

)

select * from final
