{#
    Ratio helpers of the service marts (fct_institution_month, fct_area_month). Portable SQL
    only: the numerator is cast to an exact decimal before dividing, so engines that divide
    integers as integers (Postgres, Trino) give the same result as DuckDB.

    service_ratio(numerator, denominator): null unless the denominator is positive. A month
    can hold more refunds than settlements (a refund books in its own month), so a zero or
    negative 人次 / amount has no meaningful ratio.
#}
{% macro service_ratio(numerator, denominator, data_type='decimal(18, 4)') -%}
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
    values. Null unless b, c and d are positive.
#}
{% macro service_ratio_of_ratios(a, b, c, d, data_type='decimal(18, 4)') -%}
    cast(
        case
            when {{ b }} > 0 and {{ c }} > 0 and {{ d }} > 0
                then cast({{ a }} as decimal(38, 10)) * {{ d }} / ({{ b }} * {{ c }})
        end
        as {{ data_type }}
    )
{%- endmacro %}
