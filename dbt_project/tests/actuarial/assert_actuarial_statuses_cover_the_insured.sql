{#
    Every insured person of a base insutype maps to a projection status: returns the insutype ×
    psn_type pairs of stg_insured_population under a base insutype (seed
    service_population_insutypes) that seed actuarial_statuses does not match, with their
    persons. A warning, not an error: a new local psn_type should be added to the seed, and
    until then those persons are left out of the projection.
#}
{{ config(severity='warn') }}

with

population as (

    select insutype, psn_type, sum(psn_cnt) as persons
    from {{ ref('stg_insured_population') }}
    group by insutype, psn_type

),

base_insutypes as (

    select insutype from {{ ref('service_population_insutypes') }}

),

statuses as (

    select insutype, psn_type from {{ ref('int_actuarial_statuses') }}

)

select population.insutype, population.psn_type, population.persons
from population
inner join base_insutypes
    on population.insutype = base_insutypes.insutype
left join statuses
    on population.insutype = statuses.insutype
    and population.psn_type = statuses.psn_type
where statuses.insutype is null
