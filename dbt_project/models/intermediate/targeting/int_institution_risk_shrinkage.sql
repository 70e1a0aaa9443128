{#-
    Empirical-Bayes shrinkage of each institution's indicator toward its peer value, and the
    robust z-score the risk score uses. Per indicator × period × comparison scope (the peer
    group, or all institutions when the seed's peer_scope is 'all'):
      peer value μ      = Σ numerator ÷ Σ denominator (ratio of sums);
      dispersion φ      = Σ sum_sq_residual ÷ Σ variance_base (pooled over the scope, so a
                          small institution's variance does not rest on its own few units);
      sampling var v_i  = φ · variance_base_i ÷ denominator_i²;
      between var τ²    = DerSimonian–Laird method of moments: max(0, (Q − (k − 1)) ÷
                          (Σw − Σw² ÷ Σw)), w_i = 1 ÷ v_i, Q = Σ w_i (r_i − r̄_w)²;
      shrunk value      = μ + τ² ÷ (τ² + v_i) · (r_i − μ)  (r_i itself when v_i = 0).
    Deviation in the risk direction (seed deviation_basis): relative, shrunk ÷ μ − 1
    (direction 1) or μ ÷ shrunk − 1 (direction −1, a low value is risky); absolute, ±(shrunk −
    μ) (shares, in percentage points); level, shrunk − the median shrunk value of the
    period's institutions (for shares whose clean value is zero, such as rule hits). z = deviation ÷ scale, scale = max(1.4826 × median
    |deviation| over the period's institutions, seed scale_floor).
-#}

with

indicator_values as (

    select * from {{ ref('int_institution_risk_indicators') }}

),

indicators as (

    select * from {{ ref('risk_indicators') }}

),

institutions as (

    select fixmedins_code, peer_group from {{ ref('dim_institutions') }}

),

scoped as (

    select
        indicator_values.*,
        coalesce(institutions.peer_group, 'unknown')                    as peer_group,
        case when indicators.peer_scope = 'all' then 'all'
             else coalesce(institutions.peer_group, 'unknown') end      as comparison_scope,
        indicators.direction,
        indicators.deviation_basis,
        indicators.scale_floor
    from indicator_values
    inner join indicators
        on indicator_values.indicator = indicators.indicator
    left join institutions
        on indicator_values.fixmedins_code = institutions.fixmedins_code

),

pooled as (

    select
        indicator,
        period,
        comparison_scope,
        count(*)                                                        as scope_size,
        sum(numerator) / sum(denominator)                               as peer_ratio,
        case when sum(variance_base) > 0 then sum(sum_sq_residual) / sum(variance_base) end
                                                                        as dispersion
    from scoped
    group by indicator, period, comparison_scope

),

with_variance as (

    select
        scoped.*,
        pooled.scope_size,
        pooled.peer_ratio,
        coalesce(pooled.dispersion, 0) * scoped.variance_base / (scoped.denominator * scoped.denominator)
                                                                        as sampling_variance
    from scoped
    inner join pooled
        on scoped.indicator = pooled.indicator
        and scoped.period = pooled.period
        and scoped.comparison_scope = pooled.comparison_scope

),

-- inverse-variance weights of the method of moments (units without variance carry no weight)
weighted as (

    select
        with_variance.*,
        case when sampling_variance > 0 then 1 / sampling_variance end  as inverse_variance
    from with_variance

),

weight_sums as (

    select
        indicator,
        period,
        comparison_scope,
        count(inverse_variance)                                         as weighted_count,
        sum(inverse_variance)                                           as sum_w,
        sum(inverse_variance * inverse_variance)                        as sum_w2,
        sum(inverse_variance * value_ratio) / sum(inverse_variance)     as weighted_mean
    from weighted
    group by indicator, period, comparison_scope

),

heterogeneity as (

    select
        weight_sums.indicator,
        weight_sums.period,
        weight_sums.comparison_scope,
        case
            when weight_sums.weighted_count >= 2 and weight_sums.sum_w - weight_sums.sum_w2 / weight_sums.sum_w > 0
                then greatest(
                    (sum(weighted.inverse_variance * (weighted.value_ratio - weight_sums.weighted_mean)
                         * (weighted.value_ratio - weight_sums.weighted_mean))
                     - (weight_sums.weighted_count - 1))
                    / (weight_sums.sum_w - weight_sums.sum_w2 / weight_sums.sum_w),
                    0)
        end                                                             as between_variance
    from weight_sums
    inner join weighted
        on weight_sums.indicator = weighted.indicator
        and weight_sums.period = weighted.period
        and weight_sums.comparison_scope = weighted.comparison_scope
    where weighted.inverse_variance is not null
    group by
        weight_sums.indicator, weight_sums.period, weight_sums.comparison_scope,
        weight_sums.weighted_count, weight_sums.sum_w, weight_sums.sum_w2

),

shrunk as (

    select
        weighted.*,
        heterogeneity.between_variance,
        case
            when weighted.sampling_variance = 0 then 1
            when heterogeneity.between_variance is null then 0
            else heterogeneity.between_variance / (heterogeneity.between_variance + weighted.sampling_variance)
        end                                                             as shrinkage_weight
    from weighted
    left join heterogeneity
        on weighted.indicator = heterogeneity.indicator
        and weighted.period = heterogeneity.period
        and weighted.comparison_scope = heterogeneity.comparison_scope

),

shrunk_values as (

    select
        shrunk.*,
        peer_ratio + shrinkage_weight * (value_ratio - peer_ratio)      as shrunk_ratio
    from shrunk

),

level_centres as (

    select
        indicator,
        period,
        percentile_cont(0.5) within group (order by shrunk_ratio)       as median_shrunk_ratio
    from shrunk_values
    group by indicator, period

),

deviations as (

    select
        shrunk_values.*,
        case
            when shrunk_values.deviation_basis = 'level'
                then shrunk_values.direction * (shrunk_values.shrunk_ratio - level_centres.median_shrunk_ratio)
            when shrunk_values.deviation_basis = 'absolute'
                then shrunk_values.direction * (shrunk_values.shrunk_ratio - shrunk_values.peer_ratio)
            when shrunk_values.peer_ratio <= 0 then null
            when shrunk_values.direction = 1
                then shrunk_values.shrunk_ratio / shrunk_values.peer_ratio - 1
            when shrunk_values.shrunk_ratio > 0
                then shrunk_values.peer_ratio / shrunk_values.shrunk_ratio - 1
        end                                                             as deviation
    from shrunk_values
    inner join level_centres
        on shrunk_values.indicator = level_centres.indicator
        and shrunk_values.period = level_centres.period

),

scales as (

    select
        indicator,
        period,
        1.4826 * percentile_cont(0.5) within group (order by abs(deviation)) as robust_scale
    from deviations
    where deviation is not null
    group by indicator, period

),

final as (

    select
        deviations.fixmedins_code,
        deviations.period,
        deviations.indicator,
        deviations.peer_group,
        deviations.comparison_scope,
        deviations.scope_size,
        deviations.units,
        deviations.numerator,
        deviations.denominator,
        deviations.value_ratio,
        deviations.peer_ratio,
        deviations.sampling_variance,
        deviations.between_variance,
        deviations.shrinkage_weight,
        deviations.shrunk_ratio,
        deviations.deviation,
        greatest(scales.robust_scale, deviations.scale_floor)           as deviation_scale,
        deviations.deviation / greatest(scales.robust_scale, deviations.scale_floor)
                                                                        as z_score
    from deviations
    left join scales
        on deviations.indicator = scales.indicator
        and deviations.period = scales.period

)

select * from final
