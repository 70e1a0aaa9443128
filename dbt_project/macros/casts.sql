{#
    Casts for the contract's logical types (ingest/contracts.py DUCKDB_TYPES). Money stays an
    exact DECIMAL everywhere -- never a double -- so identities hold to the fen.
#}
{% macro cast_money(expr) -%}
    cast({{ expr }} as decimal(18, 2))
{%- endmacro %}

{% macro cast_qty(expr) -%}
    cast({{ expr }} as decimal(18, 4))
{%- endmacro %}

{% macro cast_ratio(expr) -%}
    cast({{ expr }} as decimal(9, 4))
{%- endmacro %}

{#- Sum of money that stays DECIMAL(18,2) (some engines widen the precision of sum()). -#}
{% macro sum_money(expr) -%}
    cast(sum({{ expr }}) as decimal(18, 2))
{%- endmacro %}
