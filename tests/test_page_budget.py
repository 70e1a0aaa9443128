"""预算执行监测 page: data functions against the marts, and the page in real headless Chromium."""

from __future__ import annotations

import csv
import time
from pathlib import Path

import dash
import duckdb
import pytest

from dashboard import formatting as fmt
from tests.browser import start_as

SCREENSHOTS = Path(__file__).resolve().parents[1] / "test-output" / "screenshots"


@pytest.fixture
def warehouse(demo_warehouse, monkeypatch) -> Path:
    monkeypatch.setenv("YIBAO_WAREHOUSE", str(demo_warehouse))
    return demo_warehouse


def _mart(warehouse: Path, sql: str, params: list):
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def _latest(warehouse: Path) -> tuple[int, int]:
    return _mart(warehouse, """SELECT budget_year, max(month_of_year) FROM marts.fct_budget_execution
                               GROUP BY 1 ORDER BY 1 DESC LIMIT 1""", [])[0]


def test_institution_execution_returns_the_marts_rows_ordered_by_alert(warehouse):
    from dashboard.data import budget

    year, month = _latest(warehouse)
    frame = budget.institution_execution(year, month, "310")
    expected = _mart(warehouse, """SELECT fixmedins_code, ytd_hifp_pay, alert_level FROM marts.fct_budget_execution
                                   WHERE budget_year = ? AND month_of_year = ? AND insutype = '310'""",
                     [year, month])
    assert sorted(frame["fixmedins_code"]) == sorted(code for code, _, _ in expected)
    assert dict(zip(frame["fixmedins_code"], frame["ytd_hifp_pay"])) == {c: float(y) for c, y, _ in expected}
    severity = {"red": 1, "amber": 2, "blue": 3, "green": 4}
    ranks = [severity[level] for level in frame["alert_level"]]
    assert ranks == sorted(ranks)
    assert frame["fixmedins_name"].notna().all()

    total = budget.rollup_execution(year, month, "310", "all").iloc[0]
    assert total["ytd_hifp_pay"] == pytest.approx(frame["ytd_hifp_pay"].sum())
    assert total["red_alert_count"] == (frame["alert_level"] == "red").sum()


def test_institution_curve_covers_past_years_up_to_the_selected_one(warehouse):
    from dashboard.data import budget

    year, _ = _latest(warehouse)
    code = budget.institution_execution(year, 12, "310")["fixmedins_code"].iloc[0]
    curve = budget.institution_curve(code, "310", year)
    assert sorted(curve["budget_year"].unique()) == [year - 1, year]
    assert (curve.groupby("budget_year")["month_of_year"].max() == 12).all()
    assert budget.institution_curve(code, "310", year - 1)["budget_year"].max() == year - 1


def test_missing_warehouse_gives_a_clear_message_not_a_traceback(monkeypatch, tmp_path):
    from dashboard.app import create_app

    monkeypatch.setenv("YIBAO_WAREHOUSE", str(tmp_path / "nowhere.duckdb"))
    create_app()
    layout = next(p["layout"] for p in dash.page_registry.values() if p["path"] == "/budget")
    page = layout()
    assert page.id == "budget-unavailable"
    assert "数据仓库尚未构建" in page.children


def _figure_x(dash_duo, graph_id: str) -> list:
    return dash_duo.driver.execute_script(
        f"const g = document.querySelector('#{graph_id} .js-plotly-plot');"
        "return g && g.data ? g.data.filter(t => t.type === 'bar').flatMap(t => Array.from(t.x)) : null;")


@pytest.mark.browser
def test_budget_page_shows_execution_filters_drills_and_downloads(dash_duo, warehouse):
    from dashboard.data import budget

    year, month = _latest(warehouse)
    total_310 = budget.rollup_execution(year, month, "310", "all").iloc[0]
    total_390 = budget.rollup_execution(year, month, "390", "all").iloc[0]
    institutions = budget.institution_execution(year, month, "310")

    start_as(dash_duo, "budget")
    dash_duo.wait_for_page(f"{dash_duo.server_url}/budget")
    dash_duo.wait_for_text_to_equal("#budget-kpi-budget .kpi-value", fmt.money(total_310["budget_amt"]), timeout=20)
    assert dash_duo.find_element("#budget-kpi-ytd .kpi-value").text == fmt.money(total_310["ytd_hifp_pay"])
    assert dash_duo.find_element("#budget-kpi-red").text == fmt.count(total_310["red_alert_count"])
    dash_duo.wait_for_element("#budget-exec-chart .js-plotly-plot", timeout=20)
    before = _figure_x(dash_duo, "budget-exec-chart")
    assert sorted(round(x, 4) for x in before) == sorted(
        round(float(x), 4) for x in institutions["execution_rate"])
    dash_duo.wait_for_contains_text("#budget-alert-table", institutions["fixmedins_name"].iloc[0], timeout=10)
    dash_duo.wait_for_contains_text("#budget-curve-chart", "往年对比", timeout=10)
    dash_duo.wait_for_contains_text("#budget-rollup-chart", "汇总", timeout=10)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    dash_duo.driver.set_window_size(1400, 3000)
    time.sleep(1)  # let plotly re-lay out at the new width
    dash_duo.driver.save_screenshot(str(SCREENSHOTS / "budget.png"))

    # a filter change (scheme 390) redraws the cards and the chart and goes into the URL
    dash_duo.find_element("#budget-insutype input[value='390']").click()
    dash_duo.wait_for_text_to_equal("#budget-kpi-budget .kpi-value", fmt.money(total_390["budget_amt"]), timeout=20)
    deadline = time.time() + 10
    while _figure_x(dash_duo, "budget-exec-chart") == before and time.time() < deadline:
        time.sleep(0.2)
    after = _figure_x(dash_duo, "budget-exec-chart")
    assert after != before
    assert sorted(round(x, 4) for x in after) == sorted(
        round(float(x), 4) for x in budget.institution_execution(year, month, "390")["execution_rate"])
    assert "insutype=390" in dash_duo.driver.current_url
    assert f"year={year}" in dash_duo.driver.current_url

    # the alert list downloads as CSV with one row per institution
    dash_duo.find_element("#budget-alert-table button").click()  # 下载 CSV
    target = Path(dash_duo.download_path) / "budget-alert-table.csv"
    deadline = time.time() + 10
    while not target.exists() and time.time() < deadline:
        time.sleep(0.2)
    with target.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(institutions)
    assert {"机构名称", "预警等级", "执行率（%）", "预计超支(+)/结余(−)（万元）"} <= set(rows[0])
    assert dash_duo.get_logs() == []


@pytest.mark.browser
def test_budget_page_reads_its_filters_from_the_url(dash_duo, warehouse):
    from dashboard.data import budget

    year, _ = _latest(warehouse)
    past = year - 1
    frame = budget.institution_execution(past, 6, "390")
    code, name = frame["fixmedins_code"].iloc[-1], frame["fixmedins_name"].iloc[-1]
    total = budget.rollup_execution(past, 6, "390", "all").iloc[0]

    start_as(dash_duo, "budget")
    dash_duo.wait_for_page(f"{dash_duo.server_url}/budget?year={past}&month=6&insutype=390&inst={code}"
                           "&rollup=level_grade")
    dash_duo.wait_for_text_to_equal("#budget-kpi-ytd .kpi-value", fmt.money(total["ytd_hifp_pay"]), timeout=20)
    dash_duo.wait_for_contains_text("#budget-curve-chart", name, timeout=10)
    dash_duo.wait_for_contains_text("#budget-rollup-chart", "医院等级", timeout=10)
    assert dash_duo.get_logs() == []
