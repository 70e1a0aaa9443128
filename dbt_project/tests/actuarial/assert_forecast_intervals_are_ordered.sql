-- Every forecast month's bounds nest around the point forecast: lo95 ≤ lo80 ≤ mean ≤ hi80 ≤ hi95,
-- and the forecast months follow the origin month one by one.
{{ config(severity='error') }}

select *
from {{ ref('fct_fund_forecast') }}
where not (lo95_amt <= lo80_amt and lo80_amt <= mean_amt and mean_amt <= hi80_amt and hi80_amt <= hi95_amt)
    or month_start != cast({{ dbt.dateadd('month', 'horizon', 'origin_month') }} as date)
