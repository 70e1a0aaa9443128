"""稽核选点 page: its data functions return the risk marts' rows, draws are recorded and re-run
from their record, and in real headless Chromium the page ranks, filters (in the URL), drills to
an institution's components, hits and claims, draws a 双随机 sample and downloads its exports."""

from __future__ import annotations

import json
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import dash
import duckdb
import pandas as pd
import pytest
from selenium.webdriver.common.action_chains import ActionChains

from dashboard import formatting as fmt
from tests.browser import component_values, graph_data, mart, page_layout, start_as, wait_for

PAGE_URL = "/targeting"
SCREENSHOTS = Path(__file__).resolve().parents[1] / "test-output" / "screenshots"


@pytest.fixture
def warehouse(demo_warehouse, monkeypatch, tmp_path) -> Path:
    monkeypatch.setenv("YIBAO_WAREHOUSE", str(demo_warehouse))
    monkeypatch.setenv("YIBAO_DATA", str(tmp_path / "data"))
    monkeypatch.delenv("YIBAO_DRAWS", raising=False)
    return demo_warehouse


def latest_period(warehouse: Path) -> str:
    return mart(warehouse, "select max(period) from marts.fct_institution_risk")[0][0]


def busiest_family(warehouse: Path, period: str) -> tuple[str, str, list[str]]:
    """The rule family with hits at the most institutions in the period (but not at all of them):
    its code, Chinese name and those institutions."""
    family, family_zh = mart(warehouse, """
        select rule_family, any_value(rule_family_zh) from marts.fct_inspection_case where period = ?
        group by rule_family
        having count(distinct fixmedins_code) < (select count(*) from marts.fct_institution_risk where period = ?)
        order by count(distinct fixmedins_code) desc, rule_family limit 1""", [period, period])[0]
    codes = [r[0] for r in mart(warehouse, """
        select distinct fixmedins_code from marts.fct_inspection_case where period = ? and rule_family = ?""",
        [period, family])]
    return family, family_zh, codes


def roster_csv(path: Path, n: int = 8) -> Path:
    pd.DataFrame({"inspector_id": [f"J{i:03d}" for i in range(n)], "name": [f"检查员{i}" for i in range(n)],
                  "unit_code": [""] * n}).to_csv(path, index=False)
    return path


# ---------------------------------------------------------------- data functions, no browser

def test_ranked_list_is_the_marts_ranking_in_rank_order(warehouse):
    from dashboard.data import targeting

    period = latest_period(warehouse)
    expected = mart(warehouse, """
        select fixmedins_code, risk_rank, risk_score, risk_level_zh, rule_hit_amt
        from marts.fct_institution_risk where period = ? order by risk_rank, fixmedins_code""", [period])
    ranked = targeting.ranked_institutions(period)
    assert len(expected) > 10
    assert list(ranked["fixmedins_code"]) == [r[0] for r in expected]
    assert list(ranked["risk_rank"]) == [r[1] for r in expected]
    assert ranked["risk_score"].tolist() == pytest.approx([r[2] for r in expected])
    assert ranked["rule_hit_amt"].sum() == pytest.approx(float(sum(r[4] for r in expected)))
    # unfiltered, the "selected" hits are all the institution's hits of the case list
    assert ranked["selected_hit_amt"].sum() == pytest.approx(float(mart(
        warehouse, "select sum(suspect_amt) from marts.fct_inspection_case where period = ?", [period])[0][0]))


def test_family_and_area_filters_keep_only_institutions_with_such_hits(warehouse):
    from dashboard.data import targeting

    period = latest_period(warehouse)
    family, _, codes = busiest_family(warehouse, period)
    ranked = targeting.ranked_institutions(period, rule_family=family)
    assert sorted(ranked["fixmedins_code"]) == sorted(codes)
    assert ranked["risk_rank"].is_monotonic_increasing
    [(amount,)] = mart(warehouse, """select sum(suspect_amt) from marts.fct_inspection_case
                                     where period = ? and rule_family = ?""", [period, family])
    assert ranked["selected_hit_amt"].sum() == pytest.approx(float(amount))

    area, n_area = mart(warehouse, """
        select key_area_zh, count(distinct fixmedins_code) from marts.fct_inspection_case
        where period = ? group by 1 order by 2 desc, 1 limit 1""", [period])[0]
    assert len(targeting.ranked_institutions(period, key_area=area)) == n_area

    hospitals = targeting.ranked_institutions(period, inst_type="hospital")
    assert set(hospitals["inst_type"]) == {"hospital"} and 0 < len(hospitals) < len(targeting.ranked_institutions(period))


