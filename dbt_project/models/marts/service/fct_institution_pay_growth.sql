{#-
    Which institutions drive the growth of fund pay (基金支出增长贡献): per institution × month ×
    scheme, the year-to-date fund pay (January through the month) against the same months a
    year earlier, the increase, its growth rate and its share of the net increase of all
    institutions. From fct_institution_month (visit group 'all'); months without settlements
    count 0, so an institution that stopped billing shows its fall.
-#}
{%- set measures = {'hifp_pay': 'hifp_pay', 'fund_pay': 'fund_pay_sumamt'} -%}

with

institution_months as (

    select fixmedins_code, setl_month, scheme, hifp_pay, fund_pay_sumamt
    from {{ ref('fct_institution_month') }}
    where visit_group = 'all'

),

institutions as (

    select fixmedins_code, fixmedins_name, peer_group, peer_group_zh
    from {{ ref('dim_institutions') }}

),

bounds as (

    select min(setl_month) as start_month, max(setl_month) as end_month
    from institution_months

),

months as (

    {{ month_spine('bounds') }}

),

-- every institution × scheme it ever billed under, in every month of the data
grid as (

    select
        cells.fixmedins_code,
        cells.scheme,
        months.month_start                                                     as setl_month,
        {{ dbt.datediff('bounds.start_month', 'months.month_start', 'month') }} as month_seq
    from (select distinct fixmedins_code, scheme from institution_months) as cells
    cross join months
    cross join bounds

),

year_to_date as (

    select
        grid.fixmedins_code,
        grid.scheme,
        grid.setl_month,
        grid.month_seq,
        -- the base year's January is inside the data: its year-to-date is complete
        grid.month_seq - 12 - (extract(month from grid.setl_month) - 1) >= 0 as has_base,
        {%- for name, column in measures.items() %}
        sum(coalesce(institution_months.{{ column }}, 0)) over (
            partition by grid.fixmedins_code, grid.scheme, extract(year from grid.setl_month)
            order by grid.setl_month
            rows between unbounded preceding and current row
        ) as {{ name }}_ytd{% if not loop.last %},{% endif %}
        {%- endfor %}
    from grid
    left join institution_months
        on grid.fixmedins_code = institution_months.fixmedins_code
        and grid.scheme = institution_months.scheme
        and grid.setl_month = institution_months.setl_month

),

with_base as (

    select
        year_to_date.*,
        {%- for name in measures %}
        case when year_to_date.has_base then last_year.{{ name }}_ytd end as {{ name }}_ytd_last_year{% if not loop.last %},{% endif %}
        {%- endfor %}
    from year_to_date
    left join year_to_date as last_year
        on year_to_date.fixmedins_code = last_year.fixmedins_code
        and year_to_date.scheme = last_year.scheme
        and last_year.month_seq = year_to_date.month_seq - 12

),

with_increase as (

    select
        with_base.*,
        {%- for name in measures %}
        {{ name }}_ytd - {{ name }}_ytd_last_year as {{ name }}_ytd_increase,
        sum({{ name }}_ytd - {{ name }}_ytd_last_year) over (partition by scheme, setl_month)
            as {{ name }}_total_increase{% if not loop.last %},{% endif %}
        {%- endfor %}
    from with_base

),

final as (

    select
        -- institution × month × scheme
        with_increase.fixmedins_code,
        with_increase.setl_month,
        with_increase.scheme,
        institutions.fixmedins_name,
        coalesce(institutions.peer_group, 'unknown')                                as peer_group,
        institutions.peer_group_zh,
        with_increase.has_base,
        {%- for name in measures %}

        -- {{ name }}
        {{ cast_money(name ~ '_ytd') }}                                             as {{ name }}_ytd,
        {{ cast_money(name ~ '_ytd_last_year') }}                                   as {{ name }}_ytd_last_year,
        {{ cast_money(name ~ '_ytd_increase') }}                                    as {{ name }}_ytd_increase,
        {{ growth_rate(name ~ '_ytd', name ~ '_ytd_last_year') }}                   as {{ name }}_ytd_growth,
        {{ safe_ratio(name ~ '_ytd_increase', name ~ '_total_increase') }}          as {{ name }}_increase_share
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from with_increase
    left join institutions
        on with_increase.fixmedins_code = institutions.fixmedins_code

)

select * from final
