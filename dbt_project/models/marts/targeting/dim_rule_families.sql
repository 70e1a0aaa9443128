-- The rule families of fct_rule_hit as readers show them: name, 违规大类, source, definition and
-- display order (the order of seed rule_families).
with

families as (

    select
        *,
        row_number() over () as seed_order
    from {{ ref('rule_families') }}

),

definitions as (

    select * from {{ ref('rule_family_definitions') }}

),

final as (

    select
        families.rule_family,
        families.rule_family_zh,
        families.rule_category_zh,
        families.source,
        definitions.definition_zh,
        cast(families.seed_order as {{ dbt.type_int() }})   as sort_order
    from families
    left join definitions
        on families.rule_family = definitions.rule_family

)

select * from final
