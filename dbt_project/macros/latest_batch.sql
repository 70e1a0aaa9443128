{#
    Keep one row per key: the row of the latest load batch.

    Batch ids (`_batch_id`, see ingest/schema.py) are sortable strings, so the latest batch is
    the greatest id. Plain row_number() rather than QUALIFY keeps this portable (Spark, Trino).
    Emits a complete select statement; the caller lists the columns it keeps, which drops the
    helper column `_batch_rank`.
#}
{% macro latest_batch(relation, key_columns, order_column='_batch_id') %}
    select *
    from (
        select
            *,
            row_number() over (
                partition by {{ key_columns | join(', ') }}
                order by {{ order_column }} desc
            ) as _batch_rank
        from {{ relation }}
    ) as ranked
    where _batch_rank = 1
{% endmacro %}
