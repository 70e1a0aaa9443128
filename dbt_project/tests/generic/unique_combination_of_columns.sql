{#
    The combination of `columns` is unique in the model (a compound key).
    Written here rather than taken from dbt_utils to keep the project free of packages.
#}
{% test unique_combination_of_columns(model, columns) %}

    select
        {{ columns | join(', ') }},
        count(*) as n_rows
    from {{ model }}
    group by {{ columns | join(', ') }}
    having count(*) > 1

{% endtest %}
