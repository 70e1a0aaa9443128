"""重点药品耗材 page: its data functions return the mart's numbers, and in real headless Chromium
it renders with data, follows its filters, keeps them in the URL and downloads its tables."""

from __future__ import annotations

import csv
import datetime as dt
import time
from pathlib import Path

import dash
import pytest

from dashboard import formatting as fmt
from tests.browser import graph_data, graph_title, mart, start_as, wait_for

PAGE_URL = "/key-items"
SCREENSHOTS = Path(__file__).resolve().parents[1] / "test-output" / "screenshots"


@pytest.fixture
def warehouse(demo_warehouse, monkeypatch) -> Path:
    monkeypatch.setenv("YIBAO_WAREHOUSE", str(demo_warehouse))
    return demo_warehouse



def latest_month(warehouse: Path) -> dt.date:
    return mart(warehouse, "select max(setl_month) from marts.fct_key_item_month")[0][0]





# ---------------------------------------------------------------- data functions, no browser

def test_ranked_items_are_the_marts_rows_for_the_month_class_and_scope(warehouse):
    from dashboard.data import items

    month = latest_month(warehouse)
    expected = mart(warehouse, """
        select hilist_code, spend, quantity, avg_unit_price, n_patients, n_institutions, is_anomaly
        from marts.fct_key_item_month
        where setl_month = ? and item_class = 'drug' and is_key_item
        order by spend desc, hilist_code""", [month])
    ranked = items.ranked_items(month, "drug", "key_item")
    assert len(expected) > 0
    assert list(ranked["hilist_code"]) == [r[0] for r in expected]
    assert list(ranked["rank"]) == list(range(1, len(expected) + 1))
    assert ranked["spend"].tolist() == pytest.approx([float(r[1]) for r in expected])
    assert ranked["n_patients"].tolist() == [r[4] for r in expected]
    assert ranked["scope_spend"].iloc[0] == pytest.approx(sum(float(r[1]) for r in expected))
    assert ranked["scope_anomalies"].iloc[0] == sum(r[6] for r in expected)


def test_scope_by_key_group_keeps_only_that_groups_items(warehouse):
    from dashboard.data import items

    month = latest_month(warehouse)
    ranked = items.ranked_items(month, "all", "orthopaedic_implant")
    assert not ranked.empty
    assert set(ranked["key_group"]) == {"orthopaedic_implant"}
    assert set(ranked["key_group_zh"]) == {"骨科高值耗材"}
    top = items.ranked_items(month, "consumable", "top_spend")
    assert top["is_top_spend_item"].all() and set(top["item_class"]) == {"consumable"}


def test_anomalies_are_the_flagged_item_months_of_the_window(warehouse):
    from dashboard.data import items

    month = latest_month(warehouse)
    expected = mart(warehouse, """
        select hilist_code, setl_month, anomaly_reason from marts.fct_key_item_month
        where is_anomaly and setl_month > ? - interval 12 month and setl_month <= ?""", [month, month])
    flagged = items.anomalies(month, 12)
    assert len(expected) > 0, "the demo data should carry flagged months"
    assert sorted(zip(flagged["hilist_code"], flagged["setl_month"].dt.date)) == \
        sorted((r[0], r[1]) for r in expected)
    assert flagged["anomaly_reason"].str.len().gt(0).all()
    assert flagged["setl_month"].is_monotonic_decreasing


def test_item_trend_runs_from_first_use_to_the_end_with_catalogue_attributes(warehouse):
    from dashboard.data import items

    code, n_months = mart(warehouse, """
        select hilist_code, count(*) from marts.fct_key_item_month
        group by hilist_code order by sum(spend) desc limit 1""")[0]
    trend = items.item_trend(code)
    assert len(trend) == n_months
    assert trend["setl_month"].is_monotonic_increasing
    assert trend["item_class_zh"].iloc[0] in {"药品", "医用耗材"}


def test_top_institutions_are_the_items_largest_institutions_and_add_up(warehouse):
    from dashboard.data import items

    code, month, spend = mart(warehouse, """
        select hilist_code, setl_month, spend from marts.fct_key_item_month
        where n_institutions >= 2 order by spend desc, hilist_code limit 1""")[0]
    top = items.top_institutions(code, month, limit=50)
    assert len(top) >= 2
    assert list(top["spend"]) == sorted(top["spend"], reverse=True)
    assert sum(top["spend"]) == spend                     # every institution of the item, to the fen
    assert abs(float(top["share_of_item_spend"].sum()) - 1) < 0.001
    first = mart(warehouse, """
        select f.fixmedins_code, sum(f.det_item_fee_sumamt) from intermediate.int_fee_lines f
        join intermediate.int_settlements s using (setl_id)
        where f.hilist_code = ? and s.setl_month = ? group by 1 order by 2 desc limit 1""", [code, month])[0]
    assert (top["fixmedins_code"].iloc[0], top["spend"].iloc[0]) == first
    assert len(items.top_institutions(code, month)) <= 10


def test_missing_warehouse_gives_a_clear_message_not_a_traceback(monkeypatch, tmp_path):
    monkeypatch.setenv("YIBAO_WAREHOUSE", str(tmp_path / "nowhere.duckdb"))
    from dashboard.app import create_app

    create_app()
    layout = next(p["layout"] for p in dash.page_registry.values() if p["path"] == PAGE_URL)
    page = layout()
    assert page.id == "key-items-unavailable"
    assert "数据仓库尚未构建" in page.children


# ---------------------------------------------------------------- in Chromium

