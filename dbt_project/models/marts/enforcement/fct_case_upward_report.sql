{#-
    One row per case due for upward reporting (fct_enforcement_case.report_due), in the order
    the page lists them: overdue and unreported first, then by deadline.
-#}
with

due_cases as (

    select * from {{ ref('fct_enforcement_case') }} where report_due

),

threshold as (

    select value as report_threshold
    from {{ ref('enforcement_parameters') }}
    where parameter = 'upward_report_threshold'

),

police as (

    select label_zh from {{ ref('enforcement_codes') }} where code_type = 'referral' and code = '1'

),

reasons as (

    select
        due_cases.*,
        -- the threshold in the text's own wording: 涉案金额50万元以上
        case when due_cases.involved_amt >= threshold.report_threshold
            then '涉案金额' || cast(cast(threshold.report_threshold / 10000 as {{ dbt.type_int() }})
                as {{ dbt.type_string() }}) || '万元以上'
        end                                                                        as amount_reason,
        case when due_cases.referral = '1' then police.label_zh end                as police_reason
    from due_cases
    cross join threshold
    cross join police

),

final as (

    select
        case_id,
        fixmedins_code,
        fixmedins_name,
        subject_type,
        violation_type_zh,
        involved_amt,
        referral_zh,
        case
            when amount_reason is not null and police_reason is not null
                then amount_reason || '、' || police_reason
            else coalesce(amount_reason, police_reason)
        end                                                                        as report_reason,
        report_trigger_date,
        report_deadline,
        report_date,
        report_status,
        days_overdue,
        cast(row_number() over (
            order by case when report_status = '逾期未报' then 0 else 1 end,
                report_deadline nulls last, case_id
        ) as {{ dbt.type_int() }})                                                 as display_order,
        as_of_date
    from reasons

)

select * from final
order by display_order
