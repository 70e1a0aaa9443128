{#-
    Risk ranking of institutions per period (calendar year of settlement): volume and fund pay
    from fct_institution_month, rule hits from fct_rule_hit (the year of hit_date), the score
    as the sum of the contributions in fct_institution_risk_component, the rank, percentile,
    level (seed risk_levels) and the top reasons in words.
-#}

with

institution_months as (

    select * from {{ ref('fct_institution_month') }}
    where scheme = 'all' and visit_group = 'all'

),

institutions as (

    select * from {{ ref('dim_institutions') }}

),

rule_hits as (

    select * from {{ ref('fct_rule_hit') }}

),

components as (

    select * from {{ ref('fct_institution_risk_component') }}

),

levels as (

    select * from {{ ref('risk_levels') }}

),

institution_periods as (

    select
        fixmedins_code,
        cast(extract(year from setl_month) as {{ dbt.type_string() }})  as period,
        cast(sum(visits) as {{ dbt.type_bigint() }})                    as visits,
        {{ sum_money('fund_pay_sumamt') }}                              as fund_pay_amt
    from institution_months
    group by fixmedins_code, cast(extract(year from setl_month) as {{ dbt.type_string() }})

),

hits as (

    select
        fixmedins_code,
        cast(extract(year from hit_date) as {{ dbt.type_string() }})    as period,
        cast(count(*) as {{ dbt.type_bigint() }})                       as rule_hit_count,
        {{ sum_money('suspect_amt') }}                                  as rule_hit_amt,
        {{ sum_money("case when result_type = '明确' then suspect_amt else 0 end") }}
                                                                        as confirmed_hit_amt
    from rule_hits
    group by fixmedins_code, cast(extract(year from hit_date) as {{ dbt.type_string() }})

),

scores as (

    select
        institution_period_id,
        sum(contribution)                                               as risk_score,
        {{ dbt.listagg(
            "case when reason_rank <= 3 then reason_zh end",
            "'；'",
            "order by reason_rank") }}                                  as top_reasons_zh
    from components
    group by institution_period_id

),

joined as (

    select
        institution_periods.fixmedins_code || ':' || institution_periods.period as institution_period_id,
        institution_periods.fixmedins_code,
        institutions.fixmedins_name,
        institution_periods.period,
        coalesce(institutions.peer_group, 'unknown')                    as peer_group,
        coalesce(institutions.peer_group_zh, institutions.peer_group, 'unknown') as peer_group_zh,
        institutions.admdvs,
        institution_periods.visits,
        institution_periods.fund_pay_amt,
        cast(coalesce(hits.rule_hit_count, 0) as {{ dbt.type_bigint() }}) as rule_hit_count,
        {{ cast_money('coalesce(hits.rule_hit_amt, 0)') }}              as rule_hit_amt,
        {{ cast_money('coalesce(hits.confirmed_hit_amt, 0)') }}         as confirmed_hit_amt,
        coalesce(scores.risk_score, 0)                                  as risk_score,
        scores.top_reasons_zh
    from institution_periods
    left join institutions
        on institution_periods.fixmedins_code = institutions.fixmedins_code
    left join hits
        on institution_periods.fixmedins_code = hits.fixmedins_code
        and institution_periods.period = hits.period
    left join scores
        on institution_periods.fixmedins_code || ':' || institution_periods.period = scores.institution_period_id

),

ranked as (

    select
        joined.*,
        count(*) over (partition by period, peer_group)                 as peer_group_size,
        row_number() over (partition by period order by risk_score desc, fixmedins_code) as risk_rank,
        cume_dist() over (partition by period order by risk_score)      as risk_percentile
    from joined

),

level_bounds as (

    select
        risk_level_zh,
        min_score,
        lead(min_score) over (order by min_score)                       as next_min_score
    from levels

),

leveled as (

    select
        ranked.*,
        level_bounds.risk_level_zh
    from ranked
    left join level_bounds
        on ranked.risk_score >= level_bounds.min_score
        and (level_bounds.next_min_score is null or ranked.risk_score < level_bounds.next_min_score)

),

final as (

    select
        institution_period_id,
        fixmedins_code,
        fixmedins_name,
        period,
        peer_group,
        peer_group_zh,
        admdvs,
        cast(peer_group_size as {{ dbt.type_int() }})                   as peer_group_size,
        visits,
        fund_pay_amt,
        rule_hit_count,
        rule_hit_amt,
        confirmed_hit_amt,
        {{ safe_ratio('rule_hit_amt', 'fund_pay_amt', type_double()) }}     as rule_hit_ratio,
        cast(risk_score as {{ type_double() }})                      as risk_score,
        cast(risk_rank as {{ dbt.type_int() }})                         as risk_rank,
        cast(risk_percentile as {{ type_double() }})                 as risk_percentile,
        risk_level_zh,
        coalesce(top_reasons_zh, '')                                    as top_reasons_zh
    from leveled

)

select * from final
