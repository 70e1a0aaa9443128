"""The risk ranking re-weighted by enforcement outcomes (analytics.targeting.outcomes).

One row per institution × period of fct_institution_risk: the features known on the period's
ranking date, the learned score and rank, and the fit behind them (trained on earlier periods'
confirmed cases only). A python model because the fit is statsmodels; the mart
fct_institution_risk_learned types and documents it.
"""

from analytics.targeting.outcomes import learned_ranking


def model(dbt, session):
    dbt.config(materialized="table")
    risk = dbt.ref("fct_institution_risk").df()[["period", "fixmedins_code", "risk_score", "risk_rank"]]
    cases = dbt.ref("stg_enforcement_cases").df()[
        ["case_id", "subject_type", "fixmedins_code", "open_date", "viol_begndate", "viol_enddate"]]
    tips = dbt.ref("stg_tips").df()[["tip_id", "subject_type", "fixmedins_code", "recv_date"]]
    learned = learned_ranking(risk.assign(risk_score=risk["risk_score"].astype(float)), cases, tips)
    return learned.merge(risk[["period", "fixmedins_code", "risk_rank"]], on=["period", "fixmedins_code"])