def test_components_are_the_institutions_rows_largest_contribution_first(warehouse):
    from dashboard.data import targeting

    period = latest_period(warehouse)
    code = targeting.ranked_institutions(period)["fixmedins_code"].iloc[0]
    components = targeting.risk_components(code, period)
    expected = mart(warehouse, """select indicator, contribution from marts.fct_institution_risk_component
                                  where fixmedins_code = ? and period = ?""", [code, period])
    assert sorted(components["indicator"]) == sorted(r[0] for r in expected) and len(expected) > 0
    assert components["contribution"].is_monotonic_decreasing


def test_a_long_case_list_shows_its_largest_lines_and_says_how_many_there_are(warehouse, monkeypatch):
    import sys

    from dashboard.data import cases

    page_layout(PAGE_URL)
    page = sys.modules["pages.targeting"]
    period = latest_period(warehouse)
    code, total = mart(warehouse, """select fixmedins_code, count(*) from marts.fct_inspection_case where period = ?
                                     group by fixmedins_code order by 2 desc limit 1""", [period])[0]
    monkeypatch.setattr(page, "CASE_TABLE_ROWS", 5)
    header, *_, case_rows = page._drill(code, period, "all", "all")
    assert [r["rule_hit_id"] for r in case_rows] == list(cases.case_lines(code, period)["rule_hit_id"].head(5))
    assert "targeting-cases-truncated" in component_values(header)
    assert f"共 {fmt.count(total)} 条" in str(header) and "最大的 5 条" in str(header)


def test_a_draw_is_saved_append_only_and_its_record_redraws_the_same_sample(warehouse, tmp_path):
    from dashboard.data import targeting

    period = latest_period(warehouse)
    roster = pd.read_csv(roster_csv(tmp_path / "roster.csv"), dtype=str, keep_default_na=False)
    population = targeting.sampling_population(period)
    result, path = targeting.new_draw(population, period, 0.10, ["type", "level"], weighted=True, seed=2024,
                                      roster=roster)
    assert path.parent == tmp_path / "data" / "draws" and path.exists()
    record = json.loads(path.read_text(encoding="utf-8"))
    assert record["seed"] == 2024 and record["weight_column"] == targeting.RISK_WEIGHT
    assert record["strata"] == ["inst_type_zh", "level_grade_zh"]
    assert record["source"] == {"table": "marts.fct_institution_risk", "period": period}
    n_strata = population.groupby(["inst_type_zh", "level_grade_zh"]).ngroups
    assert len(result.institutions) >= n_strata and result.population_size == len(population)
    assert list(targeting.saved_draws()["draw_id"]) == [result.draw_id]

    # the record names the period it was drawn from; the fingerprint proves the list is unchanged
    again, matched = targeting.redraw_saved(targeting.load_draw(result.draw_id), roster)
    assert matched == period
    assert again.institutions.equals(result.institutions)

    listing = targeting.public_result_list(targeting.draw_from_record(record), population)
    assert list(listing.columns) == ["机构编码", "机构名称", "抽取分层", "执法检查人员"]
    assert list(listing["机构编码"]) == list(result.institutions["fixmedins_code"])
    assert listing["执法检查人员"].str.contains("检查员").all()


def test_missing_warehouse_gives_a_clear_message_not_a_traceback(monkeypatch, tmp_path):
    monkeypatch.setenv("YIBAO_WAREHOUSE", str(tmp_path / "nowhere.duckdb"))
    page = page_layout(PAGE_URL)()
    assert page.id == "targeting-unavailable"
    assert "数据仓库尚未构建" in page.children


