"""基金运行总览 (overview) page: its data functions against the mart, and the page in Chromium."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pandas as pd
import pytest

from dashboard import formatting as fmt
from dashboard.data.db import query
from tests.browser import start_as

SCREENSHOTS = Path(__file__).resolve().parents[1] / "test-output" / "screenshots"
PERIOD_END = dt.date(2024, 12, 1)


@pytest.fixture
def warehouse(demo_warehouse, monkeypatch):
    monkeypatch.setenv("YIBAO_WAREHOUSE", str(demo_warehouse))
    return demo_warehouse


def _mart_row(fund: str, month: dt.date) -> pd.Series:
    return query("SELECT * FROM marts.fct_fund_monthly WHERE fund_pay_type = ? AND month_start = ?",
                 [fund, month]).iloc[0]


def test_fund_series_carries_the_mart_values_and_year_to_date_sums(warehouse):
    from dashboard.data.fund import fund_series

    series = fund_series("310100", PERIOD_END)
    assert series["month_start"].min() == pd.Timestamp("2023-01-01")
    assert series["month_start"].max() == pd.Timestamp("2024-12-01")
    last, mart = series.iloc[-1], _mart_row("310100", PERIOD_END)
    for column in ("income_ytd_amt", "expenditure_ytd_amt", "cumulative_balance_amt", "reserve_months",
                   "income_yoy", "expenditure_yoy"):
        assert last[column] == pytest.approx(float(mart[column])), column
    assert last["reserve_band_label_zh"] == mart["reserve_band_label_zh"]
    ytd_balance = query("""SELECT sum(current_balance_amt) FROM marts.fct_fund_monthly
                           WHERE fund_pay_type = '310100' AND year = 2024""").iloc[0, 0]
    assert last["ytd_current_balance_amt"] == pytest.approx(float(ytd_balance))
    categories = sum(last[f"ytd_expenditure_{c}_amt"] for c in ("outpatient", "inpatient", "pharmacy", "out_of_area"))
    assert categories == pytest.approx(last["expenditure_ytd_amt"])


def test_institution_pay_growth_ranks_by_increase_over_the_same_months_last_year(warehouse):
    from dashboard.data.fund import institution_pay_growth

    top = institution_pay_growth("310100", dt.date(2024, 6, 1), limit=10)
    assert 0 < len(top) <= 10 and top["has_base"].all() and (top["measure"] == "hifp_pay").all()
    assert list(top["increase_amt"]) == sorted(top["increase_amt"], reverse=True)
    first = top.iloc[0]
    sums = query("""
        SELECT sum(hifp_pay) FILTER (WHERE setl_month BETWEEN '2024-01-01' AND '2024-06-01') AS cur,
               sum(hifp_pay) FILTER (WHERE setl_month BETWEEN '2023-01-01' AND '2023-06-01') AS base
        FROM marts.fct_institution_month
        WHERE fixmedins_code = ? AND scheme = 'employee' AND visit_group = 'all'""",
                 [first["fixmedins_code"]]).iloc[0]
    assert first["current_amt"] == pytest.approx(float(sums["cur"] or 0))
    assert first["base_amt"] == pytest.approx(float(sums["base"] or 0))
    assert first["increase_amt"] == pytest.approx(float(sums["cur"] or 0) - float(sums["base"] or 0))


def test_institution_pay_growth_without_a_base_year_ranks_by_current_pay(warehouse):
    from dashboard.data.fund import institution_pay_growth

    top = institution_pay_growth("999999", dt.date(2023, 12, 1))
    assert not top["has_base"].any() and top["increase_amt"].isna().all()
    assert list(top["current_amt"]) == sorted(top["current_amt"], reverse=True)


def test_overview_without_warehouse_shows_a_message_not_a_traceback(monkeypatch, tmp_path):
    monkeypatch.setenv("YIBAO_WAREHOUSE", str(tmp_path / "nowhere.duckdb"))
    import dash

    from dashboard.app import create_app

    create_app()
    layout = next(p["layout"] for p in dash.page_registry.values() if p["path"] == "/")
    page = layout()
    assert page.id == "overview-unavailable" and "数据仓库尚未构建" in page.children


def _graph_data(dash_duo, graph_id: str) -> dict:
    return dash_duo.driver.execute_script(
        "const g = document.querySelector(arguments[0] + ' .js-plotly-plot');"
        "return g ? {title: g.layout.title.text, x: g.data[0].x, y: g.data[0].y} : null;", f"#{graph_id}")


def _wait_for(condition, timeout: float = 20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError("condition not met in time")


@pytest.mark.browser
def test_overview_page_in_chromium(dash_duo, warehouse):
    start_as(dash_duo, "leadership")
    dash_duo.wait_for_page(f"{dash_duo.server_url}/")

    # first load: the default fund (统筹基金合计) and the latest month, with the mart's numbers
    mart = _mart_row("999999", PERIOD_END)
    dash_duo.wait_for_text_to_equal("#overview-kpi-income .kpi-value", fmt.money(mart["income_ytd_amt"]), timeout=20)
    dash_duo.wait_for_text_to_equal("#overview-kpi-reserve .kpi-value", fmt.months(mart["reserve_months"]))
    assert mart["reserve_band_label_zh"] in dash_duo.find_element("#overview-kpi-reserve").text
    assert dash_duo.find_element("#overview-kpi-income-yoy .kpi-value").text == fmt.percent(mart["income_yoy"], signed=True)
    _wait_for(lambda: _graph_data(dash_duo, "overview-trend") is not None)
    before = _graph_data(dash_duo, "overview-trend")
    assert len(before["x"]) == 24
    assert "同比" in _graph_data(dash_duo, "overview-growth")["title"]
    dash_duo.wait_for_contains_text("#overview-growth-table", "1", timeout=10)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    dash_duo.driver.set_window_size(1400, 2200)
    dash_duo.driver.save_screenshot(str(SCREENSHOTS / "overview.png"))

    # a filter change (period → 2024年6月) redraws the charts and lands in the URL
    dash_duo.select_dcc_dropdown("#overview-period", value="2024年6月")
    _wait_for(lambda: len(_graph_data(dash_duo, "overview-trend")["x"]) == 18)
    june = _mart_row("999999", dt.date(2024, 6, 1))
    dash_duo.wait_for_text_to_equal("#overview-kpi-income .kpi-value", fmt.money(june["income_ytd_amt"]), timeout=20)
    _wait_for(lambda: "period=2024-06" in dash_duo.driver.current_url)

    # the fund selector: 职工统筹 changes the figures and the URL
    dash_duo.select_dcc_dropdown("#overview-fund", value="职工基本医疗保险统筹基金（310100）")
    _wait_for(lambda: "fund=310100" in dash_duo.driver.current_url)
    employee = _mart_row("310100", dt.date(2024, 6, 1))
    dash_duo.wait_for_text_to_equal("#overview-kpi-income .kpi-value", fmt.money(employee["income_ytd_amt"]), timeout=20)
    query_string = parse_qs(urlparse(dash_duo.driver.current_url).query)
    assert query_string == {"fund": ["310100"], "period": ["2024-06"]}

    # the table downloads as CSV with the rows on screen
    dash_duo.wait_for_contains_text("#overview-growth-note", "上年同期", timeout=10)
    rows = dash_duo.driver.execute_script(
        "return document.querySelectorAll('#overview-growth-table tbody tr td[data-dash-column=\"fixmedins_name\"]').length")
    assert rows == 10
    dash_duo.find_element("#overview-growth-table button:nth-of-type(1)").click()
    csv = Path(dash_duo.download_path) / "overview-growth-table.csv"
    _wait_for(csv.exists)
    _wait_for(lambda: len(pd.read_csv(csv)) == 10)
    frame = pd.read_csv(csv)
    assert {"机构名称", "增加额（万元）", "增长贡献率（%）"} <= set(frame.columns)

    assert dash_duo.get_logs() == []


@pytest.mark.browser
def test_overview_reads_its_filters_from_the_url(dash_duo, warehouse):
    start_as(dash_duo, "leadership")
    dash_duo.wait_for_page(f"{dash_duo.server_url}/?fund=390100&period=2024-03")
    mart = _mart_row("390100", dt.date(2024, 3, 1))
    dash_duo.wait_for_text_to_equal("#overview-kpi-expenditure .kpi-value", fmt.money(mart["expenditure_ytd_amt"]), timeout=20)
    assert "城乡居民" in dash_duo.find_element("#overview-scope").text
    assert "2024年1–3月" in dash_duo.find_element("#overview-scope").text
    assert dash_duo.get_logs() == []
