{#-
    fct_case_upward_report lists exactly the cases of fct_enforcement_case with report_due, with
    the same deadline and status. Returns the cases missing from either side or differing.
-#}
with

due as (

    select case_id, report_deadline, report_status
    from {{ ref('fct_enforcement_case') }}
    where report_due

),

listed as (

    select case_id, report_deadline, report_status from {{ ref('fct_case_upward_report') }}

)

select
    coalesce(due.case_id, listed.case_id) as case_id,
    due.case_id is not null               as is_due,
    listed.case_id is not null            as is_listed
from due
full outer join listed
    on due.case_id = listed.case_id
where due.case_id is null
    or listed.case_id is null
    or due.report_status <> listed.report_status
    or coalesce(due.report_deadline, listed.report_deadline) is not null
        and (due.report_deadline is null or listed.report_deadline is null
             or due.report_deadline <> listed.report_deadline)
