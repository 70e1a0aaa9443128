{#
    Months covered: vars exposure_start_month / exposure_end_month ('YYYY-MM-DD') when set,
    otherwise the first to the last month with a settlement.
#}
with

relations as (

    select * from {{ ref('stg_psn_insu_d') }}

),

settlements as (

    select setl_time from {{ ref('stg_setl_d') }}

),

bounds as (

    select
        {% if var('exposure_start_month') -%}
        cast('{{ var("exposure_start_month") }}' as date)
        {%- else -%}
        cast({{ dbt.date_trunc('month', 'min(setl_time)') }} as date)
        {%- endif %} as start_month,
        {% if var('exposure_end_month') -%}
        cast('{{ var("exposure_end_month") }}' as date)
        {%- else -%}
        cast({{ dbt.date_trunc('month', 'max(setl_time)') }} as date)
        {%- endif %} as end_month
    from settlements

),

months as (

    {{ month_spine('bounds') }}

),

month_bounds as (

    select
        month_start,
        cast({{ dbt.dateadd('month', 1, 'month_start') }} as date) as next_month_start
    from months

),

-- insured on [crt_insu_date, paus_insu_date); no pause date = still insured
relation_months as (

    select
        relations.psn_no,
        relations.insutype,
        relations.psn_type,
        month_bounds.month_start,
        {{ dbt.datediff('month_bounds.month_start', 'month_bounds.next_month_start', 'day') }}
            as days_in_month,
        {{ dbt.datediff(
            'greatest(relations.crt_insu_date, month_bounds.month_start)',
            'least(coalesce(relations.paus_insu_date, month_bounds.next_month_start),'
                ~ ' month_bounds.next_month_start)',
            'day') }} as insured_days

    from relations
    inner join month_bounds
        on relations.crt_insu_date < month_bounds.next_month_start
        and (
            relations.paus_insu_date is null
            or relations.paus_insu_date > month_bounds.month_start
        )

),

per_person_month as (

    select
        psn_no,
        month_start,
        insutype,
        psn_type,
        days_in_month,
        least(sum(insured_days), days_in_month) as insured_days
    from relation_months
    group by psn_no, month_start, insutype, psn_type, days_in_month

),

final as (

    select
        psn_no,
        month_start,
        insutype,
        psn_type,
        cast(insured_days as {{ dbt.type_int() }})  as insured_days,
        cast(days_in_month as {{ dbt.type_int() }}) as days_in_month,
        cast(
            cast(insured_days as decimal(18, 6)) / days_in_month
            as decimal(9, 6)
        )                                           as exposure_fraction
    from per_person_month

)

select * from final
