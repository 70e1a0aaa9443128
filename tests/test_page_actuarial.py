"""精算预测 page: its data functions read the forecast marts, and in real headless Chromium the
short-term tab shows the mart's forecast and follows the series filter, the long-term tab
re-runs the projection for the chosen scenario, saves runs and explains the change."""

from __future__ import annotations

import csv
import time
from pathlib import Path

import dash
import pytest

from dashboard import formatting as fmt
from tests.browser import graph_data, mart, start_as, wait_for

PAGE_URL = "/actuarial"
SCREENSHOTS = Path(__file__).resolve().parents[1] / "test-output" / "screenshots"


@pytest.fixture
def warehouse(demo_warehouse, monkeypatch, tmp_path) -> Path:
    monkeypatch.setenv("YIBAO_WAREHOUSE", str(demo_warehouse))
    monkeypatch.setenv("YIBAO_PROJECTIONS", str(tmp_path / "projections"))
    return demo_warehouse





def next12_total(warehouse: Path, series_id: str) -> float:
    return mart(warehouse, """select sum(mean_amt) from marts.fct_fund_forecast
                              where series_id = ? and horizon <= 12""", [series_id])[0][0]


def depletion_kpi(warehouse: Path, scenario_name: str) -> str:
    from analytics.projection import load_base, project, scenario

    year = project(load_base(warehouse), scenario(scenario_name)).summary.loc["employee", "depletion_year"]
    return "未穿底" if year != year else f"{int(year)} 年"


# ---------------------------------------------------------------- data functions, no browser

def test_series_history_is_the_source_marts_months(warehouse):
    from dashboard.data import actuarial

    history = actuarial.series_history("fund_monthly", "310100", "expenditure_amt")
    expected = mart(warehouse, """select month_start, expenditure_amt from marts.fct_fund_monthly
                                  where fund_pay_type = '310100' order by month_start""")
    assert [m.date() for m in history["month_start"]] == [r[0] for r in expected]
    assert history["value"].tolist() == pytest.approx([float(r[1]) for r in expected])
    budget = actuarial.series_history("budget_rollup", "310", "month_hifp_pay")
    total = mart(warehouse, """select sum(month_hifp_pay) from marts.fct_budget_execution_rollup
                               where rollup_level = 'all' and insutype = '310'""")[0][0]
    assert budget["value"].sum() == pytest.approx(float(total))


def test_forecast_catalog_lists_every_series_with_the_pooled_total_first(warehouse):
    from dashboard.data import actuarial

    catalog = actuarial.forecast_catalog()
    assert len(catalog) == mart(warehouse, "select count(*) from seeds.forecast_series")[0][0]
    assert catalog["series_id"].iloc[0].startswith("fund_999999")
    assert not catalog["has_backtest"].any()  # two demo years: too short for a backtest origin


def test_page_without_warehouse_says_so(monkeypatch, tmp_path):
    monkeypatch.setenv("YIBAO_WAREHOUSE", str(tmp_path / "nowhere.duckdb"))
    from dashboard.app import create_app

    create_app()
    layout = next(p["layout"] for p in dash.page_registry.values() if p["path"] == PAGE_URL)
    text = str(layout())
    assert "数据仓库尚未构建" in text and "Traceback" not in text


# ---------------------------------------------------------------- in Chromium

@pytest.mark.browser
def test_short_term_tab_shows_the_forecast_follows_the_series_and_downloads(dash_duo, warehouse):
    dash_duo.driver.set_window_size(1400, 2000)
    start_as(dash_duo, "planner")
    dash_duo.wait_for_page(url=dash_duo.server_url + PAGE_URL, timeout=20)
    dash_duo.wait_for_text_to_equal("#forecast-kpi-next12 .kpi-value",
                                    fmt.money(next12_total(warehouse, "fund_999999_income")), timeout=30)
    fan = wait_for(lambda: graph_data(dash_duo, "forecast-fan"), message="fan chart")
    assert len(next(t for t in fan if t.get("name") == "预测值")["x"]) == 24
    assert {"95% 预测区间", "80% 预测区间", "实际值"} <= {t.get("name") for t in fan}
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    dash_duo.driver.save_screenshot(str(SCREENSHOTS / "actuarial_short_term.png"))

    # filter: the budgeted institutions' pay — KPIs follow, the budget card appears, URL keeps it
    label = mart(warehouse, "select label_zh from seeds.forecast_series where series_id = 'budget_310_pay'")[0][0]
    dash_duo.select_dcc_dropdown("#forecast-series", value=label)
    dash_duo.wait_for_text_to_equal("#forecast-kpi-next12 .kpi-value",
                                    fmt.money(next12_total(warehouse, "budget_310_pay")), timeout=20)
    dash_duo.wait_for_contains_text("#forecast-kpi-budget", "预计执行率", timeout=10)
    wait_for(lambda: "series=budget_310_pay" in dash_duo.driver.current_url, message="URL filter")
    budget = wait_for(lambda: graph_data(dash_duo, "forecast-budget"), message="budget chart")
    assert any(t.get("name") == "预测累计" for t in budget)

    # download: the forecast table as CSV, every forecast month
    dash_duo.find_element("#forecast-table button:nth-child(1)").click()
    target = Path(dash_duo.download_path) / "forecast-table.csv"
    wait_for(target.exists, message="CSV download")
    with target.open(encoding="utf-8-sig") as handle:
        lines = list(csv.DictReader(handle))
    assert len(lines) == 24 and "预测值（万元）" in lines[0]
    assert dash_duo.get_logs() == []


@pytest.mark.browser
def test_long_term_tab_reruns_the_projection_saves_runs_and_explains_the_change(dash_duo, warehouse):
    dash_duo.driver.set_window_size(1400, 2400)
    start_as(dash_duo, "planner")
    dash_duo.wait_for_page(url=f"{dash_duo.server_url}{PAGE_URL}?tab=long", timeout=20)
    dash_duo.wait_for_text_to_equal("#actuarial-kpi-depletion .kpi-value",
                                    depletion_kpi(warehouse, "intermediate"), timeout=30)
    paths = wait_for(lambda: graph_data(dash_duo, "actuarial-paths"), message="paths chart")
    assert {"低成本方案", "中间方案", "高成本方案", "本次测算（当前假设）"} == {t.get("name") for t in paths}

    dash_duo.find_element("#actuarial-save").click()
    dash_duo.wait_for_contains_text("#actuarial-save-message", "这是第一次保存的测算", timeout=15)

    # the high-cost scenario: sliders move to its values and the projection follows
    dash_duo.find_element("#actuarial-scenario input[value='high_cost']").click()
    dash_duo.wait_for_text_to_equal("#actuarial-kpi-depletion .kpi-value",
                                    depletion_kpi(warehouse, "high_cost"), timeout=20)
    wait_for(lambda: "scenario=high_cost" in dash_duo.driver.current_url, message="URL filter")

    dash_duo.find_element("#actuarial-save").click()
    dash_duo.wait_for_contains_text("#actuarial-save-message", "变动分解", timeout=15)
    dash_duo.wait_for_contains_text("#actuarial-attribution", "缴费基数增长率", timeout=10)
    dash_duo.driver.execute_script("window.scrollTo(0, 0);")
    time.sleep(0.5)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    dash_duo.driver.save_screenshot(str(SCREENSHOTS / "actuarial_long_term.png"))
    assert dash_duo.get_logs() == []
