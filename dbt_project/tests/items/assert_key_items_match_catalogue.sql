{#
    Every row of seed key_items matches at least one catalogue entry (dim_items.key_item_id),
    so a renamed or retired item on the focus list is noticed. A warning, not an error: a
    province's catalogue may lack an item of the national list.
#}
{{ config(severity='warn') }}

with

key_items as (

    select key_item_id, key_item_name from {{ ref('key_items') }}

),

matched as (

    select distinct key_item_id from {{ ref('dim_items') }} where key_item_id is not null

)

select key_items.*
from key_items
left join matched
    on key_items.key_item_id = matched.key_item_id
where matched.key_item_id is null
