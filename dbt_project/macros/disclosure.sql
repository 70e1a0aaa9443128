{#
    One parameter of the disclosure rules (seed disclosure_parameters: name, value) as a one-row
    select with the parameter's name as its column; `default` when the seed lacks it. Used as a
    CTE and cross-joined, so every disclosure model reads its rules the same way.
#}
{% macro disclosure_parameter(name, default) -%}
    select
        coalesce(max(case when name = '{{ name }}' then value end), {{ default }}) as {{ name }}
    from {{ ref('disclosure_parameters') }}
{%- endmacro %}
