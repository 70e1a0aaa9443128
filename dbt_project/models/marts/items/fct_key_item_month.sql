{#-
    Key drugs and consumables by settlement month (重点药品耗材监测): the items of
    int_monitored_items, from their per-patient use (int_monitored_item_patient_month), with the
    month's class totals (int_item_month) as denominators. Fee lines count in the month of
    their settlement, like every other mart; fee_ocur_time is not used.
-#}

with

scope as (

    select * from {{ ref('int_monitored_items') }}

),

item_institution_patient_month as (

    select * from {{ ref('int_monitored_item_patient_month') }}

),

item_months_all as (

    select item_class, setl_month, spend from {{ ref('int_item_month') }}

),

settlements as (

    select setl_month from {{ ref('int_settlements') }}

),

thresholds as (

    select * from {{ ref('key_item_thresholds') }}

),

params as (

    select
        max(case when name = 'anomaly_trailing_months' then value end)    as trailing_months,
        max(case when name = 'anomaly_min_history_months' then value end) as min_history_months,
        max(case when name = 'anomaly_robust_z' then value end)           as robust_z,
        max(case when name = 'anomaly_min_rise' then value end)           as min_rise,
        max(case when name = 'anomaly_yoy_growth' then value end)         as yoy_growth,
        max(case when name = 'anomaly_min_spend' then value end)          as min_spend
    from thresholds

),

-- denominators of the share: all drugs (all consumables …) of the month, every item
class_month_totals as (

    select
        item_class,
        setl_month,
        {{ sum_money('spend') }} as class_spend
    from item_months_all
    group by item_class, setl_month

),

item_institution_month as (

    select
        hilist_code,
        setl_month,
        fixmedins_code,
        {{ sum_money('spend') }}            as spend,
        {{ sum_money('inscp_spend') }}      as inscp_spend,
        {{ cast_qty('sum(quantity)') }}     as quantity
    from item_institution_patient_month
    group by hilist_code, setl_month, fixmedins_code

),

item_patient_month as (

    select
        hilist_code,
        setl_month,
        psn_no,
        {{ cast_qty('sum(quantity)') }} as quantity
    from item_institution_patient_month
    group by hilist_code, setl_month, psn_no

),

institution_counts as (

    select
        hilist_code,
        setl_month,
        {{ sum_money('spend') }}                                 as spend,
        {{ sum_money('inscp_spend') }}                           as inscp_spend,
        {{ cast_qty('sum(quantity)') }}                          as quantity,
        sum(case when quantity > 0 then 1 else 0 end)            as n_institutions
    from item_institution_month
    group by hilist_code, setl_month

),

patient_counts as (

    select
        hilist_code,
        setl_month,
        sum(case when quantity > 0 then 1 else 0 end) as n_patients
    from item_patient_month
    group by hilist_code, setl_month

),

bounds as (

    select
        min(setl_month) as start_month,
        max(setl_month) as end_month
    from settlements

),

months as (

    {{ month_spine('bounds') }}

),

-- every month from the item's first use to the end of the data, zero where it was not used
item_months as (

    select
        scope.hilist_code,
        months.month_start                                                     as setl_month,
        {{ dbt.datediff('bounds.start_month', 'months.month_start', 'month') }} as month_seq
    from scope
    cross join months
    cross join bounds
    where months.month_start >= scope.first_month

),

filled as (

    select
        item_months.hilist_code,
        item_months.setl_month,
        item_months.month_seq,
        coalesce(institution_counts.spend, {{ cast_money('0') }})          as spend,
        coalesce(institution_counts.inscp_spend, {{ cast_money('0') }})    as inscp_spend,
        coalesce(institution_counts.quantity, {{ cast_qty('0') }})         as quantity,
        coalesce(institution_counts.n_institutions, 0)                     as n_institutions,
        coalesce(patient_counts.n_patients, 0)                             as n_patients
    from item_months
    left join institution_counts
        on item_months.hilist_code = institution_counts.hilist_code
        and item_months.setl_month = institution_counts.setl_month
    left join patient_counts
        on item_months.hilist_code = patient_counts.hilist_code
        and item_months.setl_month = patient_counts.setl_month

),

-- the item's own previous months, for the robust z-score
trailing_window as (

    select
        filled.hilist_code,
        filled.setl_month,
        history.spend as history_spend
    from filled
    cross join params
    inner join filled as history
        on filled.hilist_code = history.hilist_code
        and history.month_seq < filled.month_seq
        and history.month_seq >= filled.month_seq - params.trailing_months

),

trailing_median as (

    select
        hilist_code,
        setl_month,
        count(*)                                                        as trailing_months,
        {{ cast_money(items_median('history_spend')) }}                 as trailing_median_spend
    from trailing_window
    group by hilist_code, setl_month

),

trailing_deviation as (

    select
        trailing_window.hilist_code,
        trailing_window.setl_month,
        {{ cast_money(items_median('abs(trailing_window.history_spend - trailing_median.trailing_median_spend)')) }}
            as trailing_mad_spend,
        avg(cast(abs(trailing_window.history_spend - trailing_median.trailing_median_spend) as {{ type_double() }}))
            as trailing_mean_abs_deviation
    from trailing_window
    inner join trailing_median
        on trailing_window.hilist_code = trailing_median.hilist_code
        and trailing_window.setl_month = trailing_median.setl_month
    group by trailing_window.hilist_code, trailing_window.setl_month

),

with_bases as (

    select
        filled.*,
        previous_month.spend                         as previous_month_spend,
        previous_month.quantity                      as previous_month_quantity,
        same_month_last_year.spend                   as last_year_spend,
        same_month_last_year.quantity                as last_year_quantity,
        coalesce(trailing_median.trailing_months, 0) as trailing_months,
        trailing_median.trailing_median_spend,
        trailing_deviation.trailing_mad_spend,
        trailing_deviation.trailing_mean_abs_deviation
    from filled
    left join filled as previous_month
        on filled.hilist_code = previous_month.hilist_code
        and previous_month.month_seq = filled.month_seq - 1
    left join filled as same_month_last_year
        on filled.hilist_code = same_month_last_year.hilist_code
        and same_month_last_year.month_seq = filled.month_seq - 12
    left join trailing_median
        on filled.hilist_code = trailing_median.hilist_code
        and filled.setl_month = trailing_median.setl_month
    left join trailing_deviation
        on filled.hilist_code = trailing_deviation.hilist_code
        and filled.setl_month = trailing_deviation.setl_month

),

measured as (

    select
        with_bases.*,
        class_month_totals.class_spend,
        {{ safe_ratio('with_bases.spend', 'with_bases.quantity') }}         as avg_unit_price,
        {{ safe_ratio('with_bases.spend', 'class_month_totals.class_spend') }} as share_of_class_spend,
        -- growth is null when the base month is missing (before first use or the data) or ≤ 0
        {{ growth_rate('with_bases.spend', 'with_bases.previous_month_spend') }}       as spend_mom_growth,
        {{ growth_rate('with_bases.spend', 'with_bases.last_year_spend') }}            as spend_yoy_growth,
        {{ growth_rate('with_bases.quantity', 'with_bases.previous_month_quantity') }} as quantity_mom_growth,
        {{ growth_rate('with_bases.quantity', 'with_bases.last_year_quantity') }}      as quantity_yoy_growth,
        -- modified z-score (Iglewicz–Hoaglin); MAD = 0 falls back to the mean absolute deviation
        case
            when with_bases.trailing_months < params.min_history_months then null
            when with_bases.trailing_mad_spend > 0
                then cast(0.6745 * cast(with_bases.spend - with_bases.trailing_median_spend as {{ type_double() }})
                    / cast(with_bases.trailing_mad_spend as {{ type_double() }}) as decimal(18, 4))
            when with_bases.trailing_mean_abs_deviation > 0
                then cast(cast(with_bases.spend - with_bases.trailing_median_spend as {{ type_double() }})
                    / (1.253314 * with_bases.trailing_mean_abs_deviation) as decimal(18, 4))
        end as spend_robust_z
    from with_bases
    cross join params
    inner join scope
        on with_bases.hilist_code = scope.hilist_code
    left join class_month_totals
        on scope.item_class = class_month_totals.item_class
        and with_bases.setl_month = class_month_totals.setl_month

),

flagged as (

    select
        measured.*,
        coalesce(
            measured.spend_robust_z >= params.robust_z
            and measured.spend >= measured.trailing_median_spend * (1 + params.min_rise)
            and measured.spend >= params.min_spend,
            false
        ) as is_spend_spike,
        coalesce(
            measured.spend_yoy_growth >= params.yoy_growth
            and measured.spend >= params.min_spend,
            false
        ) as is_yoy_surge
    from measured
    cross join params

),

explained as (

    select
        flagged.*,
        case when flagged.is_spend_spike then {{ dbt.concat([
            "'金额较前'",
            "cast(flagged.trailing_months as " ~ dbt.type_string() ~ ")",
            "'个月中位数'",
            "cast(flagged.trailing_median_spend as " ~ dbt.type_string() ~ ")",
            "'元异常升高（稳健z='",
            "cast(cast(flagged.spend_robust_z as decimal(18, 1)) as " ~ dbt.type_string() ~ ")",
            "'）'",
        ]) }} end as spike_reason,
        case when flagged.is_yoy_surge then {{ dbt.concat([
            "'金额同比增长'",
            "cast(cast(100 * flagged.spend_yoy_growth as decimal(18, 1)) as " ~ dbt.type_string() ~ ")",
            "'%，达到阈值'",
            "cast(cast(100 * params.yoy_growth as decimal(18, 0)) as " ~ dbt.type_string() ~ ")",
            "'%'",
        ]) }} end as yoy_reason
    from flagged
    cross join params

),

final as (

    select
        -- item × month
        explained.hilist_code,
        explained.setl_month,
        scope.hilist_name,
        scope.item_class,

        -- why the item is in scope
        scope.is_key_item,
        scope.key_item_id,
        scope.key_item_name,
        scope.key_group,
        scope.is_top_spend_item,
        scope.spend_rank_in_class,
        scope.inclusion_reason,

        -- use
        explained.spend,
        explained.inscp_spend,
        explained.quantity,
        explained.avg_unit_price,
        cast(explained.n_institutions as {{ dbt.type_int() }})     as n_institutions,
        cast(explained.n_patients as {{ dbt.type_int() }})         as n_patients,
        explained.class_spend,
        explained.share_of_class_spend,

        -- growth
        explained.spend_mom_growth,
        explained.spend_yoy_growth,
        explained.quantity_mom_growth,
        explained.quantity_yoy_growth,

        -- abnormal change
        cast(explained.trailing_months as {{ dbt.type_int() }})    as trailing_months,
        explained.trailing_median_spend,
        explained.trailing_mad_spend,
        explained.spend_robust_z,
        explained.is_spend_spike,
        explained.is_yoy_surge,
        explained.is_spend_spike or explained.is_yoy_surge         as is_anomaly,
        case
            when explained.is_spend_spike and explained.is_yoy_surge
                then {{ dbt.concat(['explained.spike_reason', "'；'", 'explained.yoy_reason']) }}
            when explained.is_spend_spike then explained.spike_reason
            when explained.is_yoy_surge then explained.yoy_reason
        end                                                        as anomaly_reason

    from explained
    inner join scope
        on explained.hilist_code = scope.hilist_code

)

select * from final
