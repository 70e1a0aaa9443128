-- 超疗程 (NHSA 两库 batch 6 限定支付疗程 for drugs, batch 8-3 医疗服务项目限支付疗程 for items): a drug
-- or item paid beyond its course length. A course is one person's run of charge days of the rule's
-- code in which no break is longer than course_gap_days (seed course_parameters), across visits and
-- institutions; a rule scoped per_inpatient_stay counts each visit on its own. The course day of a
-- charge is its day of use (the n-th distinct charge day), or for a 'total' scope (总时间) the
-- calendar day since the course began. Every line on a course day after max_days is a hit, its
-- whole in-scope amount suspect; related_bkkp_sn is the course's first line.
with

lines as (

    select * from {{ ref('int_rule_lines') }}

),

drug_course as (

    select * from {{ ref('rules_drug_course') }}

),

item_course as (

    select * from {{ ref('rules_item_course') }}

),

parameters as (

    select * from {{ ref('course_parameters') }}

),

rules as (

    select rule_id, 'drug_course' as rule_family, drug_code as code, max_days, course_scope
    from drug_course
    union all
    select rule_id, 'item_course', item_code, max_course_days, course_scope
    from item_course

),

ruled_lines as (

    select
        lines.*,
        rules.rule_id,
        rules.rule_family,
        rules.max_days,
        rules.course_scope,
        parameters.course_gap_days,
        case when rules.course_scope = 'per_inpatient_stay' then lines.mdtrt_id else '' end as scope_key
    from lines
    inner join rules
        on lines.hilist_code = rules.code
    inner join parameters
        on rules.rule_family = parameters.rule_family

),

charge_days as (

    select distinct rule_id, psn_no, scope_key, fee_date, course_gap_days
    from ruled_lines

),

course_starts as (

    select
        charge_days.*,
        case when {{ dbt.datediff(
                    'lag(fee_date) over (partition by rule_id, psn_no, scope_key order by fee_date)',
                    'fee_date', 'day') }} <= course_gap_days
             then 0 else 1 end as is_course_start
    from charge_days

),

courses as (

    select
        course_starts.*,
        sum(is_course_start) over (
            partition by rule_id, psn_no, scope_key
            order by fee_date
            rows between unbounded preceding and current row
        ) as course_no
    from course_starts

),

course_days as (

    select
        courses.*,
        min(fee_date) over (partition by rule_id, psn_no, scope_key, course_no) as course_start_date,
        row_number() over (partition by rule_id, psn_no, scope_key, course_no order by fee_date) as use_day
    from courses

),

numbered as (

    select
        ruled_lines.*,
        course_days.course_no,
        course_days.course_start_date,
        case when ruled_lines.course_scope = 'total'
             then {{ dbt.datediff('course_days.course_start_date', 'ruled_lines.fee_date', 'day') }} + 1
             else course_days.use_day end as course_day
    from ruled_lines
    inner join course_days
        on ruled_lines.rule_id = course_days.rule_id
       and ruled_lines.psn_no = course_days.psn_no
       and ruled_lines.scope_key = course_days.scope_key
       and ruled_lines.fee_date = course_days.fee_date

),

first_lines as (

    select rule_id, psn_no, scope_key, course_no, min(bkkp_sn) as first_bkkp_sn
    from numbered
    where fee_date = course_start_date
    group by rule_id, psn_no, scope_key, course_no

),

final as (

    select
        numbered.rule_id,
        numbered.rule_family,
        '明确'                                  as result_type,
        numbered.bkkp_sn,
        first_lines.first_bkkp_sn               as related_bkkp_sn,
        numbered.setl_id,
        numbered.mdtrt_id,
        numbered.psn_no,
        numbered.fixmedins_code,
        numbered.fee_date                       as hit_date,
        numbered.hilist_code,
        numbered.hilist_name,
        numbered.inscp_amt                      as suspect_amt,
        numbered.item_label || '本疗程自 ' || cast(numbered.course_start_date as {{ dbt.type_string() }})
            || ' 起，' || cast(numbered.fee_date as {{ dbt.type_string() }}) || ' 为第 '
            || cast(numbered.course_day as {{ dbt.type_string() }})
            || case when numbered.course_scope = 'total' then ' 天' else ' 个使用日' end
            || '，超过限定支付疗程 ' || cast(numbered.max_days as {{ dbt.type_string() }}) || ' 天'
            || case when numbered.course_scope = 'per_inpatient_stay' then '（按次住院）' else '' end
                                                as evidence_zh
    from numbered
    inner join first_lines
        on numbered.rule_id = first_lines.rule_id
       and numbered.psn_no = first_lines.psn_no
       and numbered.scope_key = first_lines.scope_key
       and numbered.course_no = first_lines.course_no
    where numbered.course_day > numbered.max_days

)

select * from final
