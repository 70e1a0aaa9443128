-- 串换 (substitution) pattern rule: for each group of seeds/targeting/substitution_groups.csv (a
-- low-priced item and its high-priced variant), an institution whose high-priced share of the
-- group's lines exceeds its peer group's (the other institutions of the same
-- dim_institutions.peer_group, else all others) by min_share_excess of behaviour_rules is a
-- suspect. Its share counts at the lower bound of its Wilson interval (confidence_z), so a few
-- lines that happen to be all high-priced are not enough; each of its high-priced lines is a hit, for the price difference to the low-priced item
-- (its average unit price in the peer group) × quantity. The peer group is defined once, in
-- dim_institutions.
with

lines as (

    select * from {{ ref('int_rule_lines') }}

),

groups as (

    select * from {{ ref('substitution_groups') }}

),

institutions as (

    select fixmedins_code, peer_group, peer_group_zh from {{ ref('dim_institutions') }}

),

rules as (

    select * from {{ ref('behaviour_rules') }}
    where rule_family = 'upcoding'

),

group_lines as (

    select
        lines.*,
        groups.group_id,
        groups.group_name,
        groups.low_name,
        groups.high_name,
        lines.hilist_code = groups.high_code        as is_high,
        coalesce(institutions.peer_group, 'unknown') as peer_group,
        institutions.peer_group_zh
    from lines
    inner join groups
        on lines.hilist_code in (groups.low_code, groups.high_code)
    left join institutions
        on lines.fixmedins_code = institutions.fixmedins_code

),

institution_mix as (

    select
        group_id,
        fixmedins_code,
        peer_group,
        count(*)                                            as group_lines,
        sum(case when is_high then 1 else 0 end)            as high_lines
    from group_lines
    group by group_id, fixmedins_code, peer_group

),

peer_mix as (

    select
        group_id,
        peer_group,
        sum(group_lines)    as group_lines,
        sum(high_lines)     as high_lines
    from institution_mix
    group by group_id, peer_group

),

all_mix as (

    select group_id, sum(group_lines) as group_lines, sum(high_lines) as high_lines
    from institution_mix
    group by group_id

),

-- the institution against the others of its peer group (all other institutions when it is alone)
shares as (

    select
        institution_mix.*,
        1.0 * institution_mix.high_lines / institution_mix.group_lines                 as high_share,
        case
            when peer_mix.group_lines > institution_mix.group_lines
                then 1.0 * (peer_mix.high_lines - institution_mix.high_lines)
                     / (peer_mix.group_lines - institution_mix.group_lines)
            when all_mix.group_lines > institution_mix.group_lines
                then 1.0 * (all_mix.high_lines - institution_mix.high_lines)
                     / (all_mix.group_lines - institution_mix.group_lines)
        end                                                                             as peer_share
    from institution_mix
    inner join peer_mix
        on institution_mix.group_id = peer_mix.group_id
       and institution_mix.peer_group = peer_mix.peer_group
    inner join all_mix
        on institution_mix.group_id = all_mix.group_id

),

-- lower bound of the Wilson score interval of the institution's share
bounded as (

    select
        shares.*,
        rules.rule_id,
        rules.rule_family,
        rules.result_type,
        rules.min_share_excess,
        (high_share + rules.confidence_z * rules.confidence_z / (2 * group_lines)
         - rules.confidence_z * sqrt(high_share * (1 - high_share) / group_lines
                                     + rules.confidence_z * rules.confidence_z / (4 * group_lines * group_lines)))
        / (1 + rules.confidence_z * rules.confidence_z / group_lines)                   as high_share_low
    from shares
    cross join rules

),

suspects as (

    select * from bounded
    where high_share_low - coalesce(peer_share, 0) >= min_share_excess

),

low_prices as (

    select group_id, peer_group, avg(pric) as low_pric
    from group_lines
    where not is_high
    group by group_id, peer_group

),

all_low_prices as (

    select group_id, avg(pric) as low_pric
    from group_lines
    where not is_high
    group by group_id

),

final as (

    select
        suspects.rule_id,
        suspects.rule_family,
        suspects.result_type,
        group_lines.bkkp_sn,
        cast(null as {{ dbt.type_string() }})   as related_bkkp_sn,
        group_lines.setl_id,
        group_lines.mdtrt_id,
        group_lines.psn_no,
        group_lines.fixmedins_code,
        group_lines.fee_date                    as hit_date,
        group_lines.hilist_code,
        group_lines.hilist_name,
        cast(
            (group_lines.pric - coalesce(low_prices.low_pric, all_low_prices.low_pric, group_lines.pric))
            * group_lines.cnt as {{ dbt.type_numeric() }})                                 as suspect_amt,
        group_lines.group_name || '：本机构高价品种 ' || group_lines.high_name || ' 占 '
            || cast(cast(100 * suspects.high_share as decimal(5, 1)) as {{ dbt.type_string() }})
            || '%（' || cast(suspects.high_lines as {{ dbt.type_string() }}) || '/'
            || cast(suspects.group_lines as {{ dbt.type_string() }}) || ' 条明细，置信下限 '
            || cast(cast(100 * suspects.high_share_low as decimal(5, 1)) as {{ dbt.type_string() }})
            || '%），同类机构（'
            || coalesce(group_lines.peer_group_zh, group_lines.peer_group) || '）为 '
            || cast(cast(100 * coalesce(suspects.peer_share, 0) as decimal(5, 1)) as {{ dbt.type_string() }})
            || '%；涉嫌以 ' || group_lines.low_name || ' 串换，按差价计'             as evidence_zh
    from group_lines
    inner join suspects
        on group_lines.group_id = suspects.group_id
       and group_lines.fixmedins_code = suspects.fixmedins_code
    left join low_prices
        on group_lines.group_id = low_prices.group_id
       and group_lines.peer_group = low_prices.peer_group
    left join all_low_prices
        on group_lines.group_id = all_low_prices.group_id
    where group_lines.is_high

)

select * from final
