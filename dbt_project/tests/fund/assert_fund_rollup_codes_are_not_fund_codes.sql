{#
    A total code of the fund_rollups seed must not be a real fund code (fund_types), or the
    total rows of fct_fund_monthly would collide with a fund's rows. Returns the clashing codes.
#}
{{ config(severity='error') }}

select distinct fund_rollups.total_fund_pay_type
from {{ ref('fund_rollups') }} as fund_rollups
inner join {{ ref('fund_types') }} as fund_types
    on fund_rollups.total_fund_pay_type = fund_types.fund_pay_type
