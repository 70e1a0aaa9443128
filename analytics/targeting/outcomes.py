"""Learning the risk ranking from enforcement outcomes, without looking into the future.

The ranking of period t (fct_institution_risk, calendar year t) is made on its ranking date
R_t = 1 January of t + 1. Outcomes enter as labels: a case confirms institution-year (i, s) when
its subject is institution i and the conduct it found (viol_begndate..viol_enddate) overlaps year
s; the office knows it from the case's open_date.

For the ranking of t the model is fitted on earlier institution-years s < t only, each with the
features it had on its own ranking date R_s and the label "a case confirming (i, s) was opened
in [R_s, R_t)" — found after that ranking, known before this one. Institution-years already
confirmed before their ranking date are left out (they were no longer a target). Features, all
known on the ranking date: the unlabelled risk score (standardised within the period), whether
the institution had a case opened before, and the tips received about it in the year before.
Everything the functions see about cases and tips passes through `known_at`, the leakage guard;
tests/test_outcome_learning.py checks that changing any later case leaves the ranking unchanged.

A ranking of t is evaluated on the cases opened on or after R_t that confirm (i, t), over the
institution-years not already confirmed on R_t (scripts/eval_outcome_ranking.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm

FEATURES = ("risk_z", "prior_case", "tips_last_year")
MIN_POSITIVES = 3              # labelled institution-years needed on each side to fit a model
MIN_NEGATIVES = 3
L2_PENALTY = 0.01              # ridge penalty of the logistic fit (statsmodels fit_regularized)
EVALUATION_MIN_DAYS = 180      # a period is evaluated when outcomes were followed this long after R_t


def ranking_date(period: str) -> pd.Timestamp:
    """R_t: the day after the period (a calendar year 'YYYY') ends."""
    return pd.Timestamp(year=int(period) + 1, month=1, day=1)


def known_at(frame: pd.DataFrame, column: str, day: pd.Timestamp) -> pd.DataFrame:
    """The rows the office knew on `day`: `column` (open_date, recv_date) before it."""
    return frame[pd.to_datetime(frame[column]) < day]


def confirming(cases: pd.DataFrame, period: str) -> pd.DataFrame:
    """Institution cases whose conduct overlaps the period's calendar year."""
    start, end = pd.Timestamp(year=int(period), month=1, day=1), ranking_date(period)
    inst = cases[cases["subject_type"] == "1"]
    overlap = (pd.to_datetime(inst["viol_begndate"]) < end) & (pd.to_datetime(inst["viol_enddate"]) >= start)
    return inst[overlap]


def features(risk: pd.DataFrame, cases: pd.DataFrame, tips: pd.DataFrame, period: str) -> pd.DataFrame:
    """One row per institution ranked in `period`: the features known on its ranking date."""
    day = ranking_date(period)
    rows = risk[risk["period"] == period][["period", "fixmedins_code", "risk_score"]].copy()
    score = rows["risk_score"].astype(float)
    spread = score.std(ddof=0)
    rows["risk_z"] = (score - score.mean()) / spread if spread > 0 else 0.0
    before = known_at(cases[cases["subject_type"] == "1"], "open_date", day)
    rows["prior_case"] = rows["fixmedins_code"].isin(before["fixmedins_code"]).astype(float)
    recent = known_at(tips, "recv_date", day)
    recent = recent[pd.to_datetime(recent["recv_date"]) >= day - pd.DateOffset(years=1)]
    counts = recent[recent["subject_type"] == "1"].groupby("fixmedins_code").size()
    rows["tips_last_year"] = np.log1p(rows["fixmedins_code"].map(counts).fillna(0).astype(float))
    return rows.reset_index(drop=True)


def labelled(risk: pd.DataFrame, cases: pd.DataFrame, tips: pd.DataFrame, period: str,
             until: pd.Timestamp) -> pd.DataFrame:
    """The period's feature rows with `label`: a confirming case opened in [R_period, until).
    Rows confirmed before R_period are dropped (already found, not a target)."""
    day = ranking_date(period)
    rows = features(risk, known_at(cases, "open_date", until), known_at(tips, "recv_date", until), period)
    found = confirming(known_at(cases, "open_date", until), period)
    opened = pd.to_datetime(found["open_date"])
    earlier = set(found.loc[opened < day, "fixmedins_code"])
    later = set(found.loc[opened >= day, "fixmedins_code"])
    rows = rows[~rows["fixmedins_code"].isin(earlier)].copy()
    rows["label"] = rows["fixmedins_code"].isin(later).astype(int)
    return rows


@dataclass(frozen=True)
class Fit:
    status: str                  # 'trained' or 'labels_insufficient'
    rows: int
    positives: int
    params: dict[str, float]


def fit(training: pd.DataFrame) -> Fit:
    """Ridge-penalised logistic regression of the label on FEATURES (statsmodels GLM Binomial)."""
    positives = int(training["label"].sum()) if len(training) else 0
    negatives = len(training) - positives
    if positives < MIN_POSITIVES or negatives < MIN_NEGATIVES:
        return Fit("labels_insufficient", len(training), positives, {})
    x = sm.add_constant(training[list(FEATURES)].astype(float), has_constant="add")
    model = sm.GLM(training["label"].astype(float), x, family=sm.families.Binomial())
    result = model.fit_regularized(alpha=L2_PENALTY, L1_wt=0.0)
    return Fit("trained", len(training), positives, dict(zip(x.columns, np.asarray(result.params, dtype=float))))


def learned_ranking(risk: pd.DataFrame, cases: pd.DataFrame, tips: pd.DataFrame) -> pd.DataFrame:
    """Per period × institution: the features, the learned score and rank, and the fit behind it.
    Without enough labels the learned score is the unlabelled one (model_status says so)."""
    out = []
    periods = sorted(risk["period"].unique())
    for period in periods:
        day = ranking_date(period)
        cases_then, tips_then = known_at(cases, "open_date", day), known_at(tips, "recv_date", day)
        training = pd.concat([labelled(risk, cases_then, tips_then, s, day) for s in periods if s < period]
                             or [pd.DataFrame(columns=["label", *FEATURES])], ignore_index=True)
        result = fit(training)
        rows = features(risk, cases_then, tips_then, period)
        if result.status == "trained":
            x = sm.add_constant(rows[list(FEATURES)].astype(float), has_constant="add")
            eta = x.to_numpy() @ np.array([result.params[c] for c in x.columns])
            rows["learned_score"] = 1 / (1 + np.exp(-eta))
        else:
            rows["learned_score"] = rows["risk_score"].astype(float)
        rows["learned_rank"] = rows["learned_score"].rank(ascending=False, method="first").astype(int)
        rows["model_status"] = result.status
        rows["training_rows"] = result.rows
        rows["training_positives"] = result.positives
        for name in ("const", *FEATURES):
            rows[f"coef_{name}"] = result.params.get(name, np.nan)
        out.append(rows)
    return pd.concat(out, ignore_index=True)
