with

institutions as (

    select * from {{ ref('stg_fixmedins_b') }}

),

types as (

    select * from {{ ref('institution_types') }}

),

grades as (

    select * from {{ ref('hosp_lv_grades') }}

),

-- the home area: where most insured persons are insured
home as (

    select insu_admdvs as home_admdvs
    from {{ ref('stg_psn_insu_d') }}
    group by insu_admdvs
    order by count(*) desc, insu_admdvs
    limit 1

),

final as (

    select
        institutions.fixmedins_code,
        institutions.fixmedins_name,
        institutions.fixmedins_type,
        institutions.medins_type,
        coalesce(types.inst_type, 'other')                       as inst_type,
        coalesce(types.inst_type_zh, '其他')                     as inst_type_zh,
        institutions.hosp_lv,
        grades.hosp_lv_name_zh,
        coalesce(grades.level_grade, 0)                          as level_grade,
        coalesce(grades.level_grade_zh, '无等级')                as level_grade_zh,
        coalesce(types.inst_type, 'other') || '|' || cast(coalesce(grades.level_grade, 0) as {{ dbt.type_string() }})
                                                                 as peer_group,
        coalesce(types.inst_type_zh, '其他') || coalesce(grades.level_grade_zh, '无等级')
                                                                 as peer_group_zh,
        institutions.admdvs,
        -- in the home pooling area: same prefecture as the home area (市级统筹)
        substr(institutions.admdvs, 1, 4) = substr(home.home_admdvs, 1, 4) as is_local,
        institutions.aprv_bed_cnt,
        institutions.grst_hosp_flag = '1'                        as is_primary_care,
        institutions.biznat,
        institutions.cred_lv,
        institutions.begndate                                    as agreement_begndate,
        institutions.enddate                                     as agreement_enddate

    from institutions
    cross join home
    left join types
        on institutions.fixmedins_type = types.fixmedins_type
        and (types.medins_type is null or types.medins_type = institutions.medins_type)
    left join grades
        on institutions.hosp_lv = grades.hosp_lv

)

select * from final
