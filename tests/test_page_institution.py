"""机构画像 page: data functions against fct_institution_month, and the page in real headless Chromium."""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pandas as pd
import pytest

from dashboard import formatting as fmt
from tests.browser import component_values, mart, page_layout, start_as, wait_for

SCREENSHOTS = Path(__file__).resolve().parents[1] / "test-output" / "screenshots"


@pytest.fixture
def warehouse(demo_warehouse, monkeypatch) -> Path:
    monkeypatch.setenv("YIBAO_WAREHOUSE", str(demo_warehouse))
    return demo_warehouse


def _largest_hospital(warehouse: Path) -> str:
    return mart(warehouse, """
        SELECT fixmedins_code FROM marts.fct_institution_month
        WHERE scheme = 'all' AND visit_group = 'all' AND inst_type = 'hospital'
          AND setl_month > (SELECT max(setl_month) FROM marts.fct_institution_month) - INTERVAL 12 MONTH
        GROUP BY 1 ORDER BY sum(fund_pay_sumamt) DESC LIMIT 1""")[0][0]


# ---------------------------------------------------------------- data functions, no browser

def test_default_institution_is_the_largest_hospital_by_fund_pay(warehouse):
    from dashboard.data import institutions

    options = institutions.institution_options()
    assert institutions.default_institution(options) == _largest_hospital(warehouse)
    n_institutions = mart(warehouse, "SELECT count(DISTINCT fixmedins_code) FROM marts.fct_institution_month")[0][0]
    assert len(options) == n_institutions
    assert options["fund_pay_window"].is_monotonic_decreasing


def test_summary_is_the_ratio_of_the_marts_sums_over_the_last_12_months(warehouse):
    from dashboard.data import institutions

    code = _largest_hospital(warehouse)
    summary = institutions.institution_summary(code, "employee", "inpatient").iloc[0]
    (visits, medfee, peer_medfee, peer_visits, los, discharges, drug, fund_pay, first, last, n), = mart(warehouse, """
        SELECT sum(visits), sum(medfee_sumamt), sum(peer_medfee_sumamt), sum(peer_visits),
               sum(los_days_sum), sum(discharges), sum(drug_amt), sum(fund_pay_sumamt),
               min(setl_month), max(setl_month), count(*)
        FROM marts.fct_institution_month
        WHERE fixmedins_code = ? AND scheme = 'employee' AND visit_group = 'inpatient'
          AND setl_month > (SELECT max(setl_month) FROM marts.fct_institution_month) - INTERVAL 12 MONTH""",
        [code])
    assert n == summary["months_with_data"] == 12
    assert summary["window_start"].date() == first and summary["window_end"].date() == last
    assert summary["visits"] == visits
    assert summary["avg_medfee_per_visit"] == pytest.approx(float(medfee) / visits)
    assert summary["peer_avg_medfee_per_visit"] == pytest.approx(float(peer_medfee) / peer_visits)
    assert summary["avg_los_days"] == pytest.approx(los / discharges)
    assert summary["drug_ratio"] == pytest.approx(float(drug) / float(medfee))
    assert summary["reimbursement_ratio"] == pytest.approx(float(fund_pay) / float(medfee))
    assert summary["visits_share_of_peer"] == pytest.approx(visits / peer_visits)
    assert summary["avg_medfee_per_visit_vs_peer"] == pytest.approx(
        (float(medfee) / visits) / (float(peer_medfee) / peer_visits))


def test_monthly_rows_are_the_marts_rows_with_peer_values(warehouse):
    from dashboard.data import institutions

    code = _largest_hospital(warehouse)
    monthly = institutions.institution_monthly(code, "all", "outpatient")
    expected = mart(warehouse, """
        SELECT setl_month, visits, avg_medfee_per_visit, peer_avg_medfee_per_visit, drug_ratio, peer_drug_ratio
        FROM marts.fct_institution_month
        WHERE fixmedins_code = ? AND scheme = 'all' AND visit_group = 'outpatient' ORDER BY setl_month""", [code])
    assert len(monthly) == len(expected) == 24
    assert [d.date() for d in monthly["setl_month"]] == [row[0] for row in expected]
    assert list(monthly["visits"]) == [row[1] for row in expected]
    assert list(monthly["peer_avg_medfee_per_visit"]) == pytest.approx([float(row[3]) for row in expected])
    assert list(monthly["peer_drug_ratio"]) == pytest.approx([float(row[5]) for row in expected])
    # an outpatient cell has no discharges, so no length of stay
    assert institutions.institution_monthly(code, "all", "outpatient")["avg_los_days"].isna().all()


def test_unknown_scheme_or_visit_group_is_refused(warehouse):
    from dashboard.data import institutions

    with pytest.raises(ValueError):
        institutions.institution_summary("X", "retired", "all")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        institutions.institution_monthly("X", "all", "dental")  # type: ignore[arg-type]


def test_missing_warehouse_gives_a_clear_message_not_a_traceback(monkeypatch, tmp_path):
    monkeypatch.setenv("YIBAO_WAREHOUSE", str(tmp_path / "nowhere.duckdb"))
    page = page_layout("/institution")()
    assert page.id == "institution-unavailable"
    assert "数据仓库尚未构建" in page.children


