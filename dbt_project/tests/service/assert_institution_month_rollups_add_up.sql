{#-
    Every roll-up level of fct_institution_month (scheme 'all', visit_group 'all', both) holds
    the same additive totals per institution × month as the detail rows, and its 人数 lies
    between the largest and the sum of the detail 人数 it covers (a distinct count: a person
    seen in two visit groups counts once). Returns the offending cells.
-#}
{%- set additive = ['visits', 'discharges', 'los_days_sum', 'medfee_sumamt', 'fund_pay_sumamt',
                    'drug_amt', 'consumable_amt', 'out_of_area_medfee_sumamt'] -%}
with

mart as (

    select * from {{ ref('fct_institution_month') }}

),

detail as (

    select
        fixmedins_code,
        setl_month,
        {%- for column in additive %}
        sum({{ column }}) as {{ column }},
        {%- endfor %}
        max(persons)      as max_persons,
        sum(persons)      as sum_persons
    from mart
    where not is_rollup
    group by fixmedins_code, setl_month

),

rollups as (

    select
        fixmedins_code,
        setl_month,
        {%- for column in additive %}
        {{ column }},
        {%- endfor %}
        persons
    from mart
    where scheme = 'all' and visit_group = 'all'

),

-- partial roll-ups summed over their remaining dimension equal the detail totals too
partial_rollups as (

    select
        fixmedins_code,
        setl_month,
        case when scheme = 'all' then 'all_schemes' else 'all_groups' end as level,
        {%- for column in additive %}
        sum({{ column }}) as {{ column }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from mart
    where is_rollup
        and not (scheme = 'all' and visit_group = 'all')
    group by 1, 2, 3

),

mismatches as (

    select
        detail.fixmedins_code,
        detail.setl_month,
        'all|all' as level
    from detail
    left join rollups
        on detail.fixmedins_code = rollups.fixmedins_code
        and detail.setl_month = rollups.setl_month
    where rollups.fixmedins_code is null
        {%- for column in additive %}
        or detail.{{ column }} <> rollups.{{ column }}
        {%- endfor %}
        or rollups.persons > detail.sum_persons
        or rollups.persons < detail.max_persons

    union all

    select
        detail.fixmedins_code,
        detail.setl_month,
        partial_rollups.level
    from detail
    inner join partial_rollups
        on detail.fixmedins_code = partial_rollups.fixmedins_code
        and detail.setl_month = partial_rollups.setl_month
    where 1 = 0
        {%- for column in additive %}
        or detail.{{ column }} <> partial_rollups.{{ column }}
        {%- endfor %}

)

select * from mismatches
