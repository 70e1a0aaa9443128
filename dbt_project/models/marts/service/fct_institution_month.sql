{#-
    Service indicators per institution × settlement month × scheme × visit group, with roll-up
    rows (scheme 'all', visit_group 'all') and the institution's peer-group comparison.

    Every indicator is a ratio of sums that are kept as columns, so any roll-up can recompute
    it (never average the ratios). 人数 counts distinct persons and is not additive: the roll-up
    rows count them again from the settlements.
-#}
{%- set amounts = [
    'medfee_sumamt', 'fund_pay_sumamt', 'hifp_pay', 'inscp_amt', 'fulamt_ownpay_amt',
    'psn_pay', 'drug_amt', 'consumable_amt', 'exam_amt', 'lab_amt',
] -%}
{%- set counts = ['visits', 'discharges', 'los_days_sum', 'out_of_area_visits'] -%}
{%- set out_of_area_amounts = ['out_of_area_medfee_sumamt', 'out_of_area_fund_pay_sumamt'] -%}
{#- the four levels: detail, all schemes, all visit groups, both -#}
{%- set levels = [
    {'scheme': 'scheme', 'visit_group': 'visit_group', 'is_rollup': 'false'},
    {'scheme': "'all'", 'visit_group': 'visit_group', 'is_rollup': 'true'},
    {'scheme': 'scheme', 'visit_group': "'all'", 'is_rollup': 'true'},
    {'scheme': "'all'", 'visit_group': "'all'", 'is_rollup': 'true'},
] -%}

with

settlements as (

    select * from {{ ref('int_settlements') }}

),

institutions as (

    select * from {{ ref('dim_institutions') }}

),

-- visit group = expense_category without its 异地 override: an out-of-area stay is still a
-- stay of that institution; 异地 is carried as the out_of_area_* columns instead
grouped_settlements as (

    select
        fixmedins_code,
        setl_month,
        scheme,
        {{ service_visit_group() }}                             as visit_group,
        psn_no,
        setl_cnt,
        is_discharged,
        los_days,
        is_out_of_area,
        {%- for amount in amounts %}
        {{ amount }}{% if not loop.last %},{% endif %}
        {%- endfor %}

    from settlements

),

-- the sums of each detail cell (institution × month × scheme × visit group)
cell_sums as (

    select
        fixmedins_code,
        setl_month,
        scheme,
        visit_group,
        sum(setl_cnt)                                                   as visits,
        sum(case when is_discharged then setl_cnt else 0 end)           as discharges,
        sum(case when is_discharged then setl_cnt * los_days else 0 end) as los_days_sum,
        sum(case when is_out_of_area then setl_cnt else 0 end)          as out_of_area_visits,
        {%- for amount in amounts %}
        {{ sum_money(amount) }}                                         as {{ amount }},
        {%- endfor %}
        {{ sum_money('case when is_out_of_area then medfee_sumamt else 0 end') }}
                                                                        as out_of_area_medfee_sumamt,
        {{ sum_money('case when is_out_of_area then fund_pay_sumamt else 0 end') }}
                                                                        as out_of_area_fund_pay_sumamt

    from grouped_settlements
    group by fixmedins_code, setl_month, scheme, visit_group

),

-- net 人次 per person and detail cell: 人数 counts persons with a positive net at each level
person_cells as (

    select
        fixmedins_code,
        setl_month,
        scheme,
        visit_group,
        psn_no,
        sum(setl_cnt)                                                   as visits

    from grouped_settlements
    group by fixmedins_code, setl_month, scheme, visit_group, psn_no

),

-- each level (detail, all schemes, all visit groups, both): sums from the detail cells,
-- persons counted again from the person cells (a distinct count does not add up)
{%- for level in levels %}

cell_level_{{ loop.index }} as (

    select
        fixmedins_code,
        setl_month,
        {{ level.scheme }}                                              as scheme,
        {{ level.visit_group }}                                         as visit_group,
        {{ level.is_rollup }}                                           as is_rollup,
        {%- for column in counts %}
        cast(sum({{ column }}) as {{ dbt.type_bigint() }})              as {{ column }},
        {%- endfor %}
        {%- for amount in amounts + out_of_area_amounts %}
        {{ sum_money(amount) }}                                         as {{ amount }}{% if not loop.last %},{% endif %}
        {%- endfor %}

    from cell_sums
    group by
        {% if level.scheme == 'scheme' %}scheme,{% endif %}
        {% if level.visit_group == 'visit_group' %}visit_group,{% endif %}
        fixmedins_code,
        setl_month

),

person_level_{{ loop.index }} as (

    select
        fixmedins_code,
        setl_month,
        {{ level.scheme }}                                              as scheme,
        {{ level.visit_group }}                                         as visit_group,
        cast(sum(case when visits > 0 then 1 else 0 end) as {{ dbt.type_bigint() }}) as persons

    from (
        select
            fixmedins_code,
            setl_month,
            {% if level.scheme == 'scheme' %}scheme,{% endif %}
            {% if level.visit_group == 'visit_group' %}visit_group,{% endif %}
            psn_no,
            sum(visits)                                                 as visits
        from person_cells
        group by
            {% if level.scheme == 'scheme' %}scheme,{% endif %}
            {% if level.visit_group == 'visit_group' %}visit_group,{% endif %}
            fixmedins_code,
            setl_month,
            psn_no
    ) as person_nets
    group by
        {% if level.scheme == 'scheme' %}scheme,{% endif %}
        {% if level.visit_group == 'visit_group' %}visit_group,{% endif %}
        fixmedins_code,
        setl_month

),
{%- endfor %}

institution_month as (

    {%- for level in levels %}

    select
        cell_level_{{ loop.index }}.*,
        person_level_{{ loop.index }}.persons
    from cell_level_{{ loop.index }}
    inner join person_level_{{ loop.index }}
        on cell_level_{{ loop.index }}.fixmedins_code = person_level_{{ loop.index }}.fixmedins_code
        and cell_level_{{ loop.index }}.setl_month = person_level_{{ loop.index }}.setl_month
        and cell_level_{{ loop.index }}.scheme = person_level_{{ loop.index }}.scheme
        and cell_level_{{ loop.index }}.visit_group = person_level_{{ loop.index }}.visit_group
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

with_peer_group as (

    select
        institution_month.*,
        institutions.fixmedins_name,
        coalesce(institutions.inst_type, 'other')                       as inst_type,
        institutions.level_grade,
        coalesce(institutions.peer_group, 'unknown')                    as peer_group,
        institutions.peer_group_zh,
        institutions.is_local

    from institution_month
    left join institutions
        on institution_month.fixmedins_code = institutions.fixmedins_code

),

-- sums over the peer group (同类机构) in the same month × scheme × visit group
peer_sums as (

    select
        setl_month,
        scheme,
        visit_group,
        peer_group,
        cast(count(*) as {{ dbt.type_int() }})                          as peer_institutions,
        cast(sum(visits) as {{ dbt.type_bigint() }})                    as peer_visits,
        cast(sum(discharges) as {{ dbt.type_bigint() }})                as peer_discharges,
        cast(sum(los_days_sum) as {{ dbt.type_bigint() }})              as peer_los_days_sum,
        {{ sum_money('medfee_sumamt') }}                                as peer_medfee_sumamt,
        {{ sum_money('fund_pay_sumamt') }}                              as peer_fund_pay_sumamt,
        {{ sum_money('drug_amt') }}                                     as peer_drug_amt,
        {{ sum_money('consumable_amt') }}                               as peer_consumable_amt

    from with_peer_group
    group by setl_month, scheme, visit_group, peer_group

),

indicators as (

    select
        with_peer_group.*,
        peer_sums.peer_institutions,
        peer_sums.peer_visits,
        peer_sums.peer_discharges,
        peer_sums.peer_los_days_sum,
        peer_sums.peer_medfee_sumamt,
        peer_sums.peer_fund_pay_sumamt,
        peer_sums.peer_drug_amt,
        peer_sums.peer_consumable_amt,

        -- the indicators: ratios of the sums above (口径: _service__docs.md)
        {{ service_indicator('visits_per_person') }}                 as visits_per_person,
        {{ service_indicator('avg_los_days') }}                      as avg_los_days,
        {{ service_indicator('avg_medfee_per_visit') }}              as avg_medfee_per_visit,
        {{ service_indicator('avg_fund_pay_per_visit') }}            as avg_fund_pay_per_visit,
        -- 次均住院费用 ÷ 平均住院日, inpatient rows only
        case when with_peer_group.visit_group = 'inpatient' then
            {{ ratio_of_ratios('medfee_sumamt', 'visits', 'los_days_sum', 'discharges',
                                       'decimal(18, 2)') }}
        end                                                             as avg_daily_inpatient_cost,
        {{ service_indicator('drug_ratio') }}                        as drug_ratio,
        {{ service_indicator('consumable_ratio') }}                  as consumable_ratio,
        {{ service_indicator('exam_lab_ratio') }}                    as exam_lab_ratio,
        {{ service_indicator('reimbursement_ratio') }}               as reimbursement_ratio,
        {{ service_indicator('inscp_fund_pay_ratio') }}              as inscp_fund_pay_ratio,
        {{ service_indicator('ownpay_ratio') }}                      as ownpay_ratio,
        {{ service_indicator('personal_burden_ratio') }}             as personal_burden_ratio,

        -- peer values: the same ratios over the peer group's sums
        {{ service_indicator('avg_medfee_per_visit', 'peer_sums.peer_') }}  as peer_avg_medfee_per_visit,
        {{ service_indicator('avg_los_days', 'peer_sums.peer_') }}          as peer_avg_los_days,
        {{ service_indicator('drug_ratio', 'peer_sums.peer_') }}            as peer_drug_ratio,
        {{ service_indicator('consumable_ratio', 'peer_sums.peer_') }}      as peer_consumable_ratio,
        {{ service_indicator('reimbursement_ratio', 'peer_sums.peer_') }}   as peer_reimbursement_ratio,

        -- deviation: institution value ÷ peer value, from the unrounded sums
        {{ ratio_of_ratios('medfee_sumamt', 'visits',
                                   'peer_sums.peer_medfee_sumamt', 'peer_sums.peer_visits') }}
                                                                        as avg_medfee_per_visit_vs_peer,
        {{ ratio_of_ratios('los_days_sum', 'discharges',
                                   'peer_sums.peer_los_days_sum', 'peer_sums.peer_discharges') }}
                                                                        as avg_los_days_vs_peer,
        {{ ratio_of_ratios('drug_amt', 'medfee_sumamt',
                                   'peer_sums.peer_drug_amt', 'peer_sums.peer_medfee_sumamt') }}
                                                                        as drug_ratio_vs_peer,
        {{ ratio_of_ratios('consumable_amt', 'medfee_sumamt',
                                   'peer_sums.peer_consumable_amt', 'peer_sums.peer_medfee_sumamt') }}
                                                                        as consumable_ratio_vs_peer,
        {{ ratio_of_ratios('fund_pay_sumamt', 'medfee_sumamt',
                                   'peer_sums.peer_fund_pay_sumamt', 'peer_sums.peer_medfee_sumamt') }}
                                                                        as reimbursement_ratio_vs_peer

    from with_peer_group
    inner join peer_sums
        on with_peer_group.setl_month = peer_sums.setl_month
        and with_peer_group.scheme = peer_sums.scheme
        and with_peer_group.visit_group = peer_sums.visit_group
        and with_peer_group.peer_group = peer_sums.peer_group

),

final as (

    select
        -- grain
        fixmedins_code,
        setl_month,
        scheme,
        visit_group,
        is_rollup,

        -- institution
        fixmedins_name,
        inst_type,
        level_grade,
        peer_group,
        peer_group_zh,
        is_local,

        -- counts and sums (additive across institutions and months, except persons)
        visits,
        persons,
        discharges,
        los_days_sum,
        {%- for amount in amounts %}
        {{ amount }},
        {%- endfor %}
        out_of_area_visits,
        out_of_area_medfee_sumamt,
        out_of_area_fund_pay_sumamt,

        -- indicators
        visits_per_person,
        avg_los_days,
        avg_medfee_per_visit,
        avg_fund_pay_per_visit,
        avg_daily_inpatient_cost,
        drug_ratio,
        consumable_ratio,
        exam_lab_ratio,
        reimbursement_ratio,
        inscp_fund_pay_ratio,
        ownpay_ratio,
        personal_burden_ratio,

        -- peer group comparison
        peer_institutions,
        peer_visits,
        peer_discharges,
        peer_los_days_sum,
        peer_medfee_sumamt,
        peer_fund_pay_sumamt,
        peer_drug_amt,
        peer_consumable_amt,
        peer_avg_medfee_per_visit,
        peer_avg_los_days,
        peer_drug_ratio,
        peer_consumable_ratio,
        peer_reimbursement_ratio,
        avg_medfee_per_visit_vs_peer,
        avg_los_days_vs_peer,
        drug_ratio_vs_peer,
        consumable_ratio_vs_peer,
        reimbursement_ratio_vs_peer

    from indicators

)

select * from final