def test_a_warehouse_without_the_risk_mart_gives_a_clear_message(monkeypatch, tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.close()
    monkeypatch.setenv("YIBAO_WAREHOUSE", str(path))
    page = page_layout(PAGE_URL)()
    assert page.id == "targeting-unavailable"
    assert "缺少所需的数据表" in page.children


def test_unknown_filters_in_the_url_fall_back_to_the_defaults(warehouse):
    from dashboard.data import targeting

    page = page_layout(PAGE_URL)(period="1999", type="spaceport", family="no_such_rule", inst="NO-SUCH")
    values = component_values(page)
    period = latest_period(warehouse)
    assert values["targeting-period"] == period
    assert values["targeting-type"] == values["targeting-family"] == values["targeting-area"] == "all"
    assert values["targeting-inst"] == targeting.ranked_institutions(period)["fixmedins_code"].iloc[0]


def test_a_bad_roster_or_share_is_a_clear_message_and_nothing_is_saved(warehouse, tmp_path):
    import base64
    import sys

    page_layout(PAGE_URL)
    page = sys.modules["pages.targeting"]
    period = latest_period(warehouse)
    no_names = "data:text/csv;base64," + base64.b64encode("inspector_id\nJ001\n".encode()).decode()
    message, *rest = page._draw(1, period, 10, ["type"], [], 7, 2, no_names)
    assert "抽取未完成" in str(message) and "name" in str(message)
    assert all(r is dash.no_update for r in rest)
    message, *_ = page._draw(1, period, 0, ["type"], [], 7, 2, None)
    assert "抽取比例须在 1%–100% 之间" in str(message)
    assert not (tmp_path / "data" / "draws").exists()


# ---------------------------------------------------------------- the page in Chromium

def _column(dash_duo, table: str, column: str) -> list[str]:
    return dash_duo.driver.execute_script(
        f"return Array.from(document.querySelectorAll('#{table} td[data-dash-column=\"{column}\"]'))"
        ".map(td => td.innerText.trim());")


def _query(dash_duo) -> dict:
    return {k: v[0] for k, v in parse_qs(urlparse(dash_duo.driver.current_url).query).items()}


@pytest.mark.browser
def test_page_loads_the_ranking_with_the_top_institutions_components(dash_duo, warehouse):
    from dashboard.data import targeting

    period = latest_period(warehouse)
    ranked = targeting.ranked_institutions(period)
    top = ranked.iloc[0]
    components = targeting.risk_components(top["fixmedins_code"], period)

    dash_duo.driver.set_window_size(1400, 2600)
    start_as(dash_duo, "inspector")
    dash_duo.wait_for_page(f"{dash_duo.server_url}{PAGE_URL}", timeout=20)
    dash_duo.wait_for_text_to_equal("#targeting-inst-name", top["fixmedins_name"], timeout=20)
    wait_for(lambda: _column(dash_duo, "targeting-rank-table", "fixmedins_code"), message="ranked table")
    assert _column(dash_duo, "targeting-rank-table", "fixmedins_code")[:15] == list(ranked["fixmedins_code"][:15])
    assert _column(dash_duo, "targeting-rank-table", "risk_level_zh")[0] == top["risk_level_zh"]
    assert fmt.count(len(ranked)) in dash_duo.find_element("#targeting-kpi-count").text

    bars = wait_for(lambda: graph_data(dash_duo, "targeting-rank-chart"), message="ranking chart")
    assert sum(len(t["y"]) for t in bars) == min(20, len(ranked))
    parts = wait_for(lambda: graph_data(dash_duo, "targeting-components"), message="components chart")
    assert sorted(parts[0]["y"]) == sorted(components["indicator_zh"])
    assert parts[0]["x"] == pytest.approx(list(components["contribution"][::-1]))
    hits = wait_for(lambda: graph_data(dash_duo, "targeting-hits-chart"), message="hits chart")
    assert sum(sum(t["x"]) for t in hits) == pytest.approx(float(top["selected_hit_amt"]), rel=1e-6)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    dash_duo.driver.set_window_size(1400, 4400)
    time.sleep(0.8)
    dash_duo.driver.save_screenshot(str(SCREENSHOTS / "targeting.png"))
    assert dash_duo.get_logs() == []


@pytest.mark.browser
def test_period_and_rule_family_filters_change_the_table_and_the_url(dash_duo, warehouse):
    from dashboard.data import targeting

    periods = targeting.risk_periods()
    assert len(periods) >= 2
    earlier = periods[1]
    family, family_zh, codes = busiest_family(warehouse, earlier)

    start_as(dash_duo, "inspector")
    dash_duo.wait_for_page(f"{dash_duo.server_url}{PAGE_URL}", timeout=20)
    wait_for(lambda: _column(dash_duo, "targeting-rank-table", "fixmedins_code"), message="ranked table")
    before = _column(dash_duo, "targeting-rank-table", "risk_score")

    dash_duo.select_dcc_dropdown("#targeting-period", value=f"{earlier} 年")
    expected = targeting.ranked_institutions(earlier)
    wait_for(lambda: _column(dash_duo, "targeting-rank-table", "fixmedins_code")[:15]
             == list(expected["fixmedins_code"][:15]), message="the earlier period's ranking")
    assert _column(dash_duo, "targeting-rank-table", "risk_score") != before
    wait_for(lambda: _query(dash_duo).get("period") == earlier, message="period in the URL")

    filtered = list(targeting.ranked_institutions(earlier, rule_family=family)["fixmedins_code"])
    assert sorted(filtered) == sorted(codes)
    dash_duo.select_dcc_dropdown("#targeting-family", value=family_zh)
    wait_for(lambda: _column(dash_duo, "targeting-rank-table", "fixmedins_code") == filtered[:15],
             message="family filter")
    wait_for(lambda: _query(dash_duo).get("family") == family, message="family in the URL")
    assert _query(dash_duo)["period"] == earlier
    assert fmt.count(len(codes)) in dash_duo.find_element("#targeting-kpi-count").text

    # the shared URL opens the same view
    url = dash_duo.driver.current_url
    dash_duo.wait_for_page(url, timeout=20)
    wait_for(lambda: _column(dash_duo, "targeting-rank-table", "fixmedins_code") == filtered[:15],
             message="family filter from the URL")
    assert dash_duo.get_logs() == []


@pytest.mark.browser
def test_clicking_a_row_shows_its_components_hits_and_claims_and_exports_the_case_list(dash_duo, warehouse):
    from dashboard.data import cases, targeting

    period = latest_period(warehouse)
    ranked = targeting.ranked_institutions(period)
    second = ranked[ranked["rule_hit_count"] > 0].iloc[1]
    components = targeting.risk_components(second["fixmedins_code"], period)
    lines = cases.case_lines(second["fixmedins_code"], period)

    dash_duo.driver.set_window_size(1400, 2600)
    start_as(dash_duo, "inspector")
    dash_duo.wait_for_page(f"{dash_duo.server_url}{PAGE_URL}", timeout=20)
    wait_for(lambda: _column(dash_duo, "targeting-rank-table", "fixmedins_code"), message="ranked table")
    cells = dash_duo.find_elements("#targeting-rank-table td[data-dash-column='fixmedins_name']")
    next(c for c in cells if c.text == second["fixmedins_name"]).click()
    dash_duo.wait_for_text_to_equal("#targeting-inst-name", second["fixmedins_name"], timeout=20)
    wait_for(lambda: _query(dash_duo).get("inst") == second["fixmedins_code"], message="institution in the URL")
    wait_for(lambda: sorted((graph_data(dash_duo, "targeting-components") or [{"y": []}])[0]["y"])
             == sorted(components["indicator_zh"]), message="the institution's components")

    # hits by family and key area, and the claims behind them
    wait_for(lambda: len(_column(dash_duo, "targeting-cases-table", "setl_id")) == min(len(lines), 15),
             message="case lines")
    assert set(_column(dash_duo, "targeting-cases-table", "setl_id")) <= set(lines["setl_id"].astype(str))
    hits = graph_data(dash_duo, "targeting-hits-chart")
    assert sum(sum(t["x"]) for t in hits) == pytest.approx(float(lines["suspect_amt"].sum()), rel=1e-6)

    # the picker drills too
    def label(row) -> str:
        return f"{row['risk_rank']}. {row['fixmedins_name']}（{row['fixmedins_code']}）· {row['risk_level_zh']}风险"

    top = ranked.iloc[0]
    dash_duo.select_dcc_dropdown("#targeting-inst", value=label(top))
    dash_duo.wait_for_text_to_equal("#targeting-inst-name", top["fixmedins_name"], timeout=20)
    wait_for(lambda: _query(dash_duo).get("inst") == top["fixmedins_code"], message="picked institution in the URL")
    dash_duo.select_dcc_dropdown("#targeting-inst", value=label(second))
    dash_duo.wait_for_text_to_equal("#targeting-inst-name", second["fixmedins_name"], timeout=20)
    # and so does a click on a bar of the ranking chart (the top bar: the riskiest)
    dash_duo.driver.execute_script("document.querySelector('#targeting-rank-chart').scrollIntoView();")
    bars = dash_duo.find_elements("#targeting-rank-chart .point path")
    top_bar = min(bars, key=lambda bar: bar.location["y"])
    ActionChains(dash_duo.driver).move_to_element(top_bar).click().perform()
    dash_duo.wait_for_text_to_equal("#targeting-inst-name", top["fixmedins_name"], timeout=20)
    dash_duo.select_dcc_dropdown("#targeting-inst", value=label(second))
    dash_duo.wait_for_text_to_equal("#targeting-inst-name", second["fixmedins_name"], timeout=20)

    dash_duo.find_element("#targeting-cases-export").click()
    target = wait_for(lambda: next(Path(dash_duo.download_path).glob("*.xlsx"), None), message="case XLSX")
    wait_for(lambda: target.stat().st_size > 0, message="case XLSX written")
    time.sleep(0.5)
    sheets = pd.read_excel(target, sheet_name=None)
    assert "案件线索" in sheets and len(sheets["案件线索"]) == len(lines)
    assert dash_duo.get_logs() == []


@pytest.mark.browser
def test_sampling_draws_records_and_the_same_seed_draws_the_same_institutions(dash_duo, warehouse, tmp_path):
    roster = roster_csv(tmp_path / "roster.csv")

    dash_duo.driver.set_window_size(1400, 2600)
    start_as(dash_duo, "inspector")
    dash_duo.wait_for_page(f"{dash_duo.server_url}{PAGE_URL}", timeout=20)
    dash_duo.wait_for_element("#targeting-draw", timeout=20)
    dash_duo.wait_for_element("#targeting-roster input[type=file]", timeout=20).send_keys(str(roster))
    dash_duo.wait_for_contains_text("#targeting-roster-name", "roster.csv", timeout=10)
    seed = dash_duo.find_element("#targeting-seed")
    seed.send_keys("20240601")

    def draw() -> tuple[str, list[str], list[str]]:
        old = (dash_duo.driver.execute_script(
            "return document.querySelector('#targeting-record-id')?.innerText") or "")
        dash_duo.find_element("#targeting-draw").click()
        draw_id = wait_for(lambda: (dash_duo.driver.execute_script(
            "return document.querySelector('#targeting-record-id')?.innerText") or "") not in ("", old)
            and dash_duo.find_element("#targeting-record-id").text, message="draw record")
        codes = wait_for(lambda: _column(dash_duo, "targeting-draw-table", "fixmedins_code"), message="drawn list")
        return draw_id, codes, _column(dash_duo, "targeting-draw-table", "inspectors")

    first_id, first, teams = draw()
    assert dash_duo.find_element("#targeting-record-seed").text == "20240601"
    assert len(dash_duo.find_element("#targeting-record-fingerprint").text) == 64
    assert all("检查员" in team for team in teams)
    record = json.loads((tmp_path / "data" / "draws" / f"{first_id}.json").read_text(encoding="utf-8"))
    assert [r["fixmedins_code"] for r in record["institutions"]][:15] == first

    time.sleep(1.1)  # a draw id carries the time to the second
    second_id, again, again_teams = draw()
    assert second_id != first_id and again == first and again_teams == teams
    assert len(list((tmp_path / "data" / "draws").glob("*.json"))) == 2

    # re-run the first draw from its record
    dash_duo.select_dcc_dropdown("#targeting-redraw-select", value=first_id)
    dash_duo.find_element("#targeting-redraw").click()
    dash_duo.wait_for_contains_text("#targeting-redraw-result", "复核一致", timeout=20)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    dash_duo.driver.execute_script("document.querySelector('#targeting-draw').scrollIntoView();")
    time.sleep(0.5)
    dash_duo.driver.save_screenshot(str(SCREENSHOTS / "targeting_sampling.png"))

    # the public result list (一公开) of the shown draw
    dash_duo.find_element("#targeting-public-button").click()
    target = Path(dash_duo.download_path) / f"{second_id}-公示名单.xlsx"
    wait_for(lambda: target.exists() and target.stat().st_size > 0, message="public list")
    time.sleep(0.3)
    listing = pd.read_excel(target, dtype=str)
    assert list(listing.columns) == ["机构编码", "机构名称", "抽取分层", "执法检查人员"]
    assert list(listing["机构编码"])[:15] == first and len(listing) == len(record["institutions"])
    assert dash_duo.get_logs() == []
