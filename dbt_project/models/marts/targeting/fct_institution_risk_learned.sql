with learned as (

    select * from {{ ref('int_institution_risk_learned') }}

)

select
    cast(fixmedins_code as varchar) || ':' || cast(period as varchar) as institution_period_id,
    cast(period as varchar)                             as period,
    cast(fixmedins_code as varchar)                     as fixmedins_code,
    cast(risk_score as double)                          as risk_score,
    cast(risk_rank as integer)                          as risk_rank,
    cast(prior_case as integer)                         as prior_case_flag,
    cast(round(exp(tips_last_year) - 1) as integer)     as tips_last_year,
    cast(learned_score as double)                       as learned_score,
    cast(learned_rank as integer)                       as learned_rank,
    cast(model_status as varchar)                       as model_status,
    cast(training_rows as integer)                      as training_rows,
    cast(training_positives as integer)                 as training_positives,
    cast(coef_const as double)                          as coef_const,
    cast(coef_risk_z as double)                         as coef_risk_z,
    cast(coef_prior_case as double)                     as coef_prior_case,
    cast(coef_tips_last_year as double)                 as coef_tips_last_year
from learned
