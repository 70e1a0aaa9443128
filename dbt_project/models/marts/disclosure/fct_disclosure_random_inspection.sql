{#-
    双随机抽查结果: the random inspections (insp_type 4) ended in a finalised period with a
    recorded result, and that result in words (rules: docs block disclosure_random_inspection).
    No inspector, finding text or suspect amount is carried.
-#}

with

inspections as (

    select * from {{ ref('stg_inspections') }}

),

cases as (

    select insp_id, case_status from {{ ref('stg_enforcement_cases') }}

),

institutions as (

    select fixmedins_code, fixmedins_name from {{ ref('dim_institutions') }}

),

final_months as (

    select period_start, period_end
    from {{ ref('dim_disclosure_enforcement_periods') }}
    where period_type = 'month'

),

-- a case opened on the inspection's findings and not revoked (case_status 5 撤销)
inspection_cases as (

    select distinct insp_id
    from cases
    where insp_id is not null
        and case_status <> '5'

),

ended_random_inspections as (

    select
        inspections.*,
        cast(extract(year from inspections.enddate) as {{ dbt.type_int() }}) as end_year,
        final_months.period_start                                            as end_month,
        inspection_cases.insp_id is not null                                 as has_case
    from inspections
    inner join final_months
        on inspections.enddate between final_months.period_start and final_months.period_end
    left join inspection_cases
        on inspections.insp_id = inspection_cases.insp_id
    where inspections.insp_type = '4'
        and inspections.finding_flag is not null

),

final as (

    select
        ended_random_inspections.insp_id,
        ended_random_inspections.draw_id,
        ended_random_inspections.fixmedins_code,
        institutions.fixmedins_name,
        ended_random_inspections.begndate,
        ended_random_inspections.enddate,
        ended_random_inspections.end_year,
        cast(ended_random_inspections.end_month as date)                     as end_month,
        ended_random_inspections.finding_flag,
        ended_random_inspections.has_case,
        case
            when ended_random_inspections.has_case then '发现问题已立案查处'
            when ended_random_inspections.finding_flag = '1' then '发现问题责令整改'
            else '未发现问题'
        end                                                                  as result_zh
    from ended_random_inspections
    left join institutions
        on ended_random_inspections.fixmedins_code = institutions.fixmedins_code

)

select * from final
