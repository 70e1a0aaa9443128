{#
    The portable branch of month_spine (default__) yields the same months as the engine branch
    dispatched on this target, across a year boundary and a leap February.
#}
with

bounds as (

    select
        cast('2023-11-01' as date) as start_month,
        cast('2024-03-01' as date) as end_month

),

dispatched as ( {{ month_spine('bounds') }} ),

portable as ( {{ default__date_spine('bounds', 'month', 'start_month', 'end_month', 'month_start') }} ),

expected_count as (

    select count(*) as n from dispatched having count(*) = 5

),

differences as (

    (select month_start from dispatched except select month_start from portable)
    union all
    (select month_start from portable except select month_start from dispatched)
    union all
    select cast(null as date) as month_start
    from (select 1 as one) as single_row
    where not exists (select 1 from expected_count)

)

select * from differences
