{#
    The reserve_month_bands seed covers every month count exactly once: in band_order, the
    first band has no lower bound, the last no upper bound, and each band starts where the
    previous one ends. Returns the offending bands.
#}
{{ config(severity='error') }}

with

bands as (

    select
        band,
        band_order,
        lower_months,
        upper_months,
        lag(upper_months) over (order by band_order) as previous_upper_months,
        row_number() over (order by band_order)      as position,
        count(*) over ()                             as band_count
    from {{ ref('reserve_month_bands') }}

)

select *
from bands
where (position = 1 and lower_months is not null)
    or (position = band_count and upper_months is not null)
    or (position > 1 and (lower_months is null or previous_upper_months is null
                          or lower_months <> previous_upper_months))
    or (position < band_count and upper_months is null)
    or lower_months >= upper_months
