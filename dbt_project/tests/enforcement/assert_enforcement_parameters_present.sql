{#-
    The upward-report rule needs both of its parameters in seed enforcement_parameters (without
    them no case would ever be due). Returns the missing parameters.
-#}
with

required as (

    select 'upward_report_threshold' as parameter
    union all
    select 'upward_report_days'

)

select required.parameter
from required
left join {{ ref('enforcement_parameters') }} as parameters
    on required.parameter = parameters.parameter
where parameters.parameter is null
