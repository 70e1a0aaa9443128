{#-
    The parts of the risk score: per institution × period × indicator the raw value, the peer
    value, the shrunk value and its robust z-score (int_institution_risk_shrinkage), and the
    contribution weight × z clipped to [0, z_cap] — only deviations in the risky direction
    count. The biggest positive contributions are the reasons, as sentences with the numbers.
-#}
with

shrinkage as (

    select * from {{ ref('int_institution_risk_shrinkage') }}

),

indicators as (

    select * from {{ ref('risk_indicators') }}

),

scored as (

    select
        shrinkage.fixmedins_code,
        shrinkage.period,
        shrinkage.indicator,
        indicators.indicator_zh,
        indicators.sort_order,
        indicators.value_format,
        indicators.reason_template_zh,
        indicators.parameter,
        shrinkage.units,
        shrinkage.numerator,
        shrinkage.value_ratio,
        shrinkage.peer_ratio,
        shrinkage.value_ratio + indicators.value_offset                 as value,
        shrinkage.peer_ratio + indicators.value_offset                  as peer_value,
        shrinkage.shrunk_ratio + indicators.value_offset                as shrunk_value,
        shrinkage.shrinkage_weight,
        shrinkage.z_score,
        cast(indicators.weight as {{ type_double() }})               as weight,
        cast(indicators.weight as {{ type_double() }})
            * least(greatest(coalesce(shrinkage.z_score, 0), 0), indicators.z_cap)
                                                                        as contribution
    from shrinkage
    inner join indicators
        on shrinkage.indicator = indicators.indicator

),

ranked as (

    select
        scored.*,
        case when contribution > 0 then
            row_number() over (
                partition by fixmedins_code, period
                order by contribution desc, sort_order
            )
        end                                                             as positive_rank
    from scored

),

-- value and peer value as text in the indicator's unit
texts as (

    select
        ranked.*,
        {%- for column in ['value', 'peer_value'] %}
        case value_format
            when 'percent' then {{ number_text('100 * ' ~ column, 1) }} || '%'
            when 'growth' then case when {{ column }} >= 0 then '+' else '' end
                || {{ number_text('100 * ' ~ column, 1) }} || '%'
            when 'yuan' then {{ number_text(column, 0) }} || ' 元'
            when 'days' then {{ number_text(column, 1) }} || ' 天'
            when 'times' then {{ number_text(column, 2) }} || ' 次/人'
            when 'multiple' then {{ number_text(column, 2) }} || ' 倍'
        end                                                             as {{ column }}_text,
        {%- endfor %}
        case when peer_ratio > 0 then {{ number_text('value_ratio / peer_ratio', 1) }} end
                                                                        as ratio_text,
        {{ number_text('numerator', 0) }}                              as numerator_text
    from ranked

),

final as (

    select
        fixmedins_code || ':' || period                                 as institution_period_id,
        fixmedins_code,
        period,
        indicator,
        indicator_zh,
        cast(units as {{ dbt.type_bigint() }})                          as units,
        cast(value as {{ type_double() }})                           as value,
        cast(peer_value as {{ type_double() }})                      as peer_value,
        cast(shrunk_value as {{ type_double() }})                    as shrunk_value,
        cast(shrinkage_weight as {{ type_double() }})                as shrinkage_weight,
        cast(z_score as {{ type_double() }})                         as z_score,
        weight,
        cast(contribution as {{ type_double() }})                    as contribution,
        cast(positive_rank as {{ dbt.type_int() }})                     as reason_rank,
        replace(replace(replace(replace(replace(replace(reason_template_zh,
            '{name}', indicator_zh),
            '{value}', coalesce(value_text, '')),
            '{peer}', coalesce(peer_value_text, '')),
            '{ratio}', coalesce(ratio_text, '')),
            '{numerator}', numerator_text),
            '{parameter}', coalesce(cast(cast(parameter as {{ dbt.type_int() }}) as {{ dbt.type_string() }}), ''))
                                                                        as reason_zh
    from texts

)

select * from final
