{#-
    Key drug and consumable prices (药品耗材采购价格公开) per finalised period × monitored item ×
    institution, plus one region row per period × item (fixmedins_code 'all'): the
    institution's unit price Σspend ÷ Σquantity over the period, its ratio to the region median
    and to the price cap. Source: the per-patient use of the monitored items
    (int_monitored_item_patient_month, refund-netted), so patients are counted again over the
    period (a patient of several months is one patient of the quarter).

    Public-safe (口径: _disclosure__docs.md, disclosure_item_price):
      - a cell with fewer than min_cell_persons patients is suppressed (small_cell): null prices;
      - no spend and no quantity is published, only unit prices, medians and ratios, so no
        price cell can be recovered by subtraction and no complementary suppression is needed;
      - the region median, min and max run over the published institution prices only;
      - 使用人数 (n_patients) can add up over months (an implant is used once per patient), so
        a period's count is published only when neither the cell nor any period inside it is
        small, and never on the region row.
-#}

with

item_use as (

    select * from {{ ref('int_monitored_item_patient_month') }}

),

monitored_items as (

    select * from {{ ref('int_monitored_items') }}

),

items as (

    select hilist_code, item_class_zh, key_group_zh from {{ ref('dim_items') }}

),

price_caps as (

    select * from {{ ref('stg_hilist_lmtpric_d') }}

),

institutions as (

    select fixmedins_code, fixmedins_name, inst_type, peer_group_zh from {{ ref('dim_institutions') }}

),

periods as (

    select * from {{ ref('dim_disclosure_periods') }}

),

-- always one row: 10 persons (domain.md §5) when the seed lacks the parameter
cell_rule as (

    {{ disclosure_parameter('min_cell_persons', 10) }}

),

-- each patient's net use of an item at an institution over the period
patient_period as (

    select
        periods.period_type,
        periods.period_code,
        item_use.hilist_code,
        item_use.fixmedins_code,
        item_use.psn_no,
        {{ sum_money('item_use.spend') }}                               as spend,
        {{ cast_qty('sum(item_use.quantity)') }}                        as quantity
    from periods
    inner join item_use
        on item_use.setl_month between periods.period_start and periods.period_end_month
    group by periods.period_type, periods.period_code, item_use.hilist_code,
             item_use.fixmedins_code, item_use.psn_no

),

-- the patient's net use over all institutions, for the region's patient count
region_patient_period as (

    select
        period_type,
        period_code,
        hilist_code,
        psn_no,
        {{ cast_qty('sum(quantity)') }}                                 as quantity
    from patient_period
    group by period_type, period_code, hilist_code, psn_no

),

institution_sums as (

    select
        period_type,
        period_code,
        hilist_code,
        fixmedins_code,
        {{ sum_money('spend') }}                                        as spend,
        {{ cast_qty('sum(quantity)') }}                                 as quantity,
        cast(sum(case when quantity > 0 then 1 else 0 end) as {{ dbt.type_bigint() }})
                                                                        as n_patients
    from patient_period
    group by period_type, period_code, hilist_code, fixmedins_code

),

region_patients as (

    select
        period_type,
        period_code,
        hilist_code,
        cast(sum(case when quantity > 0 then 1 else 0 end) as {{ dbt.type_bigint() }})
                                                                        as n_patients
    from region_patient_period
    group by period_type, period_code, hilist_code

),

region_sums as (

    select
        institution_sums.period_type,
        institution_sums.period_code,
        institution_sums.hilist_code,
        {{ sum_money('institution_sums.spend') }}                       as spend,
        {{ cast_qty('sum(institution_sums.quantity)') }}                as quantity,
        cast(count(*) as {{ dbt.type_bigint() }})                       as n_institutions
    from institution_sums
    group by institution_sums.period_type, institution_sums.period_code,
             institution_sums.hilist_code

),

-- small-cell rule and the unit price of each institution cell (null on a suppressed cell)
institution_cells as (

    select
        institution_sums.*,
        periods.period_start,
        periods.period_end,
        institution_sums.n_patients < cell_rule.min_cell_persons       as is_small,
        case when institution_sums.n_patients >= cell_rule.min_cell_persons
             then {{ safe_ratio('institution_sums.spend', 'institution_sums.quantity') }}
        end                                                             as unit_price
    from institution_sums
    inner join periods
        on institution_sums.period_type = periods.period_type
        and institution_sums.period_code = periods.period_code
    cross join cell_rule

),

-- 使用人数 of a period is a total of its months' (and quarters') counts, so it is published only
-- when neither the cell nor any period inside it (a quarter's months, a year's quarters and
-- months) is small: every published count total then holds published parts only
count_rule as (

    select
        cell.period_type,
        cell.period_code,
        cell.hilist_code,
        cell.fixmedins_code,
        max(case when part.is_small then 1 else 0 end) = 0             as is_count_published
    from institution_cells as cell
    inner join institution_cells as part
        on cell.hilist_code = part.hilist_code
        and cell.fixmedins_code = part.fixmedins_code
        and part.period_start >= cell.period_start
        and part.period_end <= cell.period_end
    group by cell.period_type, cell.period_code, cell.hilist_code, cell.fixmedins_code

),

