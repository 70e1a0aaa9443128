{#-
    Every rule family has a Chinese definition for the case list's 说明 sheet (seed
    rule_family_definitions). Warns only: a new family still lists and exports its hits, the
    sheet then shows its source instead. Returns the families without a definition.
-#}
{{ config(severity='warn') }}

select families.rule_family, families.rule_family_zh
from {{ ref('rule_families') }} as families
left join {{ ref('rule_family_definitions') }} as definitions
    on families.rule_family = definitions.rule_family
where definitions.rule_family is null
