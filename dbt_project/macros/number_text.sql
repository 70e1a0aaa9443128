{#
    A number as text with thousands separators and a fixed number of decimals, for sentences
    shown to users (3210.4 → '3,210'). Dispatched per engine: DuckDB's format(), Spark's
    format_number(); elsewhere a rounded plain number.
#}
{% macro number_text(expr, decimals=0) -%}
    {{ return(adapter.dispatch('number_text')(expr, decimals)) }}
{%- endmacro %}

{% macro default__number_text(expr, decimals) -%}
    cast(round(cast({{ expr }} as {{ dbt.type_numeric() }}), {{ decimals }}) as {{ dbt.type_string() }})
{%- endmacro %}

{% macro duckdb__number_text(expr, decimals) -%}
    format('{:,.{{ decimals }}f}', cast({{ expr }} as {{ type_double() }}))
{%- endmacro %}

{% macro spark__number_text(expr, decimals) -%}
    format_number(cast({{ expr }} as {{ type_double() }}), {{ decimals }})
{%- endmacro %}
