{#-
    Reconciliation: for every month, fct_area_month's 住院人次 per scheme equals the net
    inpatient 人次 of int_settlements, and the 'all' row equals the sum of the schemes.
    Returns the rows that disagree.
-#}
with

settlements as (

    select
        setl_month as month_start,
        scheme,
        sum(setl_cnt) as inpatient_visits
    from {{ ref('int_settlements') }}
    where is_inpatient
        and scheme in ('employee', 'resident')
    group by setl_month, scheme

),

area as (

    select * from {{ ref('fct_area_month') }}

),

by_scheme as (

    select
        coalesce(settlements.month_start, area.month_start) as month_start,
        coalesce(settlements.scheme, area.scheme)           as scheme,
        coalesce(settlements.inpatient_visits, 0)           as expected_visits,
        area.inpatient_visits                               as mart_visits
    from settlements
    full outer join (select * from area where not is_rollup) as area
        on settlements.month_start = area.month_start
        and settlements.scheme = area.scheme

),

all_schemes as (

    select
        area.month_start,
        'all'                                               as scheme,
        sum(by_scheme.expected_visits)                      as expected_visits,
        max(area.inpatient_visits)                          as mart_visits
    from (select * from area where is_rollup) as area
    left join by_scheme
        on area.month_start = by_scheme.month_start
    group by area.month_start

)

select * from by_scheme
where mart_visits is null or mart_visits <> expected_visits
union all
select * from all_schemes
where mart_visits is null or mart_visits <> expected_visits
