{#-
    违规失信信息: the closed cases (case_status 4 结案) against institutions (subject_type 1) in a
    finalised period by close_date, with the institution's credit grade of the close year.
    Institutions only: no doctor, pharmacist or insured person, no inspector, no person-level
    amount (rules: docs block disclosure_violation).
-#}

with

cases as (

    select * from {{ ref('stg_enforcement_cases') }}

),

institutions as (

    select fixmedins_code, fixmedins_name from {{ ref('dim_institutions') }}

),

violation_types as (

    select violation_type, violation_type_zh, legal_article from {{ ref('violation_types') }}

),

legal_articles as (

    select code as legal_article, label_zh as legal_article_zh
    from {{ ref('enforcement_codes') }}
    where code_type = 'legal_article'

),

grades as (

    select eval_year, subject_code, credit_grade, blacklist_flag, blacklist_begndate, blacklist_enddate
    from {{ ref('stg_credit_grades') }}
    where subject_type = '1'

),

final_months as (

    select period_start, period_end
    from {{ ref('dim_disclosure_enforcement_periods') }}
    where period_type = 'month'

),

closed_institution_cases as (

    select
        cases.*,
        cast(extract(year from cases.close_date) as {{ dbt.type_int() }}) as close_year,
        final_months.period_start                                         as close_month
    from cases
    inner join final_months
        on cases.close_date between final_months.period_start and final_months.period_end
    where cases.case_status = '4'
        and cases.subject_type = '1'

),

final as (

    select
        closed_institution_cases.case_id,
        closed_institution_cases.close_date,
        closed_institution_cases.close_year,
        cast(closed_institution_cases.close_month as date)                 as close_month,
        closed_institution_cases.subject_code                              as fixmedins_code,
        institutions.fixmedins_name,
        closed_institution_cases.violation_type,
        violation_types.violation_type_zh,
        coalesce(closed_institution_cases.legal_article, violation_types.legal_article)
                                                                           as legal_article,
        legal_articles.legal_article_zh,
        closed_institution_cases.involved_amt,
        closed_institution_cases.recovered_amt,
        closed_institution_cases.fine_amt,
        grades.credit_grade,
        coalesce(grades.blacklist_flag = '1', false)                       as is_blacklisted,
        grades.blacklist_begndate,
        grades.blacklist_enddate
    from closed_institution_cases
    left join institutions
        on closed_institution_cases.subject_code = institutions.fixmedins_code
    left join violation_types
        on closed_institution_cases.violation_type = violation_types.violation_type
    left join legal_articles
        on coalesce(closed_institution_cases.legal_article, violation_types.legal_article)
           = legal_articles.legal_article
    left join grades
        on closed_institution_cases.subject_code = grades.subject_code
        and closed_institution_cases.close_year = grades.eval_year

)

select * from final
