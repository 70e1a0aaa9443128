with

source as (

    select * from {{ source('raw', 'setl_d') }}

),

latest as (

    {{ latest_batch('source', ['setl_id']) }}

),

renamed as (

    select
        -- ids
        setl_id,
        mdtrt_id,
        init_setl_id,
        psn_no,

        -- person and scheme at settlement (name and ID number stay in stg_psn_info_b)
        gend,
        cast(brdy as date)                             as brdy,
        {{ cast_qty('age') }}                          as age,
        insutype,
        psn_type,
        insu_admdvs,

        -- institution
        pay_loc,
        fixmedins_code,
        fixmedins_name,
        hosp_lv,

        -- event
        cast(begndate as date)                         as begndate,
        cast(enddate as date)                          as enddate,
        cast(setl_time as {{ dbt.type_timestamp() }}) as setl_time,
        med_type,
        setl_type,
        clr_type,
        dise_no,
        dise_name,

        -- amounts (negative on refund rows)
        {{ cast_money('medfee_sumamt') }}              as medfee_sumamt,
        {{ cast_money('fulamt_ownpay_amt') }}          as fulamt_ownpay_amt,
        {{ cast_money('overlmt_selfpay') }}            as overlmt_selfpay,
        {{ cast_money('preselfpay_amt') }}             as preselfpay_amt,
        {{ cast_money('inscp_amt') }}                  as inscp_amt,
        {{ cast_money('act_pay_dedc') }}               as act_pay_dedc,
        {{ cast_money('hifp_pay') }}                   as hifp_pay,
        {{ cast_money('cvlserv_pay') }}                as cvlserv_pay,
        {{ cast_money('hifes_pay') }}                  as hifes_pay,
        {{ cast_money('hifmi_pay') }}                  as hifmi_pay,
        {{ cast_money('hifob_pay') }}                  as hifob_pay,
        {{ cast_money('hifdm_pay') }}                  as hifdm_pay,
        {{ cast_money('maf_pay') }}                    as maf_pay,
        {{ cast_money('othfund_pay') }}                as othfund_pay,
        {{ cast_money('fund_pay_sumamt') }}            as fund_pay_sumamt,
        {{ cast_money('psn_pay') }}                    as psn_pay,
        {{ cast_money('acct_pay') }}                   as acct_pay,
        {{ cast_money('cash_payamt') }}                as cash_payamt,

        -- refund netting
        refd_setl_flag,
        refd_setl_flag = '1' and init_setl_id is not null as is_refund,
        case
            when refd_setl_flag = '1' and init_setl_id is not null then -1
            else 1
        end                                            as setl_cnt,

        _batch_id

    from latest
    where vali_flag = '1'

)

select * from renamed