@pytest.mark.browser
def test_page_renders_the_month_follows_filters_and_downloads(dash_duo, warehouse):
    month = latest_month(warehouse)
    (n_items, spend), = mart(warehouse, """
        select count(*), sum(spend) from marts.fct_key_item_month where setl_month = ?""", [month])
    (n_consumables, consumable_spend), = mart(warehouse, """
        select count(*), sum(spend) from marts.fct_key_item_month
        where setl_month = ? and item_class = 'consumable'""", [month])

    dash_duo.driver.set_window_size(1400, 2200)
    start_as(dash_duo, "leadership")
    dash_duo.wait_for_page(url=dash_duo.server_url + PAGE_URL, timeout=20)

    # first load: the latest month with the mart's totals, a trend for the default item
    dash_duo.wait_for_text_to_equal("#key-items-kpi-spend .kpi-value", fmt.money(spend), timeout=20)
    assert dash_duo.find_element("#key-items-kpi-items .kpi-value").text == fmt.count(n_items)
    assert f"{month.year}年{month.month:02d}月" in dash_duo.find_element("#key-items-rank-title").text
    wait_for(lambda: graph_data(dash_duo, "key-items-trend"), message="trend chart")
    first_title = graph_title(dash_duo, "key-items-trend")
    assert "月度使用趋势" in first_title
    rows = dash_duo.find_elements("#key-items-rank tr td.dash-cell.column-1")
    assert len(rows) == min(n_items, 15)

    # filter: consumables only — KPI, table and chart follow, and the URL carries the filter
    dash_duo.find_element("#key-items-class input[value='consumable']").click()
    dash_duo.wait_for_text_to_equal("#key-items-kpi-spend .kpi-value", fmt.money(consumable_spend), timeout=15)
    assert dash_duo.find_element("#key-items-kpi-items .kpi-value").text == fmt.count(n_consumables)
    wait_for(lambda: "item_class=consumable" in dash_duo.driver.current_url, message="URL filter")
    classes = {c.text for c in dash_duo.find_elements("#key-items-rank td.dash-cell.column-2")}
    assert classes == {"医用耗材"}
    item_code = wait_for(lambda: dash_duo.driver.execute_script(
        "return new URLSearchParams(window.location.search).get('item');"), message="item in URL")
    item_class, = mart(warehouse, "select item_class from marts.dim_items where hilist_code = ?", [item_code])[0]
    assert item_class == "consumable"
    # the chart shows the top consumable now; the title only stays if that was already the default item
    (top_class,), = mart(warehouse, """
        select item_class from marts.fct_key_item_month where setl_month = ? order by spend desc limit 1""", [month])
    wait_for(lambda: graph_title(dash_duo, "key-items-trend") != first_title
             or top_class == "consumable", message="chart follows the filter")

    # download: the ranking as CSV, every row of the filtered table
    dash_duo.find_element("#key-items-rank button:nth-child(1)").click()
    target = Path(dash_duo.download_path) / "key-items-rank.csv"
    wait_for(target.exists, message="CSV download")
    with target.open(encoding="utf-8-sig") as handle:
        lines = list(csv.DictReader(handle))
    assert len(lines) == n_consumables
    assert {line["类别"] for line in lines} == {"医用耗材"}
    assert "使用金额（万元）" in lines[0]

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    dash_duo.driver.execute_script("window.scrollTo(0, 0);")
    time.sleep(0.5)
    dash_duo.driver.save_screenshot(str(SCREENSHOTS / "key_items.png"))
    assert dash_duo.get_logs() == []


@pytest.mark.browser
def test_shared_url_opens_the_item_with_abnormal_months_in_red(dash_duo, warehouse):
    code, name, month = mart(warehouse, """
        select hilist_code, hilist_name, max(setl_month) from marts.fct_key_item_month
        where is_anomaly group by all order by count(*) desc, hilist_code limit 1""")[0]
    flagged = mart(warehouse, """
        select setl_month, anomaly_reason from marts.fct_key_item_month
        where hilist_code = ? and is_anomaly order by setl_month""", [code])

    start_as(dash_duo, "leadership")
    dash_duo.wait_for_page(url=f"{dash_duo.server_url}{PAGE_URL}?month={month:%Y-%m}&item={code}", timeout=20)
    dash_duo.wait_for_contains_text("#key-items-item-card", name, timeout=20)
    data = wait_for(lambda: graph_data(dash_duo, "key-items-trend"), message="trend chart")
    red = [trace for trace in data if trace["name"] == "异常月份"]
    assert len(red) == 3  # spend, quantity and unit price panels
    assert [x[:10] for x in red[0]["x"]] == [f"{m:%Y-%m-%d}" for m, _ in flagged]
    assert [c[7] for c in red[0]["customdata"]] == [reason for _, reason in flagged]
    assert red[0]["marker"]["color"] == "#d62728"
    assert "异常" in red[0]["hovertemplate"]
    assert f"异常月份 {len(flagged)} 个" in graph_title(dash_duo, "key-items-trend")

    # the item's largest institution heads its top-institutions table
    [(top_name,)] = mart(warehouse, """
        select fixmedins_name from marts.fct_key_item_institution_month
        where hilist_code = ? and setl_month = ? order by spend desc, fixmedins_code limit 1""", [code, month])
    dash_duo.wait_for_contains_text("#key-items-top-institutions", top_name, timeout=10)

    # the flagged list names the item, and a click on another ranking row switches the chart
    dash_duo.wait_for_contains_text("#key-items-anomalies", name, timeout=10)
    other = dash_duo.find_elements("#key-items-rank td.dash-cell.column-1")
    other_name = next(cell.text for cell in other if cell.text != name)
    next(cell for cell in other if cell.text == other_name).click()
    wait_for(lambda: other_name in graph_title(dash_duo, "key-items-trend"), message="row click selects item")
    assert dash_duo.get_logs() == []
