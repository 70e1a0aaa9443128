{#-
    Area-level service indicators per settlement month × scheme (plus scheme 'all'): the ones
    that need the insured population as denominator, which an institution does not have.
-#}
with

settlements as (

    select * from {{ ref('int_settlements') }}

),

exposure as (

    select * from {{ ref('int_person_month_exposure') }}

),

population_insutypes as (

    select * from {{ ref('service_population_insutypes') }}

),

-- 住院人次 of the scheme's insured, wherever they were treated (异地 included)
inpatient_visits_by_month as (

    select
        setl_month                                          as month_start,
        scheme,
        cast(sum(setl_cnt) as {{ dbt.type_bigint() }})      as inpatient_visits

    from settlements
    where is_inpatient
        and scheme in ('employee', 'resident')
    group by setl_month, scheme

),

-- insured person-months: Σ exposure_fraction over base relations only
insured_by_month as (

    select
        exposure.month_start,
        population_insutypes.scheme,
        sum(exposure.exposure_fraction)                     as insured_person_months

    from exposure
    inner join population_insutypes
        on exposure.insutype = population_insutypes.insutype
    group by exposure.month_start, population_insutypes.scheme

),

by_scheme as (

    select
        coalesce(insured_by_month.month_start, inpatient_visits_by_month.month_start)
                                                            as month_start,
        coalesce(insured_by_month.scheme, inpatient_visits_by_month.scheme)
                                                            as scheme,
        false                                               as is_rollup,
        coalesce(insured_by_month.insured_person_months, 0) as insured_person_months,
        coalesce(inpatient_visits_by_month.inpatient_visits, 0)
                                                            as inpatient_visits

    from insured_by_month
    full outer join inpatient_visits_by_month
        on insured_by_month.month_start = inpatient_visits_by_month.month_start
        and insured_by_month.scheme = inpatient_visits_by_month.scheme

),

all_schemes as (

    select
        month_start,
        'all'                                               as scheme,
        true                                                as is_rollup,
        sum(insured_person_months)                          as insured_person_months,
        sum(inpatient_visits)                               as inpatient_visits

    from by_scheme
    group by month_start

),

levels as (

    select * from by_scheme
    union all
    select * from all_schemes

),

final as (

    select
        month_start,
        scheme,
        is_rollup,
        cast(insured_person_months as decimal(18, 6))       as insured_person_months,
        cast(insured_person_months / 12 as decimal(18, 6))  as insured_person_years,
        cast(inpatient_visits as {{ dbt.type_bigint() }})   as inpatient_visits,
        -- 住院人次 per insured person-year (annualised): visits × 12 ÷ person-months
        {{ safe_ratio('inpatient_visits * 12', 'insured_person_months') }}
                                                            as hospitalisation_rate

    from levels

)

select * from final
