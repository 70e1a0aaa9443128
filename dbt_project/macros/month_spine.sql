{#
    One row per month (`month_start`, a date on the 1st) from the first to the last month of a
    one-row bounds relation, both inclusive.

        months as ( {{ month_spine('bounds') }} )   -- bounds has start_month and end_month

    Dispatched: DuckDB uses generate_series; the default branch builds month offsets from
    cross-joined digits (0..9999) and dbt.dateadd, so any engine with CTEs runs it. The
    singular test assert_month_spine_branches_agree runs both branches on DuckDB.
#}
{% macro month_spine(bounds, start_column='start_month', end_column='end_month') %}
    {{ return(adapter.dispatch('month_spine')(bounds, start_column, end_column)) }}
{% endmacro %}


{% macro default__month_spine(bounds, start_column, end_column) %}
    select
        cast({{ dbt.dateadd('month', 'offsets.n', 'b.' ~ start_column) }} as date) as month_start
    from {{ bounds }} as b
    cross join (
        select
            {% for i in range(4) -%}
            d{{ i }}.d * {{ 10 ** i }}{% if not loop.last %} + {% endif %}
            {%- endfor %} as n
        from
            {% for i in range(4) -%}
            (
                {% for digit in range(10) -%}
                select {{ digit }} as d{% if not loop.last %} union all {% endif %}
                {%- endfor %}
            ) as d{{ i }}{% if not loop.last %} cross join{% endif %}
            {% endfor %}
    ) as offsets
    where offsets.n <= {{ dbt.datediff('b.' ~ start_column, 'b.' ~ end_column, 'month') }}
{% endmacro %}


{% macro duckdb__month_spine(bounds, start_column, end_column) %}
    select cast(series.month_start as date) as month_start
    from {{ bounds }} as b,
        generate_series(
            cast(b.{{ start_column }} as timestamp),
            cast(b.{{ end_column }} as timestamp),
            interval 1 month
        ) as series (month_start)
{% endmacro %}
