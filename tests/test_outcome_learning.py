"""The outcome-learned ranking (analytics.targeting.outcomes): labels, the time split, no leakage."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from analytics.targeting import outcomes

PERIODS = ("2021", "2022", "2023", "2024")
INSTITUTIONS = [f"H3415030{k:04d}" for k in range(40)]
FRAUD = set(INSTITUTIONS[:8])


def _risk(seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for period in PERIODS:
        for code in INSTITUTIONS:
            rows.append((period, code, rng.normal(1.0 if code in FRAUD else 0.0, 1.0)))
    return pd.DataFrame(rows, columns=["period", "fixmedins_code", "risk_score"])


def _case(case_id, code, begin, end, opened, subject_type="1"):
    return dict(case_id=case_id, subject_type=subject_type, fixmedins_code=code, open_date=pd.Timestamp(opened),
                viol_begndate=pd.Timestamp(begin), viol_enddate=pd.Timestamp(end))


def _cases() -> pd.DataFrame:
    """The fraud institutions' conduct of each year is found in the spring of the next."""
    rows = []
    for k, code in enumerate(sorted(FRAUD)):
        for year in range(2021, 2025):
            rows.append(_case(f"AJ{year}{k:03d}", code, f"{year}-02-01", f"{year}-11-30", f"{year + 1}-03-15"))
    return pd.DataFrame(rows)


def _tips() -> pd.DataFrame:
    return pd.DataFrame([dict(tip_id="JB1", subject_type="1", fixmedins_code=INSTITUTIONS[0],
                              recv_date=pd.Timestamp("2022-06-01"))])


def test_a_case_confirms_the_years_its_conduct_overlaps():
    cases = pd.DataFrame([_case("A", "H1", "2022-11-01", "2023-02-28", "2023-05-01"),
                          _case("B", "H2", "2021-01-01", "2021-12-31", "2022-01-10"),
                          _case("P", "H3", "2022-03-01", "2022-03-31", "2022-06-01", subject_type="3")])
    assert set(outcomes.confirming(cases, "2022")["case_id"]) == {"A"}     # persons never label institutions
    assert set(outcomes.confirming(cases, "2023")["case_id"]) == {"A"}
    assert set(outcomes.confirming(cases, "2021")["case_id"]) == {"B"}


def test_labels_are_the_cases_found_after_the_ranking_date_and_earlier_finds_drop_out():
    risk = pd.DataFrame([("2022", code, 0.0) for code in ("H1", "H2", "H3")],
                        columns=["period", "fixmedins_code", "risk_score"])
    cases = pd.DataFrame([_case("early", "H1", "2022-02-01", "2022-05-31", "2022-07-01"),
                          _case("late", "H2", "2022-02-01", "2022-12-31", "2023-03-01"),
                          _case("too_late", "H3", "2022-02-01", "2022-12-31", "2024-03-01")])
    rows = outcomes.labelled(risk, cases, _tips().iloc[:0], "2022", until=pd.Timestamp("2024-01-01"))
    assert dict(zip(rows["fixmedins_code"], rows["label"])) == {"H2": 1, "H3": 0}


def test_features_use_only_what_was_known_on_the_ranking_date():
    risk = pd.DataFrame([("2022", "H1", 1.0), ("2022", "H2", 3.0)], columns=["period", "fixmedins_code", "risk_score"])
    cases = pd.DataFrame([_case("before", "H1", "2021-01-01", "2021-06-30", "2022-12-31"),
                          _case("after", "H2", "2022-01-01", "2022-06-30", "2023-01-01")])
    tips = pd.DataFrame([dict(tip_id="old", subject_type="1", fixmedins_code="H2", recv_date=pd.Timestamp("2021-12-31")),
                         dict(tip_id="in", subject_type="1", fixmedins_code="H2", recv_date=pd.Timestamp("2022-08-01")),
                         dict(tip_id="later", subject_type="1", fixmedins_code="H1", recv_date=pd.Timestamp("2023-01-01"))])
    rows = outcomes.features(risk, cases, tips, "2022").set_index("fixmedins_code")
    assert rows.loc["H1", "prior_case"] == 1 and rows.loc["H2", "prior_case"] == 0
    assert rows.loc["H2", "tips_last_year"] == pytest.approx(np.log(2)) and rows.loc["H1", "tips_last_year"] == 0
    assert rows["risk_z"].tolist() == [-1.0, 1.0]


def test_the_first_periods_fall_back_and_later_ones_train():
    ranked = outcomes.learned_ranking(_risk(), _cases(), _tips())
    status = ranked.groupby("period")["model_status"].first()
    assert status["2021"] == "labels_insufficient" and status["2023"] == "trained"
    first = ranked[ranked["period"] == "2021"]
    assert (first["learned_score"] == first["risk_score"]).all()
    trained = ranked[ranked["period"] == "2023"]
    assert trained["training_positives"].iloc[0] == 16          # 2021 and 2022 conduct, found by 2024-01-01
    assert trained["coef_prior_case"].iloc[0] > 0                # recidivism is learned
    assert sorted(trained["learned_rank"]) == list(range(1, len(INSTITUTIONS) + 1))


@pytest.mark.parametrize("period", ["2022", "2023", "2024"])
def test_no_case_or_tip_dated_on_or_after_the_ranking_date_changes_the_ranking(period):
    day = outcomes.ranking_date(period)
    base = outcomes.learned_ranking(_risk(), _cases(), _tips())
    cases = _cases()
    future = pd.to_datetime(cases["open_date"]) >= day
    # Rewrite the future: later cases move to a clean institution, and later finds about earlier
    # conduct of clean institutions appear (what a leaking fit would learn from); a flood of tips.
    cases.loc[future, "fixmedins_code"] = INSTITUTIONS[-1]
    extra = pd.DataFrame([_case(f"X{k}", code, "2021-01-01", f"{period}-12-31", day + pd.Timedelta(days=1 + k))
                          for k, code in enumerate(INSTITUTIONS[20:30])])
    tips = pd.concat([_tips(), pd.DataFrame([dict(tip_id=f"T{k}", subject_type="1", fixmedins_code=INSTITUTIONS[30],
                                                  recv_date=day + pd.Timedelta(days=k)) for k in range(20)])])
    changed = outcomes.learned_ranking(_risk(), pd.concat([cases, extra], ignore_index=True), tips)
    columns = ["fixmedins_code", "learned_score", "learned_rank", "model_status", "training_rows"]
    pd.testing.assert_frame_equal(base[base["period"] == period][columns].reset_index(drop=True),
                                  changed[changed["period"] == period][columns].reset_index(drop=True))


def test_the_mart_holds_one_learned_rank_per_ranked_institution(demo_warehouse):
    con = duckdb.connect(str(demo_warehouse), read_only=True)
    try:
        risk = con.execute("SELECT count(*) FROM marts.fct_institution_risk").fetchone()[0]
        learned = con.execute("""
            SELECT count(*), count(DISTINCT period || learned_rank), min(model_status)
            FROM marts.fct_institution_risk_learned""").fetchone()
    finally:
        con.close()
    assert risk > 0 and learned[0] == risk and learned[1] == risk
    assert learned[2] in ("trained", "labels_insufficient")
