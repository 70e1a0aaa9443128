{#-
    One row per insutype × psn_type seen in the insured population, the insurance relations or
    the settlements, under a base insutype (seed service_population_insutypes): the projection
    status of seed actuarial_statuses whose psn_type prefix is the longest that matches.
    Pairs no seed row matches are left out (they fall out of the actuarial marts).
-#}
with

population_types as (

    select distinct insutype, psn_type from {{ ref('stg_insured_population') }}

),

relation_types as (

    select distinct insutype, psn_type from {{ ref('stg_psn_insu_d') }}

),

settlement_types as (

    select distinct insutype, psn_type from {{ ref('stg_setl_d') }}

),

insutype_schemes as (

    select insutype, scheme from {{ ref('service_population_insutypes') }}

),

statuses as (

    select
        scheme,
        coalesce(psn_type_prefix, '') as psn_type_prefix,
        status,
        status_name_zh
    from {{ ref('actuarial_statuses') }}

),

seen_types as (

    select insutype, psn_type from population_types
    union
    select insutype, psn_type from relation_types
    union
    select insutype, psn_type from settlement_types

),

-- every seed row of the scheme whose prefix the psn_type starts with, longest first
matches as (

    select
        seen_types.insutype,
        seen_types.psn_type,
        insutype_schemes.scheme,
        statuses.status,
        statuses.status_name_zh,
        row_number() over (
            partition by seen_types.insutype, seen_types.psn_type
            order by {{ dbt.length('statuses.psn_type_prefix') }} desc
        ) as match_rank
    from seen_types
    inner join insutype_schemes
        on seen_types.insutype = insutype_schemes.insutype
    inner join statuses
        on insutype_schemes.scheme = statuses.scheme
        and seen_types.psn_type like {{ dbt.concat(['statuses.psn_type_prefix', "'%'"]) }}

),

final as (

    select insutype, psn_type, scheme, status, status_name_zh
    from matches
    where match_rank = 1

)

select * from final
