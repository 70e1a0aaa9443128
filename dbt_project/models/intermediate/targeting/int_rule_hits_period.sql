-- 超周期频次 (NHSA 两库 batch 8-4): an item charged more than max_count times within period_days for
-- one person, across visits and institutions. The occurrence that breaks the limit is the hit and its
-- whole charge is suspect; the earlier occurrence it counts from is the evidence.
with

lines as (

    select * from {{ ref('int_rule_lines') }}

),

limits as (

    select * from {{ ref('rules_item_period') }}

),

ordered as (

    -- a lag of one: every seeded period rule allows one occurrence per period (max_count = 1,
    -- an accepted_values test on the seed), and lag offsets must be constants to stay portable
    select
        lines.*,
        limits.rule_id,
        limits.period_days,
        lag(lines.fee_date) over (
            partition by limits.rule_id, lines.psn_no
            order by lines.fee_ocur_time, lines.bkkp_sn
        ) as previous_date,
        lag(lines.bkkp_sn) over (
            partition by limits.rule_id, lines.psn_no
            order by lines.fee_ocur_time, lines.bkkp_sn
        ) as previous_bkkp_sn
    from lines
    inner join limits
        on lines.hilist_code = limits.item_code
    where lines.cnt > 0

),

final as (

    select
        rule_id,
        'item_period'                           as rule_family,
        '明确'                                  as result_type,
        bkkp_sn,
        previous_bkkp_sn                        as related_bkkp_sn,
        setl_id,
        mdtrt_id,
        psn_no,
        fixmedins_code,
        fee_date                                as hit_date,
        hilist_code,
        hilist_name,
        inscp_amt                               as suspect_amt,
        item_label || '距上次（' || cast(previous_date as {{ dbt.type_string() }})
            || '）仅 ' || cast({{ dbt.datediff('previous_date', 'fee_date', 'day') }} as {{ dbt.type_string() }})
            || ' 天，超过每 ' || cast(period_days as {{ dbt.type_string() }}) || ' 天限 1 次' as evidence_zh
    from ordered
    where previous_date is not null
      and {{ dbt.datediff('previous_date', 'fee_date', 'day') }} < period_days

)

select * from final
