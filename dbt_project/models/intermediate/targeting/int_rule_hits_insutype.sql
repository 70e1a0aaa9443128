-- 超险种 (NHSA 两库 batch 3, 限定保险类型): a drug payable only by 工伤 or 生育 insurance, billed in a
-- settlement of an insurance type the rule lists as not paying it (职工/居民 医保). One row per line ×
-- rule; the whole in-scope amount is suspect.
with

lines as (

    select * from {{ ref('int_rule_lines') }}

),

rules as (

    select * from {{ ref('rules_drug_insutype') }}

),

settlements as (

    select setl_id, insutype from {{ ref('int_settlements') }}

),

insutype_names as (

    select code as insutype, name as insutype_name
    from {{ ref('dictionaries') }}
    where dic_type_code = 'insutype'

),

ruled_lines as (

    select lines.*, rules.rule_id, rules.restriction_zh, rules.not_payable_insutype_codes
    from lines
    inner join rules
        on lines.hilist_code = rules.drug_code

),

final as (

    select
        ruled_lines.rule_id,
        'drug_insutype'                         as rule_family,
        '明确'                                  as result_type,
        ruled_lines.bkkp_sn,
        cast(null as {{ dbt.type_string() }})   as related_bkkp_sn,
        ruled_lines.setl_id,
        ruled_lines.mdtrt_id,
        ruled_lines.psn_no,
        ruled_lines.fixmedins_code,
        ruled_lines.fee_date                    as hit_date,
        ruled_lines.hilist_code,
        ruled_lines.hilist_name,
        ruled_lines.inscp_amt                   as suspect_amt,
        coalesce(insutype_names.insutype_name, '险种') || '（' || settlements.insutype || '）结算限'
            || ruled_lines.restriction_zh || '保险支付的药品 ' || ruled_lines.item_label   as evidence_zh
    from ruled_lines
    inner join settlements
        on ruled_lines.setl_id = settlements.setl_id
    left join insutype_names
        on settlements.insutype = insutype_names.insutype
    -- the list is ';'-separated codes: compare with delimiters so 39 never matches 390
    where ';' || ruled_lines.not_payable_insutype_codes || ';' like '%;' || settlements.insutype || ';%'

)

select * from final
