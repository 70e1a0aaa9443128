-- 重复收费 (NHSA 两库 batch 7): a secondary item charged with its main item inside the rule's window
-- (same day, same visit, or within N hours). One row per secondary line × rule; the secondary line
-- is the suspect amount, the closest main line is the evidence.
with

lines as (

    select * from {{ ref('int_rule_lines') }}

),

pairs as (

    select * from {{ ref('rules_item_repeat_pairs') }}

),

secondary_lines as (

    select lines.*, pairs.rule_id, pairs.time_window, pairs.time_window_hours, pairs.time_window_zh,
           pairs.main_item_code, pairs.main_item_name
    from lines
    inner join pairs
        on lines.hilist_code = pairs.secondary_item_code

),

candidates as (

    -- each window joined on its own equality keys, so daily items never meet a whole year of lines
    select secondary_lines.*, main_lines.bkkp_sn as main_bkkp_sn, main_lines.fee_ocur_time as main_time
    from secondary_lines
    inner join lines as main_lines
        on main_lines.psn_no = secondary_lines.psn_no
       and main_lines.hilist_code = secondary_lines.main_item_code
       and main_lines.fee_date = secondary_lines.fee_date
    where secondary_lines.time_window = 'same_day'

    union all

    select secondary_lines.*, main_lines.bkkp_sn, main_lines.fee_ocur_time
    from secondary_lines
    inner join lines as main_lines
        on main_lines.mdtrt_id = secondary_lines.mdtrt_id
       and main_lines.hilist_code = secondary_lines.main_item_code
    where secondary_lines.time_window = 'same_visit'

    union all

    select secondary_lines.*, main_lines.bkkp_sn, main_lines.fee_ocur_time
    from secondary_lines
    inner join lines as main_lines
        on main_lines.psn_no = secondary_lines.psn_no
       and main_lines.hilist_code = secondary_lines.main_item_code
       and main_lines.fee_date between {{ dbt.dateadd('day', -1, 'secondary_lines.fee_date') }}
                                  and {{ dbt.dateadd('day', 1, 'secondary_lines.fee_date') }}
    where secondary_lines.time_window_hours is not null
      and abs({{ dbt.datediff('main_lines.fee_ocur_time', 'secondary_lines.fee_ocur_time', 'second') }})
          <= secondary_lines.time_window_hours * 3600

),

matched as (

    -- one hit per secondary line and rule: the closest main line is its evidence
    select
        candidates.*,
        row_number() over (
            partition by rule_id, bkkp_sn
            order by abs({{ dbt.datediff('main_time', 'fee_ocur_time', 'second') }}), main_bkkp_sn
        ) as main_rank
    from candidates

),

final as (

    select
        rule_id,
        'item_repeat_charge'                    as rule_family,
        '明确'                                  as result_type,
        bkkp_sn,
        main_bkkp_sn                            as related_bkkp_sn,
        setl_id,
        mdtrt_id,
        psn_no,
        fixmedins_code,
        fee_date                                as hit_date,
        hilist_code,
        hilist_name,
        inscp_amt                               as suspect_amt,
        time_window_zh || '内与' || main_item_name || '重复收费：'
            || item_label   as evidence_zh
    from matched
    where main_rank = 1

)

select * from final
