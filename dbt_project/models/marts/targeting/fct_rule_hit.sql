with

restricted as (

    select * from {{ ref('int_rule_hits_restricted') }}

),

repeat_charges as (

    select * from {{ ref('int_rule_hits_repeat') }}

),

frequency as (

    select * from {{ ref('int_rule_hits_frequency') }}

),

period as (

    select * from {{ ref('int_rule_hits_period') }}

),

insutype as (

    select * from {{ ref('int_rule_hits_insutype') }}

),

course as (

    select * from {{ ref('int_rule_hits_course') }}

),

secondary_operations as (

    select * from {{ ref('int_rule_hits_secondary') }}

),

behaviour as (

    select * from {{ ref('int_rule_hits_behaviour') }}

),

substitution as (

    select * from {{ ref('int_rule_hits_substitution') }}

),

families as (

    select * from {{ ref('rule_families') }}

),

hits as (

    select * from restricted
    union all
    select * from repeat_charges
    union all
    select * from frequency
    union all
    select * from period
    union all
    select * from insutype
    union all
    select * from course
    union all
    select * from secondary_operations
    union all
    select * from behaviour
    union all
    select * from substitution

),

final as (

    select
        hits.rule_id || ':' || coalesce(hits.bkkp_sn, hits.mdtrt_id)   as rule_hit_id,
        hits.rule_id,
        hits.rule_family,
        families.rule_family_zh,
        families.rule_category_zh,
        hits.result_type,
        hits.bkkp_sn,
        hits.related_bkkp_sn,
        hits.setl_id,
        hits.mdtrt_id,
        hits.psn_no,
        hits.fixmedins_code,
        hits.hit_date,
        hits.hilist_code,
        hits.hilist_name,
        cast(hits.suspect_amt as decimal(18, 2))                                    as suspect_amt,
        hits.evidence_zh

    from hits
    left join families
        on hits.rule_family = families.rule_family

)

select * from final
