"""Saved runs and attribution of the change between two runs."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from analytics.errors import AnalyticsError
from analytics.projection import attribute, list_runs, load_run, project, save_run, scenario
from analytics.projection.attribution import MEASURES
from tests.projection_helpers import county_base

T0 = dt.datetime(2026, 1, 5, 9, 0, 0)


def test_a_saved_run_loads_back_with_its_assumptions_inputs_and_results(tmp_path):
    projection = project(county_base(), scenario("high_cost", wage_growth=0.035))
    run = save_run(projection, tmp_path, label="budget meeting", now=T0)
    back = load_run(run.run_id, tmp_path)
    assert back.assumptions == projection.assumptions
    assert back.base.fingerprint() == projection.base.fingerprint()
    assert back.label == "budget meeting" and back.created_at == "2026-01-05T09:00:00"
    pd.testing.assert_frame_equal(back.projection.years, projection.years)
    pd.testing.assert_frame_equal(back.projection.summary, projection.summary, check_dtype=False)
    assert np.array_equal(back.projection.population, projection.population)
    # the saved inputs reproduce the saved results
    pd.testing.assert_frame_equal(project(back.base, back.assumptions).years, projection.years)
    assert load_run(run.path).run_id == run.run_id


def test_list_runs_shows_every_run_oldest_first(tmp_path):
    assert list_runs(tmp_path).empty
    first = save_run(project(county_base(), scenario("low_cost")), tmp_path, now=T0)
    second = save_run(project(county_base(), scenario("high_cost")), tmp_path, now=T0 + dt.timedelta(hours=1))
    runs = list_runs(tmp_path)
    assert runs["run_id"].tolist() == [first.run_id, second.run_id]
    assert runs["scenario"].tolist() == ["low_cost", "high_cost"]
    assert runs["employee_depletion_year"].iloc[1] == second.projection.summary.loc["employee", "depletion_year"] or (
        np.isnan(runs["employee_depletion_year"].iloc[1]))


def test_runs_go_to_YIBAO_DATA_projections_by_default(tmp_path, monkeypatch):
    monkeypatch.delenv("YIBAO_PROJECTIONS", raising=False)
    monkeypatch.setenv("YIBAO_DATA", str(tmp_path))
    run = save_run(project(county_base(), scenario(horizon=5)))
    assert run.path.parent == tmp_path / "projections"


def test_loading_a_missing_run_is_a_user_error(tmp_path):
    with pytest.raises(AnalyticsError, match="No saved projection run"):
        load_run("20990101T000000-deadbeef", tmp_path)


def test_attribution_steps_add_up_to_the_total_change(tmp_path):
    old_base = county_base()
    new_base = county_base(employee_expenditure=2.05e8, retirees=18_000)
    previous = save_run(project(old_base, scenario("intermediate")), tmp_path, now=T0)
    current = save_run(project(new_base, scenario("intermediate", wage_growth=0.04, interest_rate=0.02,
                                                  retirement_policy="pre2025")),
                       tmp_path, now=T0 + dt.timedelta(days=30))
    steps = attribute(load_run(previous.run_id, tmp_path), load_run(current.run_id, tmp_path))
    assert steps["factor"].tolist()[::2] == ["data", "wage_growth", "interest_rate", "retirement_policy"]
    year = steps["comparison_year"].iloc[0]
    for fund in ("employee", "resident"):
        rows = steps[steps["fund"] == fund]
        before = previous.projection.fund_years(fund).loc[year, "cumulative_balance"]
        after = current.projection.fund_years(fund).loc[year, "cumulative_balance"]
        assert rows["balance_change"].sum() == pytest.approx(after - before, rel=1e-9)
        for measure in MEASURES:
            assert rows[f"{measure}_change"].sum() == pytest.approx(rows[measure].iloc[-1] - (
                rows[measure].iloc[0] - rows[f"{measure}_change"].iloc[0]))
    employee = steps[steps["fund"] == "employee"].set_index("factor")
    assert employee.loc["wage_growth", "balance_change"] < 0
    assert employee.loc["data", "balance_change"] < 0
    assert (steps.loc[steps["factor"] == "wage_growth", "previous_value"] == 0.05).all()


def test_attribution_of_identical_runs_is_all_zero(tmp_path):
    projection = project(county_base(), scenario())
    first = save_run(projection, tmp_path, now=T0)
    second = save_run(replace(projection), tmp_path, now=T0 + dt.timedelta(minutes=1))
    steps = attribute(first, second)
    assert steps.empty or (steps[[f"{m}_change" for m in MEASURES]].abs().to_numpy() == 0).all()
