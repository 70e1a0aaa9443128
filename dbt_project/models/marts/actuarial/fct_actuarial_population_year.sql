{#-
    One row per year × status × sex × single age: insured persons at year end (stg_insured_population),
    the starting population of the cohort-component projection (analytics/projection).
-#}
with

population as (

    select stat_year, insutype, psn_type, gend, age, psn_cnt
    from {{ ref('stg_insured_population') }}

),

statuses as (

    select * from {{ ref('int_actuarial_statuses') }}

),

final as (

    select
        population.stat_year                                      as year,
        statuses.status,
        statuses.status_name_zh,
        population.gend,
        population.age,
        cast(sum(population.psn_cnt) as {{ dbt.type_bigint() }}) as insured_cnt
    from population
    inner join statuses
        on population.insutype = statuses.insutype
        and population.psn_type = statuses.psn_type
    group by
        population.stat_year,
        statuses.status,
        statuses.status_name_zh,
        population.gend,
        population.age

)

select * from final
