-- The inspection case list (案件线索): every rule hit with what a field team needs to pull the
-- records — institution, rule, key area, patient, visit and claim. Personal data stay here;
-- dashboard/privacy.py masks them on the way out.
with

hits as (

    select * from {{ ref('fct_rule_hit') }}

),

institutions as (

    select fixmedins_code, fixmedins_name from {{ ref('dim_institutions') }}

),

persons as (

    select psn_no, psn_name, certno, tel, addr, gend, brdy from {{ ref('stg_psn_info_b') }}

),

visits as (

    select
        mdtrt_id, med_type, visit_type_zh, begndate, enddate, los_days,
        dscg_maindiag_code, dscg_maindiag_name, gend
    from {{ ref('int_visits') }}

),

settlements as (

    select setl_id, medfee_sumamt, fund_pay_sumamt from {{ ref('int_settlements') }}

),

-- the violating lines, net of refunds (every line-level hit comes from int_rule_lines)
rule_lines as (

    select bkkp_sn, cnt from {{ ref('int_rule_lines') }}

),

items as (

    select hilist_code, item_class, key_group from {{ ref('dim_items') }}

),

key_areas as (

    select * from {{ ref('key_areas') }}

),

prefixes as (

    select * from {{ ref('key_area_prefixes') }}

),

genders as (

    select code, name from {{ ref('dictionaries') }} where dic_type_code = 'gend'

),

med_types as (

    select med_type, med_type_name_zh from {{ ref('med_type_groups') }}

),

-- the fee lines of the visits that hits without an item point at (behaviour rules; refund lines
-- are negative, so sums net them)
behaviour_visit_lines as (

    select mdtrt_id, hilist_code, inscp_amt
    from {{ ref('int_fee_lines') }}
    where mdtrt_id in (select mdtrt_id from hits where hilist_code is null)

),

codes as (

    select hilist_code from hits where hilist_code is not null
    union
    select hilist_code from behaviour_visit_lines where hilist_code is not null

),

prefix_matches as (

    select
        codes.hilist_code,
        prefixes.key_area_zh,
        row_number() over (
            partition by codes.hilist_code order by prefixes.prefix_len desc
        ) as match_rank
    from codes
    inner join prefixes
        on substr(codes.hilist_code, 1, prefixes.prefix_len) = prefixes.code_prefix

),

-- key-item groups first (骨科植入, 冠脉介入 consumables), then drugs and consumables by catalogue
-- class, service items by code prefix, else 其他
code_areas as (

    select
        codes.hilist_code,
        coalesce(
            group_areas.key_area_zh, class_areas.key_area_zh, prefix_matches.key_area_zh, '其他'
        ) as key_area_zh
    from codes
    left join items
        on codes.hilist_code = items.hilist_code
    left join key_areas as group_areas
        on items.key_group = group_areas.key_group
    left join key_areas as class_areas
        on items.item_class = class_areas.item_class
    left join prefix_matches
        on codes.hilist_code = prefix_matches.hilist_code
        and prefix_matches.match_rank = 1

),

visit_area_amounts as (

    select
        behaviour_visit_lines.mdtrt_id,
        code_areas.key_area_zh,
        key_areas.is_campaign_area,
        key_areas.sort_order,
        {{ sum_money('behaviour_visit_lines.inscp_amt') }} as inscp_amt
    from behaviour_visit_lines
    inner join code_areas
        on behaviour_visit_lines.hilist_code = code_areas.hilist_code
    inner join key_areas
        on code_areas.key_area_zh = key_areas.key_area_zh
    group by
        behaviour_visit_lines.mdtrt_id, code_areas.key_area_zh, key_areas.is_campaign_area,
        key_areas.sort_order
    having sum(behaviour_visit_lines.inscp_amt) > 0

),

-- a visit's key area: the campaign area carrying most of its in-scope amount; a visit with no
-- campaign-area charge takes its largest other area (药品, 医用耗材, 其他)
visit_areas as (

    select mdtrt_id, key_area_zh
    from (
        select
            mdtrt_id,
            key_area_zh,
            row_number() over (
                partition by mdtrt_id
                order by case when is_campaign_area then 0 else 1 end, inscp_amt desc, sort_order
            ) as area_rank
        from visit_area_amounts
    ) as ranked
    where area_rank = 1

),

joined as (

    select
        hits.*,
        institutions.fixmedins_name,
        case when hits.hilist_code is null then visit_areas.key_area_zh else line_areas.key_area_zh end
            as matched_key_area_zh,
        rule_lines.cnt,
        persons.psn_name,
        persons.certno,
        persons.tel,
        persons.addr,
        coalesce(persons.gend, visits.gend)                                 as gend,
        persons.brdy,
        {{ dbt.datediff('persons.brdy', 'hits.hit_date', 'year') }}         as calendar_years,
        visits.med_type,
        visits.visit_type_zh,
        visits.begndate,
        visits.enddate,
        visits.los_days,
        visits.dscg_maindiag_code,
        visits.dscg_maindiag_name,
        settlements.medfee_sumamt,
        settlements.fund_pay_sumamt
    from hits
    left join institutions
        on hits.fixmedins_code = institutions.fixmedins_code
    left join code_areas as line_areas
        on hits.hilist_code = line_areas.hilist_code
    left join visit_areas
        on hits.mdtrt_id = visit_areas.mdtrt_id
    left join rule_lines
        on hits.bkkp_sn = rule_lines.bkkp_sn
    left join persons
        on hits.psn_no = persons.psn_no
    left join visits
        on hits.mdtrt_id = visits.mdtrt_id
    left join settlements
        on hits.setl_id = settlements.setl_id

),

final as (

    select
        joined.rule_hit_id,
        cast(extract(year from joined.hit_date) as {{ dbt.type_string() }})    as period,
        joined.fixmedins_code,
        joined.fixmedins_name,
        joined.rule_id,
        joined.rule_family,
        joined.rule_family_zh,
        joined.rule_category_zh,
        joined.result_type,
        coalesce(joined.matched_key_area_zh, '其他')                           as key_area_zh,
        case when joined.hilist_code is null then 'visit' else 'item' end       as key_area_basis,
        joined.hit_date,
        joined.setl_id,
        joined.mdtrt_id,
        joined.bkkp_sn,
        joined.related_bkkp_sn,
        joined.hilist_code,
        joined.hilist_name,
        {{ cast_qty('joined.cnt') }}                                            as cnt,
        joined.suspect_amt,
        joined.evidence_zh,
        joined.psn_no,
        joined.psn_name,
        joined.certno,
        joined.tel,
        joined.addr,
        joined.gend,
        genders.name                                                            as gend_zh,
        cast(
            joined.calendar_years
            - case when {{ dbt.dateadd('year', 'joined.calendar_years', 'joined.brdy') }} > joined.hit_date
                   then 1 else 0 end
        as {{ dbt.type_int() }})                                                as age_at_hit,
        joined.med_type,
        med_types.med_type_name_zh                                              as med_type_zh,
        joined.visit_type_zh,
        joined.begndate,
        joined.enddate,
        joined.los_days,
        joined.dscg_maindiag_code,
        joined.dscg_maindiag_name,
        joined.medfee_sumamt,
        joined.fund_pay_sumamt

    from joined
    left join genders
        on joined.gend = genders.code
    left join med_types
        on joined.med_type = med_types.med_type

)

select * from final
