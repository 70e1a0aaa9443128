"""The placeholder dashboard in real headless Chromium: it serves the built warehouse."""

from __future__ import annotations

import dash
import pytest

from dashboard.data.status import model_row_counts
from dashboard.app import create_app
from tests.browser import start_as


def _page_layout(path: str):
    create_app()
    return next(p["layout"] for p in dash.page_registry.values() if p["path"] == path)


def test_missing_warehouse_gives_a_clear_message_not_a_traceback(monkeypatch, tmp_path):
    monkeypatch.setenv("YIBAO_WAREHOUSE", str(tmp_path / "nowhere.duckdb"))
    page = _page_layout("/status")()
    assert page.id == "warehouse-status-message"
    assert "数据仓库尚未构建" in page.children


def test_the_dashboards_connections_reach_no_file_but_the_warehouse(demo_warehouse, monkeypatch, tmp_path):
    import duckdb

    from dashboard.data import db

    monkeypatch.setenv("YIBAO_WAREHOUSE", str(demo_warehouse))
    outside = tmp_path / "outside.csv"
    outside.write_text("secret\n1\n", encoding="utf-8")
    assert len(db.query("select * from marts.dim_institutions")) > 0
    for sql in (f"select * from read_csv('{outside}')", f"copy (select 1) to '{tmp_path / 'out.csv'}'",
                f"attach '{tmp_path / 'other.duckdb'}' as other", "set enable_external_access = true"):
        with pytest.raises(duckdb.Error):
            db.query(sql)
    assert not (tmp_path / "out.csv").exists() and not (tmp_path / "other.duckdb").exists()


@pytest.mark.browser
def test_status_page_lists_built_models_in_chromium(dash_duo, demo_warehouse, monkeypatch):
    monkeypatch.setenv("YIBAO_WAREHOUSE", str(demo_warehouse))
    expected = model_row_counts()
    assert {"stg_setl_d", "int_visits"} <= set(expected["model"])
    start_as(dash_duo, "leadership")
    dash_duo.wait_for_page(f"{dash_duo.server_url}/status")
    dash_duo.wait_for_element("#warehouse-status-table", timeout=20)
    dash_duo.wait_for_contains_text("#warehouse-status-table", "stg_setl_d", timeout=10)
    assert "数据仓库状态" in dash_duo.find_element("h2").text
    assert dash_duo.get_logs() == []


@pytest.mark.browser
def test_home_opens_the_fund_overview_and_the_nav_lists_every_page(dash_duo, demo_warehouse, monkeypatch):
    monkeypatch.setenv("YIBAO_WAREHOUSE", str(demo_warehouse))
    start_as(dash_duo, "leadership")
    dash_duo.wait_for_contains_text("h1", "医保基金数据集市", timeout=20)
    dash_duo.wait_for_element("#overview-trend", timeout=20)
    nav = dash_duo.find_element("nav").text
    assert [n for n in ("基金运行总览", "预算执行监测", "机构画像", "重点药品耗材", "稽核选点", "数据仓库状态") if n in nav] == \
        ["基金运行总览", "预算执行监测", "机构画像", "重点药品耗材", "稽核选点", "数据仓库状态"]
    assert nav.index("基金运行总览") < nav.index("预算执行监测") < nav.index("机构画像") < nav.index("重点药品耗材") \
        < nav.index("稽核选点") < nav.index("数据仓库状态")
    assert dash_duo.get_logs() == []
