{#
    Every threshold a model reads from the thresholds seed is present (a missing one would make
    the model silently compute with null).
#}
with

required as (

    select 'min_los_days' as name
    union all select 'readmission_window_days'

),

present as (

    select name from {{ ref('thresholds') }}

)

select required.name
from required
left join present on required.name = present.name
where present.name is null
