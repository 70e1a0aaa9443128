{#
    An 8-byte floating-point type. dbt.type_float() is FLOAT, which DuckDB reads as a 4-byte
    REAL (7 significant digits) — too coarse for sums of squared money amounts.
#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double')()) }}
{%- endmacro %}

{% macro default__type_double() -%}
    double
{%- endmacro %}

{% macro postgres__type_double() -%}
    double precision
{%- endmacro %}
