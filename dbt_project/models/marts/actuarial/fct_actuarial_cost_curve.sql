{#-
    One row per year × status × sex × age band: insured person-years (int_person_month_exposure
    with the person's sex and age from stg_psn_info_b) and the pooled-fund pay and total medical
    cost of the settlements (int_settlements, refunds netted, the settlement's own sex, age and
    psn_type) — the per-capita cost curve of the projection. Indicator 口径: _actuarial__docs.md.
-#}
{%- set band_width = 5 -%}
{%- set open_band_start = 90 -%}

with

exposure as (

    select psn_no, month_start, insutype, psn_type, exposure_fraction
    from {{ ref('int_person_month_exposure') }}

),

persons as (

    select psn_no, gend, brdy from {{ ref('stg_psn_info_b') }}

),

settlements as (

    select setl_month, insutype, psn_type, gend, age, setl_cnt, hifp_pay, medfee_sumamt
    from {{ ref('int_settlements') }}

),

statuses as (

    select * from {{ ref('int_actuarial_statuses') }}

),

-- insutypes whose hifp_pay a pooled fund pays (fund_types members of basic_pool_total)
pooled_insutypes as (

    select distinct fund_types.insutype
    from {{ ref('fund_types') }} as fund_types
    inner join {{ ref('fund_rollups') }} as fund_rollups
        on fund_types.fund_pay_type = fund_rollups.member_fund_pay_type
    where fund_rollups.total_fund_key = 'basic_pool_total'
        and fund_types.setl_pay_column = 'hifp_pay'

),

-- age in completed years on the first day of the month (0 in the month of birth)
exposure_cells as (

    select
        cast(extract(year from exposure.month_start) as {{ dbt.type_int() }}) as year,
        statuses.status,
        statuses.status_name_zh,
        persons.gend,
        greatest(0, cast(
            extract(year from exposure.month_start) - extract(year from persons.brdy)
            - case when extract(month from persons.brdy) > extract(month from exposure.month_start)
                     or (extract(month from persons.brdy) = extract(month from exposure.month_start)
                         and extract(day from persons.brdy) > 1)
                   then 1 else 0 end
            as {{ dbt.type_int() }}
        ))                                                                    as age,
        exposure.exposure_fraction
    from exposure
    inner join persons
        on exposure.psn_no = persons.psn_no
    inner join statuses
        on exposure.insutype = statuses.insutype
        and exposure.psn_type = statuses.psn_type

),

settlement_cells as (

    select
        cast(extract(year from settlements.setl_month) as {{ dbt.type_int() }}) as year,
        statuses.status,
        statuses.status_name_zh,
        settlements.gend,
        cast(settlements.age as {{ dbt.type_int() }})                          as age,
        settlements.setl_cnt,
        case when pooled_insutypes.insutype is not null
             then settlements.hifp_pay else {{ cast_money('0') }} end            as fund_pay_amt,
        settlements.medfee_sumamt
    from settlements
    inner join statuses
        on settlements.insutype = statuses.insutype
        and settlements.psn_type = statuses.psn_type
    left join pooled_insutypes
        on settlements.insutype = pooled_insutypes.insutype

),

exposure_by_band as (

    select
        year,
        status,
        status_name_zh,
        gend,
        least(cast(floor(age / {{ band_width }}) as {{ dbt.type_int() }}) * {{ band_width }},
              {{ open_band_start }})                                   as age_band_start,
        cast(sum(exposure_fraction) / 12 as decimal(18, 4))            as person_years
    from exposure_cells
    group by 1, 2, 3, 4, 5

),

settlements_by_band as (

    select
        year,
        status,
        status_name_zh,
        gend,
        least(cast(floor(age / {{ band_width }}) as {{ dbt.type_int() }}) * {{ band_width }},
              {{ open_band_start }})                                   as age_band_start,
        sum(setl_cnt)                                                  as setl_cnt,
        {{ sum_money('fund_pay_amt') }}                                as fund_pay_amt,
        {{ sum_money('medfee_sumamt') }}                               as medfee_amt
    from settlement_cells
    group by 1, 2, 3, 4, 5

),

cells as (

    select
        coalesce(exposure_by_band.year, settlements_by_band.year)                     as year,
        coalesce(exposure_by_band.status, settlements_by_band.status)                 as status,
        coalesce(exposure_by_band.status_name_zh, settlements_by_band.status_name_zh) as status_name_zh,
        coalesce(exposure_by_band.gend, settlements_by_band.gend)                     as gend,
        coalesce(exposure_by_band.age_band_start, settlements_by_band.age_band_start) as age_band_start,
        coalesce(exposure_by_band.person_years, {{ cast_qty('0') }})                  as person_years,
        coalesce(settlements_by_band.setl_cnt, 0)                                     as setl_cnt,
        coalesce(settlements_by_band.fund_pay_amt, {{ cast_money('0') }})             as fund_pay_amt,
        coalesce(settlements_by_band.medfee_amt, {{ cast_money('0') }})               as medfee_amt
    from exposure_by_band
    full outer join settlements_by_band
        on exposure_by_band.year = settlements_by_band.year
        and exposure_by_band.status = settlements_by_band.status
        and exposure_by_band.gend = settlements_by_band.gend
        and exposure_by_band.age_band_start = settlements_by_band.age_band_start

),

final as (

    select
        year,
        status,
        status_name_zh,
        gend,
        age_band_start,
        case when age_band_start < {{ open_band_start }}
             then age_band_start + {{ band_width - 1 }} end                       as age_band_end,
        person_years,
        cast(setl_cnt as {{ dbt.type_bigint() }})                                 as setl_cnt,
        fund_pay_amt,
        medfee_amt,
        {{ safe_ratio('fund_pay_amt', 'person_years', 'decimal(18, 4)') }}      as fund_pay_per_capita,
        {{ safe_ratio('medfee_amt', 'person_years', 'decimal(18, 4)') }}        as medfee_per_capita,
        {{ safe_ratio('fund_pay_amt', 'medfee_amt', 'decimal(18, 4)') }}        as fund_pay_ratio
    from cells

)

select * from final