def test_unknown_filters_in_the_url_fall_back_to_the_defaults(warehouse):
    page = page_layout("/institution")(inst="NO-SUCH", scheme="retired", visit="dental")
    values = component_values(page)
    assert values["institution-inst"] == _largest_hospital(warehouse)
    assert values["institution-scheme"] == "all" and values["institution-visit"] == "all"


# ---------------------------------------------------------------- the page in Chromium

def _graph(dash_duo, graph_id: str, expression: str):
    return dash_duo.driver.execute_script(
        f"const g = document.querySelector('#{graph_id} .js-plotly-plot'); return g ? {expression} : null;")


@pytest.mark.browser
def test_page_loads_with_the_largest_hospital_and_its_peer_values(dash_duo, warehouse):
    from dashboard.data import institutions

    code = _largest_hospital(warehouse)
    summary = institutions.institution_summary(code).iloc[0]
    name = mart(warehouse, "SELECT fixmedins_name FROM marts.dim_institutions WHERE fixmedins_code = ?", [code])[0][0]

    start_as(dash_duo, "leadership")
    dash_duo.wait_for_page(f"{dash_duo.server_url}/institution")
    dash_duo.wait_for_text_to_equal("#institution-name", name, timeout=20)
    dash_duo.wait_for_contains_text("#institution-kpi-medfee", fmt.money(summary["avg_medfee_per_visit"]))
    kpi_text = dash_duo.find_element("#institution-kpi-drug").text
    assert fmt.percent(summary["drug_ratio"]) in kpi_text
    assert fmt.percent(summary["peer_drug_ratio"]) in kpi_text
    assert fmt.count(summary["visits"]) in dash_duo.find_element("#institution-kpi-visits").text
    # two lines per chart, the institution's and its peer group's, 24 months each
    wait_for(lambda: _graph(dash_duo, "institution-chart-drug", "g.data.length") == 2)
    assert _graph(dash_duo, "institution-chart-drug", "g._fullData[1].y.length") == 24
    assert "同类机构" in _graph(dash_duo, "institution-chart-drug", "g.data[1].name")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    dash_duo.driver.set_window_size(1400, 2200)
    time.sleep(0.5)
    dash_duo.driver.save_screenshot(str(SCREENSHOTS / "institution.png"))
    assert dash_duo.get_logs() == []


@pytest.mark.browser
def test_visit_group_change_updates_charts_and_url(dash_duo, warehouse):
    from dashboard.data import institutions

    code = _largest_hospital(warehouse)
    inpatient = institutions.institution_monthly(code, "all", "inpatient")

    start_as(dash_duo, "leadership")
    dash_duo.wait_for_page(f"{dash_duo.server_url}/institution")
    dash_duo.wait_for_element("#institution-kpi-medfee", timeout=20)
    wait_for(lambda: _graph(dash_duo, "institution-chart-medfee", "g.layout.title.text"))
    before = _graph(dash_duo, "institution-chart-medfee", "Array.from(g._fullData[0].y)")
    assert _graph(dash_duo, "institution-chart-medfee", "g.layout.title.text").startswith("次均费用")

    dash_duo.driver.find_element(
        "xpath", "//*[@id='institution-visit']//label[normalize-space()='住院']").click()
    wait_for(lambda: (_graph(dash_duo, "institution-chart-medfee", "g.layout.title.text") or "")
              .startswith("次均住院费用"))
    after = _graph(dash_duo, "institution-chart-medfee", "Array.from(g._fullData[0].y)")
    assert after != before
    assert after == pytest.approx(list(inpatient["avg_medfee_per_visit"]), rel=1e-6)

    query = wait_for(lambda: parse_qs(urlparse(dash_duo.driver.current_url).query).get("visit") and
                      parse_qs(urlparse(dash_duo.driver.current_url).query))
    assert query == {"inst": [code], "scheme": ["all"], "visit": ["inpatient"]}
    assert dash_duo.get_logs() == []


@pytest.mark.browser
def test_url_filters_open_the_page_and_excel_download_has_every_month(dash_duo, warehouse):
    from dashboard.data import institutions

    options = institutions.institution_options()
    other = options[options["fixmedins_code"] != _largest_hospital(warehouse)].iloc[0]
    monthly = institutions.institution_monthly(other["fixmedins_code"], "resident", "all")

    start_as(dash_duo, "leadership")
    dash_duo.wait_for_page(
        f"{dash_duo.server_url}/institution?inst={other['fixmedins_code']}&scheme=resident&visit=all")
    dash_duo.wait_for_text_to_equal("#institution-name", other["fixmedins_name"], timeout=20)
    dash_duo.wait_for_contains_text("#institution-period", "居民医保")

    wait_for(lambda: dash_duo.driver.execute_script(
        "return document.querySelectorAll('#institution-table td[data-dash-column=\"month\"]').length") > 0)
    dash_duo.driver.find_element("xpath", "//*[@id='institution-table']//button[normalize-space()='下载 Excel']").click()
    target = Path(dash_duo.download_path) / "institution-table.xlsx"
    wait_for(lambda: target.exists() and target.stat().st_size > 0)
    time.sleep(0.3)
    sheet = pd.read_excel(target)
    assert len(sheet) == len(monthly) > 0
    assert {"月份", "人次", "次均费用（元）", "同类次均费用（元）", "药占比"} <= set(sheet.columns)
    assert sorted(sheet["人次"]) == sorted(monthly["visits"])
    assert dash_duo.get_logs() == []
