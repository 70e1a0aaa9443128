-- The key areas of the inspection case list (seed key_areas) as readers show them.
with

key_areas as (

    select * from {{ ref('key_areas') }}

),

final as (

    select
        key_area_zh,
        sort_order,
        is_campaign_area,
        definition_zh
    from key_areas

)

select * from final