-- the region's price distribution over the published institution prices only; the median
-- of 4-decimal prices is exact at 5 decimals, then rounded half away from zero
published_prices as (

    select
        period_type,
        period_code,
        hilist_code,
        cast({{ items_median('cast(unit_price as decimal(18, 5))') }} as decimal(18, 4))
                                                                        as median_unit_price,
        min(unit_price)                                                 as min_unit_price,
        max(unit_price)                                                 as max_unit_price,
        cast(count(*) as {{ dbt.type_bigint() }})                       as n_institutions_published
    from institution_cells
    where unit_price is not null
    group by period_type, period_code, hilist_code

),

price_ranks as (

    select
        period_type,
        period_code,
        hilist_code,
        fixmedins_code,
        cast(rank() over (
            partition by period_type, period_code, hilist_code
            order by unit_price
        ) as {{ dbt.type_bigint() }})                                   as price_rank
    from institution_cells
    where unit_price is not null

),

-- the cap (最高限价) valid on the period's last day, with dim_items' rule (latest begndate)
period_caps as (

    select
        periods.period_type,
        periods.period_code,
        price_caps.hilist_code,
        price_caps.hilist_pric_uplmt_amt                                as price_cap,
        row_number() over (
            partition by periods.period_type, periods.period_code, price_caps.hilist_code
            order by price_caps.begndate desc, price_caps.hilist_lmtpric_type
        )                                                               as cap_rank
    from periods
    inner join price_caps
        on price_caps.begndate <= periods.period_end
        and (price_caps.enddate is null or price_caps.enddate >= periods.period_end)
    inner join monitored_items
        on price_caps.hilist_code = monitored_items.hilist_code

),

