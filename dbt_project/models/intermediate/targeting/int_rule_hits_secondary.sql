-- 主次操作未折价 (NHSA 两库 batch 2, 限定主次操作): two or more operations of one operation group through
-- the same incision (one visit, one day); the dearest (unit price) is the primary, every further one
-- must be billed at no more than secondary_fee_ratio × its list price × quantity. A secondary line
-- billed above that is a hit, suspect for the in-scope part of the amount above the discounted
-- price; related_bkkp_sn is the primary line.
with

lines as (

    select * from {{ ref('int_rule_lines') }}

),

rules as (

    select * from {{ ref('rules_item_primary_secondary') }}

),

group_lines as (

    select
        lines.*,
        rules.rule_id,
        rules.operation_group_zh,
        rules.secondary_fee_ratio,
        row_number() over (
            partition by lines.mdtrt_id, lines.fee_date, rules.operation_group_zh
            order by lines.pric desc, lines.bkkp_sn
        ) as operation_rank,
        first_value(lines.bkkp_sn) over (
            partition by lines.mdtrt_id, lines.fee_date, rules.operation_group_zh
            order by lines.pric desc, lines.bkkp_sn
        ) as primary_bkkp_sn,
        first_value(lines.item_label) over (
            partition by lines.mdtrt_id, lines.fee_date, rules.operation_group_zh
            order by lines.pric desc, lines.bkkp_sn
        ) as primary_label
    from lines
    inner join rules
        on lines.hilist_code = rules.item_code

),

secondaries as (

    select
        group_lines.*,
        secondary_fee_ratio * pric * cnt        as discounted_amt
    from group_lines
    where operation_rank > 1

),

undiscounted as (

    -- an item listed in several groups (肠粘连松解术) is one hit, under its first rule
    select
        secondaries.*,
        row_number() over (partition by bkkp_sn order by rule_id) as rule_pick
    from secondaries
    where det_item_fee_sumamt > discounted_amt

),

final as (

    select
        rule_id,
        'item_primary_secondary'                as rule_family,
        '明确'                                  as result_type,
        bkkp_sn,
        primary_bkkp_sn                         as related_bkkp_sn,
        setl_id,
        mdtrt_id,
        psn_no,
        fixmedins_code,
        fee_date                                as hit_date,
        hilist_code,
        hilist_name,
        -- the in-scope share of the amount above the discounted price; exact (decimal) when the line
        -- is billed at full price, the case the rule exists for
        case when det_item_fee_sumamt = pric * cnt
             then cast(inscp_amt * (1 - secondary_fee_ratio) as decimal(18, 2))
             else cast(inscp_amt * (det_item_fee_sumamt - discounted_amt) / det_item_fee_sumamt as decimal(18, 2))
        end                                     as suspect_amt,
        '与' || primary_label || '同一切口（' || operation_group_zh || '）的次要手术 ' || item_label
            || ' 按 ' || cast(cast(det_item_fee_sumamt as decimal(18, 2)) as {{ dbt.type_string() }})
            || ' 元收费，未按 ' || cast(cast(secondary_fee_ratio * 100 as {{ dbt.type_int() }}) as {{ dbt.type_string() }})
            || '% 折价（应不超过 ' || cast(cast(discounted_amt as decimal(18, 2)) as {{ dbt.type_string() }})
            || ' 元）'                          as evidence_zh
    from undiscounted
    where rule_pick = 1

)

select * from final
