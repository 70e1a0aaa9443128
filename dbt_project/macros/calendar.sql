{#- ISO day of week of a date, 1 = Monday … 7 = Sunday. -#}
{% macro iso_weekday(expr) %}
    {{ return(adapter.dispatch('iso_weekday')(expr)) }}
{% endmacro %}

{% macro default__iso_weekday(expr) -%}
    extract(isodow from {{ expr }})
{%- endmacro %}

{#- Spark's dayofweek counts 1 = Sunday … 7 = Saturday. -#}
{% macro spark__iso_weekday(expr) -%}
    ((dayofweek({{ expr }}) + 5) % 7 + 1)
{%- endmacro %}
