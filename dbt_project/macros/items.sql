{#
    Exact median of `expr` as an aggregate (used with group by), for the key-item anomaly
    score (fct_key_item_month). Dispatched because engines spell it differently:
      default  ANSI ordered-set aggregate percentile_cont(0.5) within group (order by …):
               DuckDB, PostgreSQL, Snowflake, Redshift, Databricks/Spark ≥ 3.3 accept it, and
               the DuckDB build runs this branch, so it is the tested one;
      spark    percentile(expr, 0.5) (exact; older Spark has no within group);
      trino    approx_percentile(expr, 0.5) (Trino has no exact median aggregate).
#}
{% macro items_median(expr) %}
    {{ return(adapter.dispatch('items_median')(expr)) }}
{% endmacro %}

{% macro default__items_median(expr) -%}
    percentile_cont(0.5) within group (order by {{ expr }})
{%- endmacro %}

{% macro spark__items_median(expr) -%}
    percentile({{ expr }}, 0.5)
{%- endmacro %}

{% macro trino__items_median(expr) -%}
    approx_percentile({{ expr }}, 0.5)
{%- endmacro %}
