{#
    Amount identity: `total` equals the sum of `parts`, to the fen (the contract's Identity,
    ingest/contracts.py). Missing parts count as zero, so a null cannot hide a mismatch.
    Returns the offending rows with their difference.
#}
{% test amounts_add_up(model, total, parts, tolerance=0.005) %}

    with checked as (

        select
            *,
            coalesce({{ total }}, 0) - (
                {% for part in parts -%}
                    coalesce({{ part }}, 0){% if not loop.last %} + {% endif %}
                {%- endfor %}
            ) as identity_difference
        from {{ model }}

    )

    select *
    from checked
    where abs(identity_difference) > {{ tolerance }}

{% endtest %}
