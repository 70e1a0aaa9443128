{#-
    One row per roll-up group × insutype × month of a budget year: fct_budget_execution summed
    over the institutions of a region, an institution type, a level grade, a peer group or all
    of them. Ratios are recomputed from the summed numerators and denominators, never averaged.
-#}
{%- set ratio = 'decimal(18, 4)' -%}

with

execution as (

    select * from {{ ref('fct_budget_execution') }}

),

institutions as (

    select * from {{ ref('dim_institutions') }}

),

budgeted_institutions as (

    select
        budgeted.fixmedins_code,
        coalesce(institutions.admdvs, 'unknown')                                  as admdvs,
        coalesce(institutions.inst_type, 'unknown')                               as inst_type,
        coalesce(institutions.inst_type_zh, '未知')                               as inst_type_zh,
        coalesce(cast(institutions.level_grade as {{ dbt.type_string() }}), 'unknown') as level_grade,
        coalesce(institutions.level_grade_zh, '未知')                             as level_grade_zh,
        coalesce(institutions.peer_group, 'unknown')                              as peer_group,
        coalesce(institutions.peer_group_zh, '未知')                              as peer_group_zh
    from (select distinct fixmedins_code from execution) as budgeted
    left join institutions
        on budgeted.fixmedins_code = institutions.fixmedins_code

),

-- each institution belongs to one group of every roll-up level
memberships as (

    select fixmedins_code, 'all' as rollup_level, 'all' as group_code, '全部' as group_name_zh
    from budgeted_institutions
    union all
    select fixmedins_code, 'region', admdvs, admdvs
    from budgeted_institutions
    union all
    select fixmedins_code, 'inst_type', inst_type, inst_type_zh
    from budgeted_institutions
    union all
    select fixmedins_code, 'level_grade', level_grade, level_grade_zh
    from budgeted_institutions
    union all
    select fixmedins_code, 'peer_group', peer_group, peer_group_zh
    from budgeted_institutions

),

summed as (

    select
        memberships.rollup_level,
        memberships.group_code,
        memberships.group_name_zh,
        execution.insutype,
        execution.budget_year,
        execution.month_start,
        execution.month_of_year,
        count(*)                                                                  as institution_count,
        {{ sum_money('execution.budget_amt') }}                                   as budget_amt,
        {{ sum_money('execution.month_hifp_pay') }}                               as month_hifp_pay,
        {{ sum_money('execution.ytd_hifp_pay') }}                                 as ytd_hifp_pay,
        {{ sum_money('execution.projected_year_end_amt') }}                       as projected_year_end_amt,
        -- the same for every institution of the month
        max(execution.days_elapsed)                                               as days_elapsed,
        max(execution.days_in_year)                                               as days_in_year,
        sum(case when execution.alert_level = 'red' then 1 else 0 end)            as red_alert_count,
        sum(case when execution.alert_level = 'amber' then 1 else 0 end)          as amber_alert_count,
        sum(case when execution.alert_level = 'blue' then 1 else 0 end)           as blue_alert_count
    from execution
    inner join memberships
        on execution.fixmedins_code = memberships.fixmedins_code
    group by
        memberships.rollup_level,
        memberships.group_code,
        memberships.group_name_zh,
        execution.insutype,
        execution.budget_year,
        execution.month_start,
        execution.month_of_year

),

final as (

    select
        rollup_level,
        group_code,
        group_name_zh,
        insutype,
        budget_year,
        month_start,
        month_of_year,
        cast(institution_count as {{ dbt.type_int() }})                          as institution_count,
        budget_amt,
        month_hifp_pay,
        ytd_hifp_pay,
        cast(ytd_hifp_pay / nullif(budget_amt, 0) as {{ ratio }})                 as execution_rate,
        cast(month_of_year / 12.0 as {{ ratio }})                                 as time_progress_months,
        cast(days_elapsed * 1.0 / nullif(days_in_year, 0) as {{ ratio }})         as time_progress_days,
        cast((ytd_hifp_pay / nullif(budget_amt, 0) - month_of_year / 12.0) * 100 as {{ ratio }})
                                                                                  as execution_gap_pp,
        cast((ytd_hifp_pay / nullif(budget_amt, 0) - days_elapsed * 1.0 / nullif(days_in_year, 0)) * 100
             as {{ ratio }})                                                      as execution_gap_days_pp,
        projected_year_end_amt,
        cast(projected_year_end_amt / nullif(budget_amt, 0) as {{ ratio }})       as projected_execution_rate,
        {{ cast_money('projected_year_end_amt - budget_amt') }}                   as projected_over_under_amt,
        cast(red_alert_count as {{ dbt.type_int() }})                            as red_alert_count,
        cast(amber_alert_count as {{ dbt.type_int() }})                          as amber_alert_count,
        cast(blue_alert_count as {{ dbt.type_int() }})                           as blue_alert_count
    from summed

)

select * from final
