-- 超频次 (NHSA 两库 batch 8-1): an item charged more than its daily limit (times or hours a day) for
-- one person on one day, across visits and institutions. The day's allowance is given to the smallest
-- lines first (then the earliest), so the excess Σcnt − limit lands on the line(s) that pushed the
-- day over the most (a 45-hour monitoring line, not the ordinary 24-hour one; of two identical bed
-- charges, the later). Each such line is a hit, suspect for its quantity above the limit.
with

lines as (

    select * from {{ ref('int_rule_lines') }}

),

limits as (

    select * from {{ ref('rules_item_frequency') }}

),

running as (

    select
        lines.*,
        limits.rule_id,
        limits.item_name,
        limits.max_qty_per_day,
        case when limits.qty_unit = 'hour' then '小时' else '次' end as unit_zh,
        sum(lines.cnt) over (
            partition by limits.rule_id, lines.psn_no, lines.fee_date
            order by lines.cnt, lines.fee_ocur_time, lines.bkkp_sn
            rows between unbounded preceding and current row
        ) as running_qty,
        sum(lines.cnt) over (partition by limits.rule_id, lines.psn_no, lines.fee_date) as day_qty
    from lines
    inner join limits
        on lines.hilist_code = limits.item_code
    where lines.cnt > 0

),

over_limit as (

    select
        running.*,
        -- the part of this line above the limit (the earlier lines used up the allowance first)
        case when running_qty - cnt >= max_qty_per_day then cnt
             else running_qty - max_qty_per_day end as excess_qty
    from running
    where running_qty > max_qty_per_day

),

final as (

    select
        rule_id,
        'item_frequency'                        as rule_family,
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
        cast(inscp_amt * excess_qty / cnt as {{ dbt.type_numeric() }}) as suspect_amt,
        item_label || '当日累计 '
            || cast(cast(day_qty as decimal(12, 2)) as {{ dbt.type_string() }}) || ' ' || unit_zh
            || '，超过每日限 ' || cast(cast(max_qty_per_day as {{ dbt.type_int() }}) as {{ dbt.type_string() }})
            || ' ' || unit_zh                                     as evidence_zh
    from over_limit

)

select * from final
