{#-
    One row per institution × insutype × month of a budget year (stg_fixmedins_budget), from
    January to the data cut-off (the latest settlement month): actual 统筹 fund pay against the
    annual total budget, time progress, the gap, a seasonal year-end projection and the alert.
-#}
{%- set budget_key = ['budget_year', 'fixmedins_code', 'insutype'] -%}
{#- ratios and rates: exact decimals with 4 places (percentage points for gaps) -#}
{%- set ratio = 'decimal(18, 4)' -%}
{%- set measures = ['execution_gap_pp', 'execution_gap_days_pp', 'execution_rate', 'projected_execution_rate'] -%}

with

budgets as (

    select * from {{ ref('stg_fixmedins_budget') }}

),

settlements as (

    select * from {{ ref('int_settlements') }}

),

calendar as (

    select * from {{ ref('dim_calendar') }}

),

institutions as (

    select * from {{ ref('dim_institutions') }}

),

alert_rules as (

    select * from {{ ref('budget_alert_levels') }}

),

parameters as (

    select * from {{ ref('budget_parameters') }}

),

-- always one row: 3 years (domain.md §4) when the seed lacks the parameter
history_window as (

    select
        coalesce(
            max(case when name = 'history_years' then cast(value as {{ dbt.type_int() }}) end), 3
        ) as history_years
    from parameters

),

-- the settlement months the data covers; later months are not reported yet
data_window as (

    select
        min(setl_month) as first_month,
        max(setl_month) as last_month
    from settlements

),

-- one row per calendar month, with the days elapsed at its end
months as (

    select
        month_start,
        cast(max(year) as {{ dbt.type_int() }})         as calendar_year,
        cast(max(month) as {{ dbt.type_int() }})        as month_of_year,
        cast(max(day_of_year) as {{ dbt.type_int() }})  as days_elapsed,
        cast(max(days_in_year) as {{ dbt.type_int() }}) as days_in_year
    from calendar
    group by month_start

),

-- calendar years whose twelve months all lie inside the data window
complete_years as (

    select
        months.calendar_year,
        min(months.month_start) as year_start
    from months
    cross join data_window
    where months.month_start >= data_window.first_month
        and months.month_start <= data_window.last_month
    group by months.calendar_year
    having count(*) = 12

),

-- each budget × each reported month of its year
budget_months as (

    select
        budgets.budget_year,
        budgets.fixmedins_code,
        budgets.insutype,
        budgets.budget_amt,
        months.month_start,
        months.month_of_year,
        months.days_elapsed,
        months.days_in_year
    from budgets
    inner join months
        on budgets.budget_year = months.calendar_year
    cross join data_window
    where months.month_start <= data_window.last_month

),

monthly_pay as (

    select
        fixmedins_code,
        insutype,
        setl_month,
        {{ sum_money('hifp_pay') }} as hifp_pay
    from settlements
    group by fixmedins_code, insutype, setl_month

),

actuals as (

    select
        budget_months.*,
        coalesce(monthly_pay.hifp_pay, {{ cast_money('0') }})                    as month_hifp_pay,
        {{ cast_money('sum(coalesce(monthly_pay.hifp_pay, 0)) over (
            partition by budget_months.budget_year, budget_months.fixmedins_code, budget_months.insutype
            order by budget_months.month_start
            rows between unbounded preceding and current row)') }}                as ytd_hifp_pay,
        max(budget_months.month_start) over (
            partition by budget_months.budget_year, budget_months.fixmedins_code, budget_months.insutype
        )                                                                         as latest_month
    from budget_months
    left join monthly_pay
        on budget_months.fixmedins_code = monthly_pay.fixmedins_code
        and budget_months.insutype = monthly_pay.insutype
        and budget_months.month_start = monthly_pay.setl_month

),

-- the first month an institution settled anything: before it, it was not open
institution_openings as (

    select
        fixmedins_code,
        min(setl_month) as first_month
    from settlements
    group by fixmedins_code

),

-- past monthly pay of institutions in complete years they were open for all year
history as (

    select
        monthly_pay.fixmedins_code,
        monthly_pay.insutype,
        coalesce(institutions.peer_group, 'unknown') as peer_group,
        months.calendar_year                         as history_year,
        months.month_of_year,
        monthly_pay.hifp_pay
    from monthly_pay
    inner join months
        on monthly_pay.setl_month = months.month_start
    inner join complete_years
        on months.calendar_year = complete_years.calendar_year
    inner join institution_openings
        on monthly_pay.fixmedins_code = institution_openings.fixmedins_code
        and institution_openings.first_month <= complete_years.year_start
    left join institutions
        on monthly_pay.fixmedins_code = institutions.fixmedins_code

),

peer_history as (

    select peer_group, insutype, history_year, month_of_year, {{ sum_money('hifp_pay') }} as hifp_pay
    from history
    group by peer_group, insutype, history_year, month_of_year

),

overall_history as (

    select insutype, history_year, month_of_year, {{ sum_money('hifp_pay') }} as hifp_pay
    from history
    group by insutype, history_year, month_of_year

),

budget_peers as (

    select
        actuals.*,
        coalesce(institutions.peer_group, 'unknown') as peer_group
    from actuals
    left join institutions
        on actuals.fixmedins_code = institutions.fixmedins_code

),

{#- Expected share of January..m in the annual total, pooled over the past complete years of
    the window (Σ pay Jan..m ÷ Σ annual pay: a ratio of sums, not an average of shares). -#}
{%- set pools = [
    ('institution', 'history', ['fixmedins_code', 'insutype']),
    ('peer_group', 'peer_history', ['peer_group', 'insutype']),
    ('overall', 'overall_history', ['insutype']),
] %}
{%- for pool, relation, keys in pools %}

{{ pool }}_shares as (

    select
        {%- for column in budget_key %}
        budget_peers.{{ column }},
        {%- endfor %}
        budget_peers.month_of_year,
        sum(case when pooled.month_of_year <= budget_peers.month_of_year then pooled.hifp_pay end)
            / nullif(sum(pooled.hifp_pay), 0) as expected_share
    from budget_peers
    cross join history_window
    inner join {{ relation }} as pooled
        on {% for key in keys %}budget_peers.{{ key }} = pooled.{{ key }}{% if not loop.last %}
        and {% endif %}{% endfor %}
        and pooled.history_year >= budget_peers.budget_year - history_window.history_years
        and pooled.history_year < budget_peers.budget_year
    group by
        {%- for column in budget_key %}
        budget_peers.{{ column }},
        {%- endfor %}
        budget_peers.month_of_year

),
{%- endfor %}

-- the first pool with a positive share wins; linear (m/12) when none has history
projection_basis as (

    select
        budget_peers.*,
        case
            when institution_shares.expected_share > 0 then 'seasonal_institution'
            when peer_group_shares.expected_share > 0 then 'seasonal_peer_group'
            when overall_shares.expected_share > 0 then 'seasonal_all'
            else 'linear'
        end as projection_method,
        case
            when institution_shares.expected_share > 0 then institution_shares.expected_share
            when peer_group_shares.expected_share > 0 then peer_group_shares.expected_share
            when overall_shares.expected_share > 0 then overall_shares.expected_share
            else budget_peers.month_of_year / 12.0
        end as expected_share
    from budget_peers
    {%- for pool, relation, keys in pools %}
    left join {{ pool }}_shares as {{ pool }}_shares
        on {% for column in budget_key %}budget_peers.{{ column }} = {{ pool }}_shares.{{ column }}
        and {% endfor %}budget_peers.month_of_year = {{ pool }}_shares.month_of_year
    {%- endfor %}

),

-- unrounded ratios; the projection divides actual YTD by the expected YTD share
ratios as (

    select
        projection_basis.*,
        ytd_hifp_pay / nullif(budget_amt, 0)                     as execution_rate_raw,
        month_of_year / 12.0                                     as time_progress_months_raw,
        days_elapsed * 1.0 / nullif(days_in_year, 0)             as time_progress_days_raw,
        ytd_hifp_pay / expected_share                            as projected_year_end_raw
    from projection_basis

),

measured as (

    select
        budget_year,
        fixmedins_code,
        insutype,
        peer_group,
        month_start,
        month_of_year,
        month_start = latest_month                                                   as is_latest_month,
        budget_amt,
        month_hifp_pay,
        ytd_hifp_pay,
        cast(execution_rate_raw as {{ ratio }})                                       as execution_rate,
        cast(time_progress_months_raw as {{ ratio }})                                 as time_progress_months,
        days_elapsed,
        days_in_year,
        cast(time_progress_days_raw as {{ ratio }})                                   as time_progress_days,
        cast((execution_rate_raw - time_progress_months_raw) * 100 as {{ ratio }})    as execution_gap_pp,
        cast((execution_rate_raw - time_progress_days_raw) * 100 as {{ ratio }})      as execution_gap_days_pp,
        projection_method,
        cast(expected_share as {{ ratio }})                                           as expected_ytd_share,
        {{ cast_money('projected_year_end_raw') }}                                   as projected_year_end_amt,
        cast(projected_year_end_raw / nullif(budget_amt, 0) as {{ ratio }})           as projected_execution_rate,
        {{ cast_money(cast_money('projected_year_end_raw') ~ ' - budget_amt') }}    as projected_over_under_amt
    from ratios

),

-- each row × each rule in force in its month, with the value the rule tests
alert_checks as (

    select
        {%- for column in budget_key %}
        measured.{{ column }},
        {%- endfor %}
        measured.month_start,
        alert_rules.rule_code,
        alert_rules.priority,
        alert_rules.measure,
        alert_rules.operator,
        alert_rules.threshold,
        alert_rules.alert_level,
        alert_rules.alert_level_zh,
        case alert_rules.measure
            {%- for measure in measures %}
            when '{{ measure }}' then measured.{{ measure }}
            {%- endfor %}
        end as measure_value
    from measured
    inner join alert_rules
        on measured.month_of_year >= alert_rules.from_month

),

-- the rules that match (on the rounded values shown), the smallest priority first
alert_matches as (

    select
        {%- for column in budget_key %}
        {{ column }},
        {%- endfor %}
        month_start,
        rule_code,
        alert_level,
        alert_level_zh,
        row_number() over (
            partition by budget_year, fixmedins_code, insutype, month_start
            order by priority, rule_code
        ) as rule_rank
    from alert_checks
    where measure = 'default'
        or (operator = '>' and measure_value > threshold)
        or (operator = '>=' and measure_value >= threshold)
        or (operator = '<' and measure_value < threshold)
        or (operator = '<=' and measure_value <= threshold)

),

final as (

    select
        measured.budget_year,
        measured.fixmedins_code,
        measured.insutype,
        measured.month_start,
        measured.month_of_year,
        measured.is_latest_month,
        measured.peer_group,
        measured.budget_amt,
        measured.month_hifp_pay,
        measured.ytd_hifp_pay,
        measured.execution_rate,
        measured.time_progress_months,
        measured.days_elapsed,
        measured.days_in_year,
        measured.time_progress_days,
        measured.execution_gap_pp,
        measured.execution_gap_days_pp,
        measured.projection_method,
        measured.expected_ytd_share,
        measured.projected_year_end_amt,
        measured.projected_execution_rate,
        measured.projected_over_under_amt,
        alert_matches.alert_level,
        alert_matches.alert_level_zh,
        alert_matches.rule_code as alert_rule
    from measured
    left join alert_matches
        on measured.budget_year = alert_matches.budget_year
        and measured.fixmedins_code = alert_matches.fixmedins_code
        and measured.insutype = alert_matches.insutype
        and measured.month_start = alert_matches.month_start
        and alert_matches.rule_rank = 1

)

select * from final
