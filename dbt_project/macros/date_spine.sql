{#
    One row per day or month between the two dates of a one-row bounds relation, both
    inclusive, as a date column (`month_start` or `day`).

        months as ( {{ month_spine('bounds') }} )   -- bounds has start_month and end_month
        days as ( {{ day_spine('bounds', 'start_day', 'end_day') }} )

    Dispatched: DuckDB uses generate_series; the default branch builds offsets from
    cross-joined digits (0..99999) and dbt.dateadd, so any engine with CTEs runs it. The
    singular test assert_month_spine_branches_agree runs both branches on DuckDB.
#}
{% macro month_spine(bounds, start_column='start_month', end_column='end_month') %}
    {{ return(adapter.dispatch('date_spine')(bounds, 'month', start_column, end_column, 'month_start')) }}
{% endmacro %}


{% macro day_spine(bounds, start_column='start_day', end_column='end_day') %}
    {{ return(adapter.dispatch('date_spine')(bounds, 'day', start_column, end_column, 'day')) }}
{% endmacro %}


{% macro default__date_spine(bounds, datepart, start_column, end_column, column) %}
    select
        cast({{ dbt.dateadd(datepart, 'offsets.n', 'b.' ~ start_column) }} as date) as {{ column }}
    from {{ bounds }} as b
    cross join (
        select
            {% for i in range(5) -%}
            d{{ i }}.d * {{ 10 ** i }}{% if not loop.last %} + {% endif %}
            {%- endfor %} as n
        from
            {% for i in range(5) -%}
            (
                {% for digit in range(10) -%}
                select {{ digit }} as d{% if not loop.last %} union all {% endif %}
                {%- endfor %}
            ) as d{{ i }}{% if not loop.last %} cross join{% endif %}
            {% endfor %}
    ) as offsets
    where offsets.n <= {{ dbt.datediff('b.' ~ start_column, 'b.' ~ end_column, datepart) }}
{% endmacro %}


{% macro duckdb__date_spine(bounds, datepart, start_column, end_column, column) %}
    select cast(series.{{ column }} as date) as {{ column }}
    from {{ bounds }} as b,
        generate_series(
            cast(b.{{ start_column }} as timestamp),
            cast(b.{{ end_column }} as timestamp),
            interval 1 {{ datepart }}
        ) as series ({{ column }})
{% endmacro %}
