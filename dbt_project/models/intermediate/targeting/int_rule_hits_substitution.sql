-- 串换 (substitution) pattern rule: for each group of seeds/targeting/substitution_groups.csv (a
-- low-priced item and its high-priced variant), an institution whose high-priced share of the
-- group's lines exceeds its peer group's (the other institutions of the same
-- dim_institutions.peer_group, else all others) by min_share_excess of behaviour_rules, and
-- would bill that many high-priced lines with a chance of at most max_p_value if it billed like its
-- peers, is a suspect (so three imported plates of three at a hospital whose peers bill a quarter
-- imported are not enough); each of its high-priced lines is a hit, for the price difference to the low-priced item
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
peers as (

    select
        institution_mix.*,
        1.0 * institution_mix.high_lines / institution_mix.group_lines                 as high_share,
        case when peer_mix.group_lines > institution_mix.group_lines
             then peer_mix.high_lines - institution_mix.high_lines
             else all_mix.high_lines - institution_mix.high_lines end                  as peer_high_lines,
        case when peer_mix.group_lines > institution_mix.group_lines
             then peer_mix.group_lines - institution_mix.group_lines
             else all_mix.group_lines - institution_mix.group_lines end                as peer_group_lines
    from institution_mix
    inner join peer_mix
        on institution_mix.group_id = peer_mix.group_id
       and institution_mix.peer_group = peer_mix.peer_group
    inner join all_mix
        on institution_mix.group_id = all_mix.group_id

),

-- the peers' share with half a line added to each side (Jeffreys), so a share of 0 of 12 lines
-- is small but not impossible
shares as (

    select
        peers.*,
        (peer_high_lines + 0.5) / (peer_group_lines + 1)                              as peer_share
    from peers

),

-- chance of at least this many high-priced lines among the institution's lines if it billed like
-- its peers (binomial upper tail)
tail_terms as (

    select
        group_id,
        fixmedins_code,
        group_lines,
        peer_share,
        unnest(range(cast(high_lines as bigint), cast(group_lines as bigint) + 1))       as high_count
    from shares

),

tails as (

    select
        group_id,
        fixmedins_code,
        sum(exp(lgamma(group_lines + 1) - lgamma(high_count + 1) - lgamma(group_lines - high_count + 1)
                + high_count * ln(peer_share) + (group_lines - high_count) * ln(1 - peer_share)))
                                                                                        as p_value
    from tail_terms
    group by group_id, fixmedins_code

),

suspects as (

    select
        shares.*,
        tails.p_value,
        rules.rule_id,
        rules.rule_family,
        rules.result_type
    from shares
    inner join tails
        on shares.group_id = tails.group_id
       and shares.fixmedins_code = tails.fixmedins_code
    inner join rules
        on shares.high_share - shares.peer_share >= rules.min_share_excess
       and tails.p_value <= rules.max_p_value

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
            || cast(suspects.group_lines as {{ dbt.type_string() }}) || ' 条明细），同类机构（'
            || coalesce(group_lines.peer_group_zh, group_lines.peer_group) || '）'
            || cast(suspects.peer_high_lines as {{ dbt.type_string() }}) || '/'
            || cast(suspects.peer_group_lines as {{ dbt.type_string() }}) || ' 条；按同类机构占比出现该情形的概率 '
            || cast(cast(100 * suspects.p_value as decimal(7, 3)) as {{ dbt.type_string() }})
            || '%，涉嫌以 ' || group_lines.low_name || ' 串换，按差价计'                   as evidence_zh
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
