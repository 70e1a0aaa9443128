{#
    Ratio helpers shared by every mart. Portable SQL only: the numerator is cast to an exact
    decimal before dividing, so engines that divide integers as integers (Postgres, Trino)
    give the same result as DuckDB.

    safe_ratio(numerator, denominator): null unless the denominator is positive. A month can
    hold more refunds than settlements (a refund books in its own month), so a zero or
    negative 人次 / amount / base has no meaningful ratio.
#}
{% macro safe_ratio(numerator, denominator, data_type='decimal(18, 4)') -%}
    cast(
        case
            when {{ denominator }} > 0
                then cast({{ numerator }} as decimal(38, 10)) / {{ denominator }}
        end
        as {{ data_type }}
    )
{%- endmacro %}

{#
    Ratio of two ratios from their sums, (a / b) ÷ (c / d) = (a × d) ÷ (b × c), so an
    institution's deviation from its peer group is not distorted by rounded intermediate
    values. Null unless b, c and d are positive. Computed in floating point: the products of
    two money sums overflow DECIMAL(18) at county scale, and a deviation needs no fen.
#}
{% macro ratio_of_ratios(a, b, c, d, data_type='decimal(18, 4)') -%}
    cast(
        case
            when {{ b }} > 0 and {{ c }} > 0 and {{ d }} > 0
                then (cast({{ a }} as {{ type_double() }}) * cast({{ d }} as {{ type_double() }}))
                    / (cast({{ b }} as {{ type_double() }}) * cast({{ c }} as {{ type_double() }}))
        end
        as {{ data_type }}
    )
{%- endmacro %}


{#
    Growth of `current` over `base` ((current − base) ÷ base, e.g. YoY, MoM): null when the
    base period is missing, zero or negative.
#}
{% macro growth_rate(current, base, data_type='decimal(18, 4)') -%}
    {{ safe_ratio('(' ~ current ~ ') - (' ~ base ~ ')', base, data_type) }}
{%- endmacro %}