-- institution rows and the region row of each period × item, before the price columns
cells as (

    select
        institution_cells.period_type,
        institution_cells.period_code,
        institution_cells.hilist_code,
        institution_cells.fixmedins_code,
        false                                                           as is_total,
        institution_cells.is_small,
        institution_cells.unit_price,
        case when count_rule.is_count_published then institution_cells.n_patients end
                                                                        as n_patients,
        price_ranks.price_rank
    from institution_cells
    inner join count_rule
        on institution_cells.period_type = count_rule.period_type
        and institution_cells.period_code = count_rule.period_code
        and institution_cells.hilist_code = count_rule.hilist_code
        and institution_cells.fixmedins_code = count_rule.fixmedins_code
    left join price_ranks
        on institution_cells.period_type = price_ranks.period_type
        and institution_cells.period_code = price_ranks.period_code
        and institution_cells.hilist_code = price_ranks.hilist_code
        and institution_cells.fixmedins_code = price_ranks.fixmedins_code

    union all

    -- the volume-weighted average over all institutions, suppressed cells included
    select
        region_sums.period_type,
        region_sums.period_code,
        region_sums.hilist_code,
        'all'                                                           as fixmedins_code,
        true                                                            as is_total,
        coalesce(region_patients.n_patients, 0) < cell_rule.min_cell_persons
                                                                        as is_small,
        case when coalesce(region_patients.n_patients, 0) >= cell_rule.min_cell_persons
             then {{ safe_ratio('region_sums.spend', 'region_sums.quantity') }}
        end                                                             as unit_price,
        cast(null as {{ dbt.type_bigint() }})                           as n_patients,
        cast(null as {{ dbt.type_bigint() }})                           as price_rank
    from region_sums
    left join region_patients
        on region_sums.period_type = region_patients.period_type
        and region_sums.period_code = region_patients.period_code
        and region_sums.hilist_code = region_patients.hilist_code
    cross join cell_rule

),

priced as (

    select
        cells.*,
        region_sums.n_institutions,
        coalesce(published_prices.n_institutions_published, 0)          as n_institutions_published,
        case when not cells.is_small then published_prices.median_unit_price end
                                                                        as median_unit_price,
        case when not cells.is_small then published_prices.min_unit_price end
                                                                        as min_unit_price,
        case when not cells.is_small then published_prices.max_unit_price end
                                                                        as max_unit_price,
        period_caps.price_cap
    from cells
    inner join region_sums
        on cells.period_type = region_sums.period_type
        and cells.period_code = region_sums.period_code
        and cells.hilist_code = region_sums.hilist_code
    left join published_prices
        on cells.period_type = published_prices.period_type
        and cells.period_code = published_prices.period_code
        and cells.hilist_code = published_prices.hilist_code
    left join period_caps
        on cells.period_type = period_caps.period_type
        and cells.period_code = period_caps.period_code
        and cells.hilist_code = period_caps.hilist_code
        and period_caps.cap_rank = 1

),

final as (

    select
        -- grain
        periods.period_type,
        periods.period_code,
        priced.hilist_code,
        priced.fixmedins_code,

        periods.period_start,
        periods.period_end,
        priced.is_total,

        -- the item
        monitored_items.hilist_name,
        monitored_items.item_class,
        items.item_class_zh,
        monitored_items.is_key_item,
        monitored_items.key_item_name,
        monitored_items.key_group,
        items.key_group_zh,
        monitored_items.inclusion_reason,

        -- the institution (null on the region row)
        institutions.fixmedins_name,
        institutions.inst_type,
        institutions.peer_group_zh,

        -- suppression
        priced.is_small                                                 as is_suppressed,
        case when priced.is_small then 'small_cell' end                 as suppression_reason,
        priced.n_patients is null                                       as is_count_suppressed,
        priced.n_patients,

        -- prices: null on a suppressed cell (the cap is the catalogue's, on every row)
        priced.unit_price,
        priced.median_unit_price,
        priced.min_unit_price,
        priced.max_unit_price,
        {{ safe_ratio('priced.unit_price', 'priced.median_unit_price') }} as price_to_median_ratio,
        priced.price_rank,
        priced.n_institutions_published,
        priced.n_institutions,
        priced.price_cap,
        {{ safe_ratio('priced.unit_price', 'priced.price_cap') }}       as price_to_cap_ratio,

        periods.data_cutoff_date

    from priced
    inner join periods
        on priced.period_type = periods.period_type
        and priced.period_code = periods.period_code
    inner join monitored_items
        on priced.hilist_code = monitored_items.hilist_code
    left join items
        on priced.hilist_code = items.hilist_code
    left join institutions
        on priced.fixmedins_code = institutions.fixmedins_code

)

select * from final
