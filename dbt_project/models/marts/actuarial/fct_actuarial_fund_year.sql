{#-
    One row per year × pooled fund (the members of total basic_pool_total: 310100 职工统筹,
    390100 居民基本医保): the year's income by source, expenditure, balances and insured
    person-years by status, from fct_fund_monthly and int_person_month_exposure — the financial
    starting point of the projection (analytics/projection). Indicator 口径: _actuarial__docs.md.
-#}
with

fund_months as (

    select * from {{ ref('fct_fund_monthly') }}
    where not is_total

),

pooled_funds as (

    select member_fund_pay_type as fund_pay_type
    from {{ ref('fund_rollups') }}
    where total_fund_key = 'basic_pool_total'

),

exposure as (

    select month_start, insutype, psn_type, exposure_fraction
    from {{ ref('int_person_month_exposure') }}

),

statuses as (

    select * from {{ ref('int_actuarial_statuses') }}

),

fund_flows as (

    select
        fund_months.year,
        fund_months.fund_pay_type,
        max(fund_months.fund_key)                                         as fund_key,
        max(fund_months.fund_name_zh)                                     as fund_name_zh,
        max(fund_months.fund_scheme)                                      as fund_scheme,
        count(*)                                                          as months_in_year,
        {{ sum_money('fund_months.income_employer_contribution_amt') }}   as income_employer_contribution_amt,
        {{ sum_money('fund_months.income_individual_contribution_amt') }} as income_individual_contribution_amt,
        {{ sum_money('fund_months.income_fiscal_subsidy_amt') }}          as income_fiscal_subsidy_amt,
        {{ sum_money('fund_months.income_interest_amt') }}                as income_interest_amt,
        {{ sum_money('fund_months.income_transfer_in_amt + fund_months.income_other_amt') }}
                                                                          as income_other_amt,
        {{ sum_money('fund_months.income_amt') }}                         as income_amt,
        {{ sum_money('fund_months.expenditure_amt') }}                    as expenditure_amt,
        {{ sum_money('fund_months.current_balance_amt') }}                as current_balance_amt,
        max(fund_months.month_start)                                      as last_month
    from fund_months
    inner join pooled_funds
        on fund_months.fund_pay_type = pooled_funds.fund_pay_type
    group by fund_months.year, fund_months.fund_pay_type

),

-- cumulative balance after the last month of the year
fund_balances as (

    select
        fund_flows.year,
        fund_flows.fund_pay_type,
        last_month.cumulative_balance_amt as closing_balance_amt
    from fund_flows
    inner join fund_months as last_month
        on fund_flows.fund_pay_type = last_month.fund_pay_type
        and fund_flows.last_month = last_month.month_start

),

person_years as (

    select
        cast(extract(year from exposure.month_start) as {{ dbt.type_int() }}) as year,
        statuses.scheme,
        sum(case when statuses.status = 'employee_active' then exposure.exposure_fraction else 0 end) / 12
                                                                               as active_person_years,
        sum(case when statuses.status = 'employee_retired' then exposure.exposure_fraction else 0 end) / 12
                                                                               as retired_person_years,
        sum(case when statuses.status = 'resident' then exposure.exposure_fraction else 0 end) / 12
                                                                               as resident_person_years
    from exposure
    inner join statuses
        on exposure.insutype = statuses.insutype
        and exposure.psn_type = statuses.psn_type
    group by 1, 2

),

final as (

    select
        fund_flows.year,
        fund_flows.fund_pay_type,
        fund_flows.fund_key,
        fund_flows.fund_name_zh,
        fund_flows.fund_scheme,
        cast(fund_flows.months_in_year as {{ dbt.type_int() }})          as months_in_year,
        fund_flows.months_in_year = 12                                   as is_complete_year,
        fund_flows.income_employer_contribution_amt,
        fund_flows.income_individual_contribution_amt,
        fund_flows.income_fiscal_subsidy_amt,
        fund_flows.income_interest_amt,
        fund_flows.income_other_amt,
        fund_flows.income_amt,
        fund_flows.expenditure_amt,
        fund_flows.current_balance_amt,
        cast(fund_balances.closing_balance_amt - fund_flows.current_balance_amt
             as decimal(18, 2))                                          as opening_balance_amt,
        fund_balances.closing_balance_amt,
        {{ safe_ratio('fund_balances.closing_balance_amt * 12', 'fund_flows.expenditure_amt') }}
                                                                         as reserve_months,
        cast(coalesce(person_years.active_person_years, 0) as decimal(18, 4))   as active_person_years,
        cast(coalesce(person_years.retired_person_years, 0) as decimal(18, 4))  as retired_person_years,
        cast(coalesce(person_years.resident_person_years, 0) as decimal(18, 4)) as resident_person_years
    from fund_flows
    inner join fund_balances
        on fund_flows.year = fund_balances.year
        and fund_flows.fund_pay_type = fund_balances.fund_pay_type
    left join person_years
        on fund_flows.year = person_years.year
        and fund_flows.fund_scheme = person_years.scheme

)

select * from final
