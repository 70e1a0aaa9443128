with

catalogue as (

    select * from {{ ref('stg_hilist_b') }}

),

price_caps as (

    select * from {{ ref('stg_hilist_lmtpric_d') }}

),

settlements as (

    select setl_date from {{ ref('int_settlements') }}

),

list_types as (

    select * from {{ ref('item_list_types') }}

),

fee_categories as (

    select * from {{ ref('fee_categories') }}

),

item_levels as (

    select code as chrgitm_lv, name as chrgitm_lv_name_zh
    from {{ ref('dictionaries') }}
    where dic_type_code = 'chrgitm_lv'

),

key_items as (

    select * from {{ ref('key_items') }}

),

-- the price cap is read as of the end of the data (last settlement day), so a rebuild of
-- the same data gives the same caps; for a current extract that is (about) today
data_end as (

    select max(setl_date) as as_of_date from settlements

),

caps_valid_at_data_end as (

    select
        price_caps.hilist_code,
        price_caps.hilist_lmtpric_type,
        price_caps.hilist_pric_uplmt_amt,
        price_caps.begndate,
        price_caps.enddate,
        row_number() over (
            partition by price_caps.hilist_code
            order by price_caps.begndate desc, price_caps.hilist_lmtpric_type
        ) as cap_rank
    from price_caps
    cross join data_end
    where price_caps.begndate <= data_end.as_of_date
        and (price_caps.enddate is null or price_caps.enddate >= data_end.as_of_date)

),

current_caps as (

    select * from caps_valid_at_data_end where cap_rank = 1

),

classified as (

    select
        catalogue.*,
        list_types.list_type_name_zh,
        coalesce(list_types.item_class, 'other')     as item_class,
        coalesce(list_types.item_class_zh, '其他')   as item_class_zh
    from catalogue
    left join list_types
        on catalogue.list_type = list_types.list_type

),

-- a catalogue entry is a key item when it meets every criterion its seed row sets (name
-- pattern, code prefix, item class); an entry matching several rows takes the first id
key_matches as (

    select
        classified.hilist_code,
        key_items.key_item_id,
        key_items.key_item_name,
        key_items.key_group,
        key_items.key_group_zh,
        key_items.reason,
        row_number() over (
            partition by classified.hilist_code order by key_items.key_item_id
        ) as match_rank
    from classified
    inner join key_items
        on (key_items.hilist_name_pattern is null
                or classified.hilist_name like key_items.hilist_name_pattern)
        and (key_items.hilist_code_prefix is null
                or classified.hilist_code like {{ dbt.concat(['key_items.hilist_code_prefix', "'%'"]) }})
        and (key_items.item_class is null or classified.item_class = key_items.item_class)
        and (key_items.hilist_name_pattern is not null or key_items.hilist_code_prefix is not null)

),

first_key_match as (

    select * from key_matches where match_rank = 1

),

final as (

    select
        classified.hilist_code,
        classified.hilist_name,
        classified.list_type,
        classified.list_type_name_zh,
        classified.item_class,
        classified.item_class_zh,
        classified.med_chrgitm_type,
        fee_categories.med_chrgitm_type_name_zh,
        coalesce(fee_categories.fee_category, 'other')           as fee_category,
        coalesce(fee_categories.fee_category_zh, '其他费')       as fee_category_zh,
        classified.chrgitm_lv,
        item_levels.chrgitm_lv_name_zh,
        classified.selfpay_prop,
        classified.lmt_used_flag,
        coalesce(classified.lmt_used_flag = '1', false)          as is_restricted,
        classified.lmt_usescp,
        current_caps.hilist_pric_uplmt_amt                       as price_cap,
        current_caps.hilist_lmtpric_type                         as price_cap_type,
        current_caps.begndate                                    as price_cap_begndate,
        data_end.as_of_date                                      as price_cap_as_of_date,
        first_key_match.key_item_id is not null                  as is_key_item,
        first_key_match.key_item_id,
        first_key_match.key_item_name,
        first_key_match.key_group,
        first_key_match.key_group_zh,
        first_key_match.reason                                   as key_item_reason,
        classified.begndate,
        classified.enddate

    from classified
    cross join data_end
    left join fee_categories
        on classified.med_chrgitm_type = fee_categories.med_chrgitm_type
    left join item_levels
        on classified.chrgitm_lv = item_levels.chrgitm_lv
    left join current_caps
        on classified.hilist_code = current_caps.hilist_code
    left join first_key_match
        on classified.hilist_code = first_key_match.hilist_code

)

select * from final
