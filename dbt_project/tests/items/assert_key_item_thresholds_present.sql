{#
    Every parameter fct_key_item_month reads is present in seed key_item_thresholds (a
    missing one would silently turn the top-N scope or the anomaly flag off).
#}
with

required as (

    {% for name in ['top_n_drugs', 'top_n_consumables', 'anomaly_trailing_months',
                    'anomaly_min_history_months', 'anomaly_robust_z', 'anomaly_min_rise',
                    'anomaly_yoy_growth', 'anomaly_min_spend'] -%}
    select '{{ name }}' as name{% if not loop.last %} union all {% endif %}
    {% endfor %}

),

present as (

    select name from {{ ref('key_item_thresholds') }} where value is not null

)

select required.name
from required
left join present
    on required.name = present.name
where present.name is null
