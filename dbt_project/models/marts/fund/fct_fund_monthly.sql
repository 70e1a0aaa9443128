{#-
    One row per month × fund (fund_pay_type), plus total rows (seed fund_rollups): income by
    source, expenditure by category, current and cumulative balance, 可支付月数 and its band,
    growth, year to date and the employee dependency ratio. Indicator 口径: _fund__docs.md.

    Months form a gap-free spine (every fund has every month, zero-filled), so lag(1) is the
    previous month, lag(12) the same month a year earlier and a 12-row frame the trailing year.
-#}
{#- setl_d pay columns a fund can be mapped to (the accepted values of fund_types.setl_pay_column) -#}
{%- set pay_columns = ['hifp_pay', 'acct_pay', 'cvlserv_pay', 'hifob_pay', 'hifmi_pay', 'maf_pay'] -%}
{%- set expense_categories = ['outpatient', 'inpatient', 'pharmacy', 'out_of_area'] -%}
{#- income_key of the income_sources seed; income_other_amt also takes codes not in the seed -#}
{%- set income_keys = ['employer_contribution', 'individual_contribution', 'fiscal_subsidy',
                       'interest', 'transfer_in'] -%}

with

settlements as (

    select
        setl_month,
        insutype,
        scheme,
        expense_category,
        setl_cnt,
        {{ pay_columns | join(',\n        ') }}
    from {{ ref('int_settlements') }}

),

income as (

    select income_month, fund_pay_type, income_src, income_amt
    from {{ ref('stg_fund_income') }}

),

balances as (

    select balance_date, fund_pay_type, balance_amt
    from {{ ref('stg_fund_balance') }}

),

exposure as (

    select month_start, insutype, psn_type, exposure_fraction
    from {{ ref('int_person_month_exposure') }}

),

fund_types as (

    select * from {{ ref('fund_types') }}

),

income_sources as (

    select * from {{ ref('income_sources') }}

),

fund_rollups as (

    select * from {{ ref('fund_rollups') }}

),

reserve_month_bands as (

    select * from {{ ref('reserve_month_bands') }}

),

-- settlements aggregated first (small), then unpivoted: one row per pay column
settlements_by_month as (

    select
        setl_month,
        insutype,
        scheme,
        expense_category,
        {%- for column in pay_columns %}
        {{ sum_money(column) }} as {{ column }},
        sum(case when {{ column }} <> 0 then setl_cnt else 0 end) as {{ column }}_setl_cnt
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from settlements
    group by setl_month, insutype, scheme, expense_category

),

settlement_pay as (

    {%- for column in pay_columns %}
    select
        setl_month,
        insutype,
        expense_category,
        '{{ column }}'            as setl_pay_column,
        {{ column }}              as pay_amt,
        {{ column }}_setl_cnt     as pay_setl_cnt
    from settlements_by_month
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

-- the fund that pays each pay column, by the settlement's insutype (seed fund_types)
fund_expenditure as (

    select
        fund_types.fund_pay_type,
        settlement_pay.setl_month as month_start,
        {%- for category in expense_categories %}
        {{ sum_money("case when settlement_pay.expense_category = '" ~ category
                     ~ "' then settlement_pay.pay_amt else 0 end") }}
            as expenditure_{{ category }}_amt,
        {%- endfor %}
        {{ sum_money('settlement_pay.pay_amt') }} as expenditure_amt,
        sum(settlement_pay.pay_setl_cnt)          as fund_setl_cnt
    from settlement_pay
    inner join fund_types
        on settlement_pay.setl_pay_column = fund_types.setl_pay_column
        and settlement_pay.insutype = fund_types.insutype
    group by fund_types.fund_pay_type, settlement_pay.setl_month

),

fund_income as (

    select
        income.fund_pay_type,
        income.income_month as month_start,
        {%- for key in income_keys %}
        {{ sum_money("case when income_sources.income_key = '" ~ key
                     ~ "' then income.income_amt else 0 end") }} as income_{{ key }}_amt,
        {%- endfor %}
        {{ sum_money("case when income_sources.income_key = 'other' or income_sources.income_key is null"
                     ~ " then income.income_amt else 0 end") }}  as income_other_amt,
        {{ sum_money('income.income_amt') }}                       as income_amt
    from income
    left join income_sources
        on income.income_src = income_sources.income_src
    group by income.fund_pay_type, income.income_month

),

-- scheme of each insutype as int_settlements classifies it
insutype_schemes as (

    select distinct insutype, scheme from settlements_by_month

),

-- every fund of the seed, the income ledger or the balance ledger
fund_codes as (

    select fund_pay_type from fund_types
    union
    select fund_pay_type from income
    union
    select fund_pay_type from balances

),

seeded_funds as (

    select
        fund_pay_type,
        max(fund_key)     as fund_key,
        max(fund_name_zh) as fund_name_zh
    from fund_types
    group by fund_pay_type

),

-- the insutypes whose persons and settlements a fund (or a total, via its members) covers
fund_insutypes as (

    select distinct fund_pay_type, insutype from fund_types
    union
    select distinct fund_rollups.total_fund_pay_type, fund_types.insutype
    from fund_rollups
    inner join fund_types
        on fund_rollups.member_fund_pay_type = fund_types.fund_pay_type

),

fund_schemes as (

    select
        fund_insutypes.fund_pay_type,
        case when min(insutype_schemes.scheme) = max(insutype_schemes.scheme)
             then min(insutype_schemes.scheme)
             else 'mixed' end as fund_scheme
    from fund_insutypes
    inner join insutype_schemes
        on fund_insutypes.insutype = insutype_schemes.insutype
    group by fund_insutypes.fund_pay_type

),

bounds as (

    select
        min(month_start) as start_month,
        max(month_start) as end_month
    from (
        select month_start from fund_expenditure
        union all
        select month_start from fund_income
    ) as data_months

),

months as (

    {{ month_spine('bounds') }}

),

-- one row per fund × month of the spine, flows zero-filled
fund_flows as (

    select
        fund_codes.fund_pay_type,
        months.month_start,
        {%- for key in income_keys + ['other'] %}
        coalesce(fund_income.income_{{ key }}_amt, {{ cast_money('0') }})
            as income_{{ key }}_amt,
        {%- endfor %}
        coalesce(fund_income.income_amt, {{ cast_money('0') }}) as income_amt,
        {%- for category in expense_categories %}
        coalesce(fund_expenditure.expenditure_{{ category }}_amt, {{ cast_money('0') }})
            as expenditure_{{ category }}_amt,
        {%- endfor %}
        coalesce(fund_expenditure.expenditure_amt, {{ cast_money('0') }}) as expenditure_amt,
        coalesce(fund_expenditure.fund_setl_cnt, 0)                   as fund_setl_cnt
    from fund_codes
    cross join months
    left join fund_income
        on fund_codes.fund_pay_type = fund_income.fund_pay_type
        and months.month_start = fund_income.month_start
    left join fund_expenditure
        on fund_codes.fund_pay_type = fund_expenditure.fund_pay_type
        and months.month_start = fund_expenditure.month_start

),

running_balance as (

    select
        fund_pay_type,
        month_start,
        sum(income_amt - expenditure_amt) over (
            partition by fund_pay_type
            order by month_start
            rows between unbounded preceding and current row
        ) as running_balance_amt
    from fund_flows

),

-- ledger balances; one dated inside a month is that month's closing balance
balance_anchors as (

    select
        fund_pay_type,
        balance_date,
        cast({{ dbt.date_trunc('month', 'balance_date') }} as date) as anchor_month,
        {{ sum_money('balance_amt') }}                               as balance_amt
    from balances
    group by fund_pay_type, balance_date

),

-- for each fund-month the latest balance dated before the month
latest_anchor as (

    select
        fund_pay_type,
        month_start,
        balance_date,
        anchor_month,
        balance_amt
    from (
        select
            running_balance.fund_pay_type,
            running_balance.month_start,
            balance_anchors.balance_date,
            balance_anchors.anchor_month,
            balance_anchors.balance_amt,
            row_number() over (
                partition by running_balance.fund_pay_type, running_balance.month_start
                order by balance_anchors.balance_date desc
            ) as anchor_rank
        from running_balance
        inner join balance_anchors
            on running_balance.fund_pay_type = balance_anchors.fund_pay_type
            and balance_anchors.balance_date < running_balance.month_start
    ) as ranked
    where anchor_rank = 1

),

-- anchor + Σ current balance of the months after the anchor month through this month
fund_cumulative as (

    select
        running_balance.fund_pay_type,
        running_balance.month_start,
        latest_anchor.balance_date as balance_anchor_date,
        latest_anchor.balance_amt  as balance_anchor_amt,
        cast(
            latest_anchor.balance_amt
            + running_balance.running_balance_amt
            - coalesce(running_at_anchor.running_balance_amt, 0)
            as decimal(18, 2)
        )                          as cumulative_balance_amt
    from running_balance
    left join latest_anchor
        on running_balance.fund_pay_type = latest_anchor.fund_pay_type
        and running_balance.month_start = latest_anchor.month_start
    left join running_balance as running_at_anchor
        on latest_anchor.fund_pay_type = running_at_anchor.fund_pay_type
        and latest_anchor.anchor_month = running_at_anchor.month_start

),

fund_rows as (

    select
        fund_flows.*,
        fund_cumulative.balance_anchor_date,
        fund_cumulative.balance_anchor_amt,
        fund_cumulative.cumulative_balance_amt,
        false as is_total
    from fund_flows
    inner join fund_cumulative
        on fund_flows.fund_pay_type = fund_cumulative.fund_pay_type
        and fund_flows.month_start = fund_cumulative.month_start

),

-- totals: Σ of the member funds; cumulative balance only when every member has one
total_rows as (

    select
        fund_rollups.total_fund_pay_type as fund_pay_type,
        fund_rows.month_start,
        {%- for key in income_keys + ['other'] %}
        {{ sum_money('fund_rows.income_' ~ key ~ '_amt') }} as income_{{ key }}_amt,
        {%- endfor %}
        {{ sum_money('fund_rows.income_amt') }}             as income_amt,
        {%- for category in expense_categories %}
        {{ sum_money('fund_rows.expenditure_' ~ category ~ '_amt') }}
            as expenditure_{{ category }}_amt,
        {%- endfor %}
        {{ sum_money('fund_rows.expenditure_amt') }}        as expenditure_amt,
        -- a settlement can be paid by several member funds: no meaningful total count
        cast(null as {{ dbt.type_bigint() }})                as fund_setl_cnt,
        cast(null as date)                                  as balance_anchor_date,
        cast(null as decimal(18, 2))                        as balance_anchor_amt,
        case when count(fund_rows.cumulative_balance_amt) = count(*)
             then {{ sum_money('fund_rows.cumulative_balance_amt') }} end
                                                            as cumulative_balance_amt,
        true                                                as is_total
    from fund_rollups
    inner join fund_rows
        on fund_rollups.member_fund_pay_type = fund_rows.fund_pay_type
    group by fund_rollups.total_fund_pay_type, fund_rows.month_start

),

all_rows as (

    {%- set row_columns = ['fund_pay_type', 'month_start'] -%}
    {%- for key in income_keys + ['other'] -%}
        {%- do row_columns.append('income_' ~ key ~ '_amt') -%}
    {%- endfor -%}
    {%- do row_columns.append('income_amt') -%}
    {%- for category in expense_categories -%}
        {%- do row_columns.append('expenditure_' ~ category ~ '_amt') -%}
    {%- endfor -%}
    {%- do row_columns.extend(['expenditure_amt', 'fund_setl_cnt', 'balance_anchor_date',
                               'balance_anchor_amt', 'cumulative_balance_amt', 'is_total']) %}

    select {{ row_columns | join(', ') }} from fund_rows
    union all
    select {{ row_columns | join(', ') }} from total_rows

),

fund_names as (

    select
        fund_codes.fund_pay_type,
        seeded_funds.fund_key,
        seeded_funds.fund_name_zh
    from fund_codes
    left join seeded_funds
        on fund_codes.fund_pay_type = seeded_funds.fund_pay_type
    union all
    select distinct total_fund_pay_type, total_fund_key, total_fund_name_zh
    from fund_rollups

),

-- in-service (11xx) and retired (12xx, 13xx) insured persons by insutype and month
insured_by_insutype as (

    select
        month_start,
        insutype,
        sum(case when psn_type like '11%' then exposure_fraction else 0 end) as in_service_insured,
        sum(case when psn_type like '12%' or psn_type like '13%'
                 then exposure_fraction else 0 end)                        as retired_insured
    from exposure
    group by month_start, insutype

),

fund_insured as (

    select
        fund_insutypes.fund_pay_type,
        insured_by_insutype.month_start,
        sum(insured_by_insutype.in_service_insured) as in_service_insured,
        sum(insured_by_insutype.retired_insured)    as retired_insured
    from fund_insutypes
    inner join insured_by_insutype
        on fund_insutypes.insutype = insured_by_insutype.insutype
    group by fund_insutypes.fund_pay_type, insured_by_insutype.month_start

),

with_windows as (

    select
        all_rows.*,
        cast(income_amt - expenditure_amt as decimal(18, 2))             as current_balance_amt,
        sum(expenditure_amt) over (
            partition by fund_pay_type order by month_start
            rows between 11 preceding and current row
        )                                                                as trailing_expenditure_amt,
        count(*) over (
            partition by fund_pay_type order by month_start
            rows between 11 preceding and current row
        )                                                                as trailing_months,
        lag(income_amt, 1) over (partition by fund_pay_type order by month_start)
                                                                         as income_prev_month_amt,
        lag(income_amt, 12) over (partition by fund_pay_type order by month_start)
                                                                         as income_prev_year_amt,
        lag(expenditure_amt, 1) over (partition by fund_pay_type order by month_start)
                                                                         as expenditure_prev_month_amt,
        lag(expenditure_amt, 12) over (partition by fund_pay_type order by month_start)
                                                                         as expenditure_prev_year_amt,
        sum(income_amt) over (
            partition by fund_pay_type, extract(year from month_start) order by month_start
            rows between unbounded preceding and current row
        )                                                                as income_ytd_amt,
        sum(expenditure_amt) over (
            partition by fund_pay_type, extract(year from month_start) order by month_start
            rows between unbounded preceding and current row
        )                                                                as expenditure_ytd_amt
    from all_rows

),

indicators as (

    select
        with_windows.*,
        cast(trailing_expenditure_amt / trailing_months as decimal(18, 2))
                                                                         as avg_monthly_expenditure_amt,
        {{ safe_ratio('current_balance_amt', 'income_amt') }}             as balance_rate,
        {{ safe_ratio('cumulative_balance_amt * trailing_months', 'trailing_expenditure_amt') }}
                                                                         as reserve_months,
        {{ growth_rate('income_amt', 'income_prev_month_amt') }}           as income_mom,
        {{ growth_rate('income_amt', 'income_prev_year_amt') }}            as income_yoy,
        {{ growth_rate('expenditure_amt', 'expenditure_prev_month_amt') }} as expenditure_mom,
        {{ growth_rate('expenditure_amt', 'expenditure_prev_year_amt') }}  as expenditure_yoy
    from with_windows

),

final as (

    select
        indicators.month_start,
        cast(extract(year from indicators.month_start) as {{ dbt.type_int() }})  as year,
        cast(extract(month from indicators.month_start) as {{ dbt.type_int() }}) as month,
        indicators.fund_pay_type,
        coalesce(fund_names.fund_key, {{ dbt.concat(["'fund_'", 'indicators.fund_pay_type']) }})
                                                                                 as fund_key,
        fund_names.fund_name_zh,
        indicators.is_total,
        fund_schemes.fund_scheme,

        -- income
        {%- for key in income_keys + ['other'] %}
        indicators.income_{{ key }}_amt,
        {%- endfor %}
        indicators.income_amt,

        -- expenditure
        {%- for category in expense_categories %}
        indicators.expenditure_{{ category }}_amt,
        {%- endfor %}
        indicators.expenditure_amt,
        cast(indicators.fund_setl_cnt as {{ dbt.type_bigint() }})               as fund_setl_cnt,

        -- balance
        indicators.current_balance_amt,
        indicators.balance_rate,
        indicators.balance_anchor_date,
        indicators.balance_anchor_amt,
        indicators.cumulative_balance_amt,

        -- months of reserve
        cast(indicators.trailing_expenditure_amt as decimal(18, 2))              as trailing_expenditure_amt,
        cast(indicators.trailing_months as {{ dbt.type_int() }})                 as trailing_months,
        indicators.avg_monthly_expenditure_amt,
        indicators.reserve_months,
        reserve_month_bands.band                                                 as reserve_band,
        reserve_month_bands.label_zh                                             as reserve_band_label_zh,
        reserve_month_bands.color                                                as reserve_band_color,

        -- growth and year to date
        indicators.income_mom,
        indicators.income_yoy,
        indicators.expenditure_mom,
        indicators.expenditure_yoy,
        cast(indicators.income_ytd_amt as decimal(18, 2))                        as income_ytd_amt,
        cast(indicators.expenditure_ytd_amt as decimal(18, 2))                   as expenditure_ytd_amt,

        -- dependency ratio (employee funds only)
        case when fund_schemes.fund_scheme = 'employee'
             then cast(fund_insured.in_service_insured as decimal(18, 2)) end    as in_service_insured,
        case when fund_schemes.fund_scheme = 'employee'
             then cast(fund_insured.retired_insured as decimal(18, 2)) end       as retired_insured,
        case when fund_schemes.fund_scheme = 'employee'
             then cast(fund_insured.in_service_insured / nullif(fund_insured.retired_insured, 0)
                       as decimal(18, 4)) end                                    as dependency_ratio

    from indicators
    left join fund_names
        on indicators.fund_pay_type = fund_names.fund_pay_type
    left join fund_schemes
        on indicators.fund_pay_type = fund_schemes.fund_pay_type
    left join fund_insured
        on indicators.fund_pay_type = fund_insured.fund_pay_type
        and indicators.month_start = fund_insured.month_start
    left join reserve_month_bands
        on (reserve_month_bands.lower_months is null
            or indicators.reserve_months >= reserve_month_bands.lower_months)
        and (reserve_month_bands.upper_months is null
            or indicators.reserve_months < reserve_month_bands.upper_months)
        and indicators.reserve_months is not null

)

select * from final
