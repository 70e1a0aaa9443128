{#
    The raw source on Spark: one view raw.<table> per table of the source `raw`, over the Parquet
    folder `python -m ingest export-parquet` writes (<dir>/<table>/<batch_id>.parquet), so Spark
    reads the landed files directly, with their column types. Run as an on-run-start hook;
    nothing to do on DuckDB, which attaches the landing database itself (profiles.yml).

    The folder is $YIBAO_LANDING_PARQUET, default $YIBAO_DATA/landing/parquet (as
    ingest.settings.landing_parquet_dir), relative to the directory dbt runs in. A missing table
    folder stops the run here, before any model, with Spark's "[PATH_NOT_FOUND] Path does not
    exist: <folder>".
#}
{% macro landing_views() %}
    {{ return(adapter.dispatch('landing_views')()) }}
{% endmacro %}

{% macro default__landing_views() %}
{% endmacro %}

{% macro spark__landing_views() %}
    {%- if execute -%}
        {%- set folder = env_var('YIBAO_LANDING_PARQUET', env_var('YIBAO_DATA', 'data') ~ '/landing/parquet') -%}
        {%- do run_query('create schema if not exists raw') -%}
        {%- for source in graph.sources.values() | selectattr('source_name', 'equalto', 'raw') -%}
            {%- do run_query('create or replace view raw.' ~ source.identifier
                             ~ ' as select * from parquet.`' ~ folder ~ '/' ~ source.identifier ~ '`') -%}
        {%- endfor -%}
    {%- endif -%}
{% endmacro %}
