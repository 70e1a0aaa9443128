{#-
    One row per case (stg_enforcement_cases.case_id): labels, the institution's area, recovery
    and fine ratios, time to close, and the upward-report status of 医保发〔2019〕14号 §9(二).
-#}
{#- Fine ranges of 《医疗保障基金使用监督管理条例》 as multiples of the amount involved (national
    law, not local policy): Art. 38 1-2× or no fine (责令退回 only), Art. 40 2-5×. -#}
{%- set fine_ranges = {
    '38': {'low': 1, 'high': 2, 'no_fine_allowed': true},
    '40': {'low': 2, 'high': 5, 'no_fine_allowed': false},
} -%}

with

cases as (

    select * from {{ ref('stg_enforcement_cases') }}

),

inspections as (

    select * from {{ ref('stg_inspections') }}

),

institutions as (

    select fixmedins_code, fixmedins_name, admdvs from {{ ref('dim_institutions') }}

),

codes as (

    select code_type, code, label_zh from {{ ref('enforcement_codes') }}

),

violation_types as (

    select violation_type, violation_type_zh, rule_family from {{ ref('violation_types') }}

),

parameters as (

    select
        max(case when parameter = 'upward_report_threshold' then value end) as report_threshold,
        max(case when parameter = 'upward_report_days' then value end)      as report_days
    from {{ ref('enforcement_parameters') }}

),

as_of as (

    select as_of_date from {{ ref('int_enforcement_as_of') }}

),

reporting as (

    select
        cases.case_id,
        cases.involved_amt >= parameters.report_threshold or cases.referral = '1' as report_due,
        case
            when cases.referral = '1' and cases.referral_date is not null
                and (cases.close_date is null or cases.referral_date < cases.close_date)
                then cases.referral_date
            else cases.close_date
        end                                                                   as report_trigger_date,
        parameters.report_days
    from cases
    cross join parameters

),

deadlines as (

    select
        case_id,
        report_due,
        case when report_due then report_trigger_date end                    as report_trigger_date,
        case
            when report_due and report_trigger_date is not null
                then cast({{ dbt.dateadd('day', 'report_days', 'report_trigger_date') }} as date)
        end                                                                   as report_deadline
    from reporting

),

joined as (

    select
        cases.*,
        inspections.insp_type,
        institutions.fixmedins_name,
        institutions.admdvs,
        violation_types.violation_type_zh,
        violation_types.rule_family,
        cases.case_status in ('4', '5')                                       as is_closed,
        deadlines.report_due,
        deadlines.report_trigger_date,
        deadlines.report_deadline,
        as_of.as_of_date
    from cases
    cross join as_of
    inner join deadlines
        on cases.case_id = deadlines.case_id
    left join inspections
        on cases.insp_id = inspections.insp_id
    left join institutions
        on cases.fixmedins_code = institutions.fixmedins_code
    left join violation_types
        on cases.violation_type = violation_types.violation_type

),

statuses as (

    select
        joined.*,
        case
            when not report_due then null
            when report_date is not null and (report_deadline is null or report_date <= report_deadline)
                then '按时上报'
            when report_date is not null then '逾期上报'
            when report_deadline is null then '待办结'
            when report_deadline < as_of_date then '逾期未报'
            else '待上报'
        end                                                                   as report_status
    from joined

),

final as (

    select
        statuses.case_id,
        statuses.open_date,
        cast(extract(year from statuses.open_date) as {{ dbt.type_int() }})  as open_year,
        cast({{ dbt.date_trunc('month', 'statuses.open_date') }} as date)     as open_month,
        statuses.case_source,
        source_codes.label_zh                                                 as case_source_zh,
        statuses.tip_id,
        statuses.insp_id,
        statuses.insp_type,
        insp_codes.label_zh                                                   as insp_type_zh,
        statuses.subject_type,
        subject_codes.label_zh                                                as subject_type_zh,
        statuses.subject_code,
        statuses.fixmedins_code,
        statuses.fixmedins_name,
        statuses.admdvs,
        statuses.violation_type,
        statuses.violation_type_zh,
        statuses.rule_family,
        statuses.viol_begndate,
        statuses.viol_enddate,
        statuses.involved_amt,
        statuses.recovered_amt,
        statuses.fine_amt,
        {{ safe_ratio('statuses.recovered_amt', 'statuses.involved_amt', 'decimal(9, 4)') }}
                                                                              as recovery_rate,
        {{ safe_ratio('statuses.fine_amt', 'statuses.involved_amt', 'decimal(9, 4)') }}
                                                                              as fine_multiple,
        statuses.legal_article,
        article_codes.label_zh                                                as legal_article_zh,
        case
            when not statuses.is_closed then null
            {%- for article, range in fine_ranges.items() %}
            when statuses.legal_article = '{{ article }}'
                then {% if range.no_fine_allowed %}statuses.fine_amt = 0 or {% endif -%}
                    (statuses.fine_amt >= {{ range.low }} * statuses.involved_amt
                     and statuses.fine_amt <= {{ range.high }} * statuses.involved_amt)
            {%- endfor %}
            when statuses.legal_article is null then statuses.fine_amt = 0
            else false
        end                                                                   as fine_in_range,
        statuses.referral,
        referral_codes.label_zh                                               as referral_zh,
        statuses.referral_date,
        statuses.case_status,
        status_codes.label_zh                                                 as case_status_zh,
        statuses.is_closed,
        statuses.close_date,
        cast(
            case when statuses.is_closed
                then {{ dbt.datediff('statuses.open_date', 'statuses.close_date', 'day') }} end
        as {{ dbt.type_int() }})                                              as days_to_close,
        cast(
            case when not statuses.is_closed
                then {{ dbt.datediff('statuses.open_date', 'statuses.as_of_date', 'day') }} end
        as {{ dbt.type_int() }})                                              as days_open,
        statuses.public_flag,
        statuses.report_due,
        statuses.report_trigger_date,
        statuses.report_deadline,
        statuses.report_date,
        statuses.report_status,
        cast(
            case statuses.report_status
                when '逾期上报'
                    then {{ dbt.datediff('statuses.report_deadline', 'statuses.report_date', 'day') }}
                when '逾期未报'
                    then {{ dbt.datediff('statuses.report_deadline', 'statuses.as_of_date', 'day') }}
                when '按时上报' then 0
                when '待上报' then 0
            end
        as {{ dbt.type_int() }})                                              as days_overdue,
        statuses.as_of_date

    from statuses
    left join codes as source_codes
        on source_codes.code_type = 'case_source' and statuses.case_source = source_codes.code
    left join codes as insp_codes
        on insp_codes.code_type = 'insp_type' and statuses.insp_type = insp_codes.code
    left join codes as subject_codes
        on subject_codes.code_type = 'subject_type' and statuses.subject_type = subject_codes.code
    left join codes as article_codes
        on article_codes.code_type = 'legal_article' and statuses.legal_article = article_codes.code
    left join codes as referral_codes
        on referral_codes.code_type = 'referral' and statuses.referral = referral_codes.code
    left join codes as status_codes
        on status_codes.code_type = 'case_status' and statuses.case_status = status_codes.code

)

select * from final
