{#
    Use the configured schema name as is (staging, intermediate, seeds, marts ...) instead of
    dbt's default `<target schema>_<custom schema>`: one warehouse file per deployment, so
    there is no need to prefix schemas per developer.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
