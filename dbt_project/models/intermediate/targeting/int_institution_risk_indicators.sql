{#-
    The raw material of the risk score: one row per institution × period (calendar year of
    settlement) × indicator of seed risk_indicators, with the indicator as a ratio of sums
    (numerator ÷ denominator) over its units — visits (mdtrt_id, refunds netted), persons, or
    rule hits — and the two sums the empirical-Bayes step needs for the sampling variance of
    that ratio: sum_sq_residual S = Σ (n_j − r·d_j)² over the units (delta method for a ratio
    estimator; for rule hits Σ suspect_amt², the compound-Poisson variance of the hit total)
    and variance_base Q (Σ d_j²; for rule hits the medical total), so that a pooled dispersion
    φ = ΣS ÷ ΣQ gives each institution v = φ·Q ÷ D² (int_institution_risk_shrinkage).
    Inpatient cost and length of stay are case-mix adjusted: observed ÷ expected, the
    expectation of each stay being the peer group's mean for its main-diagnosis category.
-#}

with

settlements as (

    select * from {{ ref('int_settlements') }}

),

rule_hits as (

    select * from {{ ref('fct_rule_hit') }}

),

stay_diagnoses as (

    select mdtrt_id, substring(dscg_maindiag_code, 1, 3) as diag_category
    from {{ ref('int_visits') }}

),

institutions as (

    select fixmedins_code, peer_group from {{ ref('dim_institutions') }}

),

indicators as (

    select * from {{ ref('risk_indicators') }}

),

short_stay as (

    select cast(parameter as {{ dbt.type_int() }}) as max_days
    from indicators
    where indicator = 'short_stay_share'

),

-- one row per visit, refunds netted (a refunded and re-settled visit counts once)
visits as (

    select
        settlements.fixmedins_code,
        cast(extract(year from settlements.setl_month) as {{ dbt.type_string() }}) as period,
        settlements.mdtrt_id,
        settlements.psn_no,
        settlements.is_inpatient,
        settlements.visit_type,
        cast(sum(settlements.setl_cnt) as {{ type_double() }})                as visits,
        cast(sum(settlements.medfee_sumamt) as {{ type_double() }})           as medfee,
        cast(sum(settlements.fund_pay_sumamt) as {{ type_double() }})         as fund_pay,
        cast(sum(settlements.drug_amt) as {{ type_double() }})                as drug,
        cast(sum(settlements.consumable_amt) as {{ type_double() }})          as consumable,
        cast(sum(case when settlements.is_discharged then settlements.setl_cnt * settlements.los_days else 0 end)
            as {{ type_double() }})                                           as los_days,
        cast(sum(case when settlements.is_discharged then settlements.setl_cnt else 0 end)
            as {{ type_double() }})                                           as discharges,
        cast(sum(case when settlements.is_discharged then settlements.medfee_sumamt else 0 end)
            as {{ type_double() }})                                           as discharged_medfee,
        cast(sum(case when settlements.is_discharged and settlements.los_days <= short_stay.max_days
                      then settlements.setl_cnt else 0 end) as {{ type_double() }}) as short_discharges

    from settlements
    cross join short_stay
    group by
        settlements.fixmedins_code,
        cast(extract(year from settlements.setl_month) as {{ dbt.type_string() }}),
        settlements.mdtrt_id,
        settlements.psn_no,
        settlements.is_inpatient,
        settlements.visit_type

),

periods as (

    select distinct period from visits

),

-- discharged stays with their main-diagnosis category (ICD-10, 3 characters)
stays as (

    select
        visits.fixmedins_code,
        visits.period,
        coalesce(institutions.peer_group, 'unknown')                    as peer_group,
        coalesce(stay_diagnoses.diag_category, 'unknown')               as diag_category,
        visits.discharged_medfee,
        visits.los_days,
        visits.discharges
    from visits
    left join institutions
        on visits.fixmedins_code = institutions.fixmedins_code
    left join stay_diagnoses
        on visits.mdtrt_id = stay_diagnoses.mdtrt_id
    where visits.discharges <> 0

),

-- case-mix norms: cost and length of a stay per diagnosis category in the peer group
casemix_norms as (

    select
        peer_group,
        period,
        diag_category,
        sum(discharged_medfee) / sum(discharges)                        as cost_norm,
        sum(los_days) / sum(discharges)                                 as los_norm
    from stays
    group by peer_group, period, diag_category
    having sum(discharges) > 0

),

-- each stay against what its diagnosis costs and lasts at the peer group (indirect standardisation)
standardised_stays as (

    select
        stays.fixmedins_code,
        stays.period,
        stays.discharged_medfee,
        stays.los_days,
        casemix_norms.cost_norm * stays.discharges                      as expected_medfee,
        casemix_norms.los_norm * stays.discharges                       as expected_los_days
    from stays
    inner join casemix_norms
        on stays.peer_group = casemix_norms.peer_group
        and stays.period = casemix_norms.period
        and stays.diag_category = casemix_norms.diag_category

),

persons as (

    select fixmedins_code, period, psn_no, sum(visits) as visits
    from visits
    group by fixmedins_code, period, psn_no

),

-- the units of each ratio indicator: n_j (numerator part) and d_j (denominator part)
units as (

    select fixmedins_code, period, 'avg_medfee_per_visit' as indicator, medfee as n, visits as d
    from visits where not is_inpatient
    union all
    -- inpatient cost and length of stay: observed ÷ expected for the institution's case mix
    select fixmedins_code, period, 'avg_medfee_per_stay', discharged_medfee, expected_medfee
    from standardised_stays
    union all
    select fixmedins_code, period, 'avg_los_days', los_days, expected_los_days
    from standardised_stays
    union all
    select fixmedins_code, period, 'avg_daily_inpatient_cost', discharged_medfee, los_days
    from visits where discharges <> 0
    union all
    -- ordinary stays only: day surgery and births are short by design
    select fixmedins_code, period, 'short_stay_share', short_discharges, discharges
    from visits where discharges <> 0 and visit_type = 'inpatient'
    union all
    select fixmedins_code, period, 'drug_ratio', drug, medfee
    from visits
    union all
    select fixmedins_code, period, 'consumable_ratio', consumable, medfee
    from visits
    union all
    select fixmedins_code, period, 'visits_per_person', visits, cast(1 as {{ type_double() }})
    from persons where visits > 0
    union all
    -- growth: this year's visits carry the numerator, last year's the denominator
    select fixmedins_code, period, 'fund_pay_growth', fund_pay, cast(0 as {{ type_double() }})
    from visits
    where cast(cast(period as {{ dbt.type_int() }}) - 1 as {{ dbt.type_string() }}) in (select period from periods)
    union all
    select visits.fixmedins_code, periods.period, 'fund_pay_growth', cast(0 as {{ type_double() }}), visits.fund_pay
    from visits
    inner join periods
        on periods.period = cast(cast(visits.period as {{ dbt.type_int() }}) + 1 as {{ dbt.type_string() }})

),

unit_sums as (

    select
        fixmedins_code,
        period,
        indicator,
        count(*)    as units,
        sum(n)      as numerator,
        sum(d)      as denominator,
        sum(n * n)  as sum_nn,
        sum(n * d)  as sum_nd,
        sum(d * d)  as sum_dd
    from units
    group by fixmedins_code, period, indicator

),

ratio_indicators as (

    select
        fixmedins_code,
        period,
        indicator,
        units,
        numerator,
        denominator,
        -- Σ (n − r·d)² = Σn² − 2r·Σnd + r²·Σd², r = numerator ÷ denominator
        greatest(
            sum_nn - 2 * (numerator / denominator) * sum_nd
                + (numerator / denominator) * (numerator / denominator) * sum_dd,
            0)      as sum_sq_residual,
        sum_dd      as variance_base
    from unit_sums
    where denominator > 0

),

institution_periods as (

    select
        fixmedins_code,
        period,
        sum(medfee) as medfee
    from visits
    group by fixmedins_code, period

),

hits as (

    select
        fixmedins_code,
        cast(extract(year from hit_date) as {{ dbt.type_string() }})    as period,
        count(*)                                                        as hit_count,
        sum(cast(suspect_amt as {{ type_double() }}))                as hit_amt,
        sum(cast(suspect_amt as {{ type_double() }}) * cast(suspect_amt as {{ type_double() }}))
                                                                        as hit_amt_sq
    from rule_hits
    group by fixmedins_code, cast(extract(year from hit_date) as {{ dbt.type_string() }})

),

-- rule hits relative to the medical total; every institution-period with medical costs has a row
hit_indicator as (

    select
        institution_periods.fixmedins_code,
        institution_periods.period,
        'rule_hit_share'                            as indicator,
        coalesce(hits.hit_count, 0)                 as units,
        coalesce(hits.hit_amt, 0)                   as numerator,
        institution_periods.medfee                  as denominator,
        coalesce(hits.hit_amt_sq, 0)                as sum_sq_residual,
        institution_periods.medfee                  as variance_base
    from institution_periods
    left join hits
        on institution_periods.fixmedins_code = hits.fixmedins_code
        and institution_periods.period = hits.period
    where institution_periods.medfee > 0

),

all_indicators as (

    select fixmedins_code, period, indicator, units, numerator, denominator, sum_sq_residual, variance_base
    from ratio_indicators
    union all
    select fixmedins_code, period, indicator, units, numerator, denominator, sum_sq_residual, variance_base
    from hit_indicator

),

final as (

    select
        all_indicators.fixmedins_code,
        all_indicators.period,
        all_indicators.indicator,
        cast(all_indicators.units as {{ dbt.type_bigint() }})          as units,
        all_indicators.numerator,
        all_indicators.denominator,
        all_indicators.numerator / all_indicators.denominator           as value_ratio,
        all_indicators.sum_sq_residual,
        all_indicators.variance_base
    from all_indicators
    inner join indicators
        on all_indicators.indicator = indicators.indicator

)

select * from final
