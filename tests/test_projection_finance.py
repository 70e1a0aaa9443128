"""Fund projection: accounting identity, scenario order, balancing levers, stochastic fan,
sensitivity table and assumptions handling — on a hand-built county base."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.errors import AnalyticsError
from analytics.projection import SCENARIOS, project, scenario, sensitivity, simulate
from analytics.projection.assumptions import assumption_names, scenario_table
from tests.projection_helpers import county_base


@pytest.fixture(scope="module")
def base():
    return county_base()


@pytest.fixture(scope="module")
def intermediate(base):
    return project(base, scenario("intermediate"))


def test_cumulative_balance_is_opening_plus_current_balances_plus_interest(base, intermediate):
    for fund, opening in (("employee", base.employee.opening_balance), ("resident", base.resident.opening_balance)):
        rows = intermediate.fund_years(fund)
        expected = opening + (rows["current_balance"] + rows["interest"]).cumsum()
        assert np.allclose(rows["cumulative_balance"], expected, rtol=0, atol=1e-4)
        assert np.allclose(rows["current_balance"], rows["income"] - rows["expenditure"], rtol=0, atol=1e-6)
        assert np.allclose(rows["income"], rows["contribution_income"] + rows["subsidy_income"] + rows["other_income"])
        # interest is earned on the opening balance plus half the year's flow
        previous = np.concatenate([[opening], rows["cumulative_balance"].to_numpy()[:-1]])
        rate = intermediate.assumptions.interest_rate
        assert np.allclose(rows["interest"], rate * (previous + rows["current_balance"] / 2))


def test_years_table_has_one_row_per_year_and_fund(base, intermediate):
    years = intermediate.years
    assert len(years) == 2 * intermediate.assumptions.horizon
    assert not years.duplicated(["year", "fund"]).any()
    assert years["year"].min() == base.base_year + 1
    employee = intermediate.fund_years("employee")
    assert np.allclose(employee["dependency_ratio"], employee["retirees"] / employee["contributors"])
    assert np.allclose(employee["reserve_months"], employee["cumulative_balance"] / (employee["expenditure"] / 12))


def test_first_year_matches_the_base_year_flows_grown_one_year(base, intermediate):
    first = intermediate.fund_years("employee").iloc[0]
    assert first["expenditure"] == pytest.approx(base.employee.expenditure, rel=0.15)
    assert first["contribution_income"] == pytest.approx(base.employee.income, rel=0.1)


def _depletion(base, name, fund, **overrides):
    year = project(base, scenario(name, **overrides)).summary.loc[fund, "depletion_year"]
    return np.inf if np.isnan(year) else year


@pytest.mark.parametrize("fund", ["employee", "resident"])
def test_high_cost_depletes_no_later_than_intermediate_and_intermediate_no_later_than_low_cost(base, fund):
    years = [_depletion(base, name, fund, horizon=60) for name in ("high_cost", "intermediate", "low_cost")]
    assert years == sorted(years)
    assert np.isfinite(years[0]), "the high-cost scenario depletes within 60 years"
    assert years[0] < years[2], "the scenarios differ"


def test_first_deficit_and_depletion_years_follow_the_yearly_table(intermediate):
    for fund, row in intermediate.summary.iterrows():
        rows = intermediate.fund_years(fund)
        deficit = rows.index[rows["current_balance"] < 0]
        depleted = rows.index[rows["cumulative_balance"] < 0]
        assert row["first_deficit_year"] == (deficit.min() if len(deficit) else np.nan) or (
            np.isnan(row["first_deficit_year"]) and not len(deficit))
        assert row["depletion_year"] == (depleted.min() if len(depleted) else np.nan) or (
            np.isnan(row["depletion_year"]) and not len(depleted))


def test_balancing_rate_and_subsidy_would_close_each_year(base, intermediate):
    employee = intermediate.fund_years("employee")
    rate = base.employee.contribution_rate
    # income at the balancing rate equals expenditure
    payroll = employee["contribution_income"] / rate
    assert np.allclose(employee["balancing_contribution_rate"] * payroll + employee["other_income"],
                       employee["expenditure"], rtol=1e-9)
    resident = intermediate.fund_years("resident")
    assert np.allclose(resident["contribution_income"] + resident["other_income"]
                       + resident["balancing_subsidy_per_head"] * resident["contributors"],
                       resident["expenditure"], rtol=1e-9)


def test_level_contribution_rate_brings_the_horizon_balance_to_zero(base, intermediate):
    level = intermediate.summary.loc["employee", "level_contribution_rate"]
    at_level = project(base, scenario("intermediate", contribution_rate=float(level)))
    assert at_level.summary.loc["employee", "balance_at_horizon"] == pytest.approx(0, abs=1.0)
    subsidy = intermediate.summary.loc["resident", "level_subsidy_per_head"]
    scaled = county_base()
    from dataclasses import replace
    scaled = replace(scaled, resident=replace(scaled.resident, fiscal_subsidy=float(subsidy)))
    assert project(scaled, scenario()).summary.loc["resident", "balance_at_horizon"] == pytest.approx(0, abs=1.0)


def test_policy_levers_move_the_funds_the_expected_way(base, intermediate):
    def balance(**overrides):
        return project(base, scenario(**overrides)).summary["balance_at_horizon"]

    central = intermediate.summary["balance_at_horizon"]
    assert balance(reimbursement_change_employee=0.05)["employee"] < central["employee"]
    assert balance(reimbursement_change_resident=0.05)["resident"] < central["resident"]
    assert balance(retiree_contribution=500.0)["employee"] > central["employee"]
    assert balance(pool_share=0.7)["employee"] < central["employee"]
    assert balance(retirement_policy="pre2025")["employee"] < central["employee"]
    assert balance(contribution_rate=0.08)["employee"] > central["employee"]
    assert balance(contribution_rate=0.08)["resident"] == pytest.approx(central["resident"])


def test_simulation_is_deterministic_for_a_seed_and_differs_across_seeds(base):
    a = simulate(base, scenario(), n=1000, seed=7)
    b = simulate(base, scenario(), n=1000, seed=7)
    c = simulate(base, scenario(), n=1000, seed=8)
    pd.testing.assert_frame_equal(a.fan, b.fan)
    pd.testing.assert_frame_equal(a.depletion_years, b.depletion_years)
    assert not np.allclose(a.fan["p50"], c.fan["p50"])
    assert a.depletion_years.shape == (1000, 2)


def test_fan_quantiles_are_ordered_and_bracket_the_deterministic_path(base, intermediate):
    sim = simulate(base, scenario(), n=1000, seed=0)
    quantiles = sim.fan[["p05", "p10", "p25", "p50", "p75", "p90", "p95"]].to_numpy()
    assert (np.diff(quantiles, axis=1) >= 0).all()
    fan = sim.fan[sim.fan["fund"] == "employee"].set_index("year")
    central = intermediate.fund_years("employee")["cumulative_balance"]
    assert ((fan["p05"] <= central) & (central <= fan["p95"])).all()
    distribution = sim.depletion_distribution("employee")
    probability = sim.summary.loc["employee", "depletion_probability"]
    assert distribution["cumulative_share"].iloc[-1] == pytest.approx(probability)
    assert 0 < sim.summary.loc["employee", "depletion_probability"] <= 1


def test_sensitivity_has_one_row_per_varied_assumption_and_fund(base):
    table = sensitivity(base, scenario())
    varied = [n for n, s in scenario_table().items() if n != "horizon" and s["low_cost"] != s["high_cost"]]
    assert len(table) == 2 * len(varied)
    assert set(table["assumption"]) == set(varied)
    wage = table[(table["assumption"] == "wage_growth") & (table["fund"] == "employee")].iloc[0]
    assert wage["low_cost_balance_change"] > 0 > wage["high_cost_balance_change"]
    assert wage["low_cost_value"] > wage["value"] > wage["high_cost_value"]
    swing = (table["low_cost_balance_change"] - table["high_cost_balance_change"]).abs()
    for _, group in swing.groupby(table["fund"]):
        assert (np.diff(group.to_numpy()) <= 1e-6).all(), "largest swing first"
    extra = sensitivity(base, scenario(), ranges={"retirement_policy": ("npc2024", "pre2025")})
    assert "retirement_policy" in set(extra["assumption"])


def test_scenarios_load_from_the_data_file_with_a_source_for_every_assumption():
    table = scenario_table()
    for name in assumption_names():
        assert table[name]["source"].strip(), name
    assert {scenario(name).scenario for name in SCENARIOS} == set(SCENARIOS)
    assert scenario("低").scenario == "low_cost" and scenario("高").scenario == "high_cost"


def test_overrides_change_only_what_they_name_and_bad_ones_are_user_errors():
    custom = scenario("intermediate", wage_growth=0.03, horizon=40)
    assert custom.wage_growth == 0.03 and custom.horizon == 40
    assert custom.price_growth == scenario("intermediate").price_growth
    with pytest.raises(AnalyticsError, match="Unknown assumption"):
        scenario("intermediate", wage_grwth=0.03)
    with pytest.raises(AnalyticsError, match="outside the allowed range"):
        scenario("intermediate", wage_growth=2.0)
    with pytest.raises(AnalyticsError, match="Unknown scenario"):
        scenario("optimistic")
