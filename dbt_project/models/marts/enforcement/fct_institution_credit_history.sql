{#-
    One row per institution (subject_type 1) × year with a credit grade or any enforcement
    activity: the year's credit evaluation, the points behind it, the doctors penalised, the
    inspections, and the cases opened and closed at the institution.
-#}
with

grades as (

    select * from {{ ref('stg_credit_grades') }} where subject_type = '1'

),

credit_events as (

    select
        cast(extract(year from event_date) as {{ dbt.type_int() }}) as year,
        subject_type,
        subject_code,
        fixmedins_code,
        score_change
    from {{ ref('stg_credit_events') }}

),

inspections as (

    select
        cast(extract(year from begndate) as {{ dbt.type_int() }}) as year,
        fixmedins_code,
        insp_id,
        finding_flag
    from {{ ref('stg_inspections') }}

),

cases as (

    select * from {{ ref('fct_enforcement_case') }} where fixmedins_code is not null

),

institutions as (

    select fixmedins_code, fixmedins_name from {{ ref('dim_institutions') }}

),

institution_points as (

    select
        year,
        subject_code                                                         as fixmedins_code,
        sum(case when score_change < 0 then -score_change else 0 end)        as points_deducted,
        sum(case when score_change > 0 then score_change else 0 end)         as points_awarded
    from credit_events
    where subject_type = '1'
    group by year, subject_code

),

doctors as (

    select
        year,
        fixmedins_code,
        count(distinct subject_code) as doctors_penalised
    from credit_events
    where subject_type = '2' and score_change < 0 and fixmedins_code is not null
    group by year, fixmedins_code

),

inspection_counts as (

    select
        year,
        fixmedins_code,
        count(*)                                                  as inspections,
        sum(case when finding_flag = '1' then 1 else 0 end)       as inspections_with_findings
    from inspections
    group by year, fixmedins_code

),

opened as (

    select open_year as year, fixmedins_code, count(*) as cases_opened
    from cases
    group by open_year, fixmedins_code

),

closed as (

    select
        cast(extract(year from close_date) as {{ dbt.type_int() }})  as year,
        fixmedins_code,
        count(*)                                                     as cases_closed,
        {{ sum_money('involved_amt') }}                              as involved_amt,
        {{ sum_money('recovered_amt') }}                             as recovered_amt,
        {{ sum_money('fine_amt') }}                                  as fine_amt
    from cases
    where is_closed
    group by cast(extract(year from close_date) as {{ dbt.type_int() }}), fixmedins_code

),

-- institution-years: graded, or with any activity of their own
spine as (

    select cast(eval_year as {{ dbt.type_int() }}) as year, subject_code as fixmedins_code from grades
    union
    select year, fixmedins_code from institution_points
    union
    select year, fixmedins_code from doctors
    union
    select year, fixmedins_code from inspection_counts
    union
    select year, fixmedins_code from opened
    union
    select year, fixmedins_code from closed

),

final as (

    select
        spine.fixmedins_code,
        institutions.fixmedins_name,
        spine.year                                                                     as eval_year,
        grades.credit_score,
        grades.credit_grade,
        grades.blacklist_flag,
        grades.blacklist_begndate,
        grades.blacklist_enddate,
        cast(coalesce(institution_points.points_deducted, 0) as {{ dbt.type_int() }}) as points_deducted,
        cast(coalesce(institution_points.points_awarded, 0) as {{ dbt.type_int() }})  as points_awarded,
        cast(coalesce(doctors.doctors_penalised, 0) as {{ dbt.type_int() }})          as doctors_penalised,
        cast(coalesce(inspection_counts.inspections, 0) as {{ dbt.type_int() }})      as inspections,
        cast(coalesce(inspection_counts.inspections_with_findings, 0) as {{ dbt.type_int() }})
                                                                                       as inspections_with_findings,
        cast(coalesce(opened.cases_opened, 0) as {{ dbt.type_int() }})                as cases_opened,
        cast(coalesce(closed.cases_closed, 0) as {{ dbt.type_int() }})                as cases_closed,
        {{ cast_money('coalesce(closed.involved_amt, 0)') }}                          as involved_amt,
        {{ cast_money('coalesce(closed.recovered_amt, 0)') }}                         as recovered_amt,
        {{ cast_money('coalesce(closed.fine_amt, 0)') }}                              as fine_amt
    from spine
    left join grades
        on spine.fixmedins_code = grades.subject_code
        and spine.year = grades.eval_year
    left join institutions
        on spine.fixmedins_code = institutions.fixmedins_code
    left join institution_points
        on spine.fixmedins_code = institution_points.fixmedins_code
        and spine.year = institution_points.year
    left join doctors
        on spine.fixmedins_code = doctors.fixmedins_code
        and spine.year = doctors.year
    left join inspection_counts
        on spine.fixmedins_code = inspection_counts.fixmedins_code
        and spine.year = inspection_counts.year
    left join opened
        on spine.fixmedins_code = opened.fixmedins_code
        and spine.year = opened.year
    left join closed
        on spine.fixmedins_code = closed.fixmedins_code
        and spine.year = closed.year

)

select * from final
