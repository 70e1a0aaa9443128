"""信息披露 page: its preview is byte for byte the HTML the disclosure export writes (compared after
removing the one 生成时间 line, the only text that depends on when a page is rendered), its
filters live in the URL, and in real headless Chromium it previews the index and institution
pages, follows the preview's links, and 生成公开文件 writes the export and downloads it as a ZIP."""

from __future__ import annotations

import io
import re
import sys
import time
import zipfile
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import dash
import openpyxl
import pytest
from selenium.webdriver.common.by import By

from tests.browser import component_values, mart, page_layout, start_as, wait_for

PAGE_URL = "/disclosure"
SCREENSHOTS = Path(__file__).resolve().parents[1] / "test-output" / "screenshots"
GENERATED_AT = re.compile(r"<dt>生成时间</dt><dd>[^<]*</dd>")


@pytest.fixture
def warehouse(demo_warehouse, monkeypatch, tmp_path) -> Path:
    monkeypatch.setenv("YIBAO_WAREHOUSE", str(demo_warehouse))
    monkeypatch.setenv("YIBAO_DATA", str(tmp_path / "data"))
    return demo_warehouse


def page_module():
    page_layout(PAGE_URL)
    return sys.modules["pages.disclosure"]


def years(warehouse: Path) -> list[str]:
    """The finalised years, newest first."""
    return [r[0] for r in mart(warehouse, """select period_code from marts.dim_disclosure_periods
                                             where period_type = 'year' order by period_start desc""")]


def timeless(page: str) -> str:
    """The page without its 生成时间 line (exactly one on every page)."""
    assert len(GENERATED_AT.findall(page)) == 1
    return GENERATED_AT.sub("", page)


def published(period: str, scope: str, out: Path):
    """The Publication and the site folder the export writes for it (HTML only: the site's
    files are what the preview shows)."""
    from dashboard.exports.disclosure import write_publication
    from dashboard.exports.disclosure.publication import build_publication

    pub = build_publication(period, scope)
    return pub, write_publication(pub, ["html"], out)["html"].parent


def srcdoc(dash_duo) -> str:
    return dash_duo.driver.execute_script(
        "return document.getElementById('disclosure-preview')?.getAttribute('srcdoc') || '';")


def query(dash_duo) -> dict:
    return {k: v[0] for k, v in parse_qs(urlparse(dash_duo.driver.current_url).query).items()}


def wait_for_preview(dash_duo, expected: str, message: str) -> None:
    wait_for(lambda: srcdoc(dash_duo) and timeless(srcdoc(dash_duo)) == timeless(expected), timeout=30,
             message=message)


# ---------------------------------------------------------------- layout and helpers, no browser

def test_first_view_is_the_latest_year_with_the_index_page_the_export_writes(warehouse, tmp_path):
    latest = years(warehouse)[0]
    page = page_layout(PAGE_URL)()
    values = component_values(page)
    assert values["disclosure-period"] == latest
    assert values["disclosure-scope"] == "all" and values["disclosure-page"] == "index"
    preview = next(c for c in _walk(page) if getattr(c, "id", None) == "disclosure-preview")
    _, site = published(latest, "all", tmp_path / "ref")
    assert timeless(preview.srcDoc) == timeless((site / "index.html").read_text(encoding="utf-8"))


def test_a_shared_url_opens_its_period_scope_and_institution_page(warehouse, tmp_path):
    from dashboard.exports.disclosure.html import institution_html

    earlier = years(warehouse)[-1]
    pub, site = published(earlier, "institutions", tmp_path / "ref")
    target = pub.institution_pages[-1]
    page = page_layout(PAGE_URL)(period=earlier, scope="institutions", page=target.code)
    values = component_values(page)
    assert (values["disclosure-period"], values["disclosure-scope"], values["disclosure-page"]) == (
        earlier, "institutions", target.code)
    preview = next(c for c in _walk(page) if getattr(c, "id", None) == "disclosure-preview")
    assert target.name in preview.srcDoc
    assert timeless(preview.srcDoc) == timeless(institution_html(pub, target))
    assert timeless(preview.srcDoc) == timeless((site / "institutions" / target.filename).read_text(encoding="utf-8"))


def test_unknown_url_values_fall_back_to_the_defaults(warehouse):
    values = component_values(page_layout(PAGE_URL)(period="1999", scope="galaxy", page="NO-SUCH"))
    assert values["disclosure-period"] == years(warehouse)[0]
    assert values["disclosure-scope"] == "all" and values["disclosure-page"] == "index"


def test_fund_scope_has_no_institution_pages_to_pick(warehouse):
    page = page_module()
    srcdoc_, options, chosen, picker_style, _ = page._view(years(warehouse)[0], "fund", "H-ANY")
    assert chosen == "index" and [o["value"] for o in options] == ["index"]
    assert picker_style == {"display": "none"}
    assert "医疗保障基金收支情况" in srcdoc_ and "定点医药机构医疗服务情况" not in srcdoc_


def test_missing_warehouse_gives_a_clear_message_not_a_traceback(monkeypatch, tmp_path):
    monkeypatch.setenv("YIBAO_WAREHOUSE", str(tmp_path / "nowhere.duckdb"))
    page = page_layout(PAGE_URL)()
    assert page.id == "disclosure-unavailable"
    assert "数据仓库尚未构建" in page.children


def as_role(monkeypatch, role: str) -> None:
    """Callbacks called outside a request act for a viewer of the role (the policy's answer)."""
    from dashboard.auth import access, policy

    monkeypatch.setattr(access, "may", lambda action: policy.can(role, action))


def test_only_publishing_roles_may_run_the_export(warehouse, monkeypatch):
    page = page_module()
    for role in ("public", "planner", "inspector"):
        as_role(monkeypatch, role)
        download, message = page._export(1, "2024", "all")
        assert download is dash.no_update and "无权生成公开文件" in message.children, role


def test_export_errors_are_a_chinese_message_and_nothing_is_downloaded(warehouse, monkeypatch, tmp_path):
    page = page_module()
    as_role(monkeypatch, "budget")
    download, message = page._export(1, "1999", "all")
    assert download is dash.no_update and message.id == "disclosure-export-failed"
    assert message.children.startswith("生成失败：统计期 1999 未结束或不在数据中")

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("YIBAO_DATA", str(blocker))
    download, message = page._export(1, years(warehouse)[0], "fund")
    assert download is dash.no_update and "无法写入导出目录" in message.children

    monkeypatch.setenv("YIBAO_WAREHOUSE", str(tmp_path / "nowhere.duckdb"))
    download, message = page._export(1, "2024", "all")
    assert download is dash.no_update and "数据仓库尚未构建" in message.children


def test_an_unexpected_failure_is_a_chinese_message_and_the_traceback_goes_to_the_log(warehouse, monkeypatch,
                                                                                      caplog):
    page = page_module()
    as_role(monkeypatch, "budget")

    def broken(*_args, **_kwargs):
        raise AttributeError("'DataFrame' object has no attribute 'period_start'")

    monkeypatch.setattr(page, "build_publication", broken)
    page._cached_publication.cache_clear()
    download, message = page._export(1, years(warehouse)[0], "all")
    assert download is dash.no_update and "生成失败：生成公开文件时发生程序内部错误（AttributeError）" in message.children
    *_, shown, search = page._update_preview("2024-07", "institutions", "index")
    assert shown.id == "disclosure-unavailable" and "预览时发生程序内部错误" in shown.children
    assert search is dash.no_update
    assert "Traceback" not in message.children + shown.children
    assert sum(r.exc_info is not None for r in caplog.records) == 2


def _walk(component):
    yield component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children]:
        if hasattr(child, "to_plotly_json"):
            yield from _walk(child)


# ---------------------------------------------------------------- the page in Chromium

def _click_in_preview(dash_duo, link_text: str) -> None:
    frame = dash_duo.find_element("#disclosure-preview")
    dash_duo.driver.switch_to.frame(frame)
    try:
        link = wait_for(lambda: dash_duo.driver.find_elements(By.LINK_TEXT, link_text), message=link_text)[0]
        dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", link)
        link.click()
    finally:
        dash_duo.driver.switch_to.default_content()


@pytest.mark.browser
def test_page_previews_the_published_pages_follows_links_and_keeps_filters_in_the_url(dash_duo, warehouse,
                                                                                      tmp_path):
    from dashboard.exports.disclosure.html import institution_html

    latest, earlier = years(warehouse)[0], years(warehouse)[-1]
    assert latest != earlier
    pub, site = published(latest, "all", tmp_path / "ref")
    first, second = pub.institution_pages[0], pub.institution_pages[1]

    dash_duo.driver.set_window_size(1400, 1800)
    start_as(dash_duo, "budget")
    dash_duo.wait_for_page(f"{dash_duo.server_url}{PAGE_URL}", timeout=20)
    wait_for_preview(dash_duo, (site / "index.html").read_text(encoding="utf-8"), "the published index")
    assert dash_duo.find_element("#disclosure-summary-period").text == f"{pub.period_label}（{latest}）"
    assert "信息披露" in dash_duo.find_element("header nav").text
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    time.sleep(0.5)
    dash_duo.driver.save_screenshot(str(SCREENSHOTS / "disclosure.png"))

    # one institution's page, as written under institutions/
    dash_duo.select_dcc_dropdown("#disclosure-page", value=f"{first.name}（{first.code}）")
    wait_for_preview(dash_duo, (site / "institutions" / first.filename).read_text(encoding="utf-8"),
                     "the institution's published page")
    assert first.name in srcdoc(dash_duo)
    assert timeless(srcdoc(dash_duo)) == timeless(institution_html(pub, first))
    wait_for(lambda: query(dash_duo) == {"period": latest, "scope": "all", "page": first.code},
             message="the page in the URL")
    dash_duo.driver.save_screenshot(str(SCREENSHOTS / "disclosure-institution.png"))

    # the preview's own links switch the previewed page instead of leaving the dashboard
    _click_in_preview(dash_duo, "返回公开首页")
    wait_for_preview(dash_duo, (site / "index.html").read_text(encoding="utf-8"), "the index after 返回公开首页")
    wait_for(lambda: "page" not in query(dash_duo), message="the index in the URL")
    _click_in_preview(dash_duo, second.name)
    wait_for_preview(dash_duo, institution_html(pub, second), "the institution after a click on its name")
    assert dash_duo.driver.current_url.startswith(f"{dash_duo.server_url}{PAGE_URL}")
    wait_for(lambda: query(dash_duo).get("page") == second.code, message="the clicked institution in the URL")
    assert f"{second.name}（{second.code}）" in dash_duo.find_element("#disclosure-page").text

    # another period: the same institution's page of that year, and the URL follows
    earlier_pub, earlier_site = published(earlier, "all", tmp_path / "ref-earlier")
    earlier_second = next(p for p in earlier_pub.institution_pages if p.code == second.code)
    dash_duo.select_dcc_dropdown("#disclosure-period", value=earlier_pub.period_label)
    wait_for_preview(dash_duo, (earlier_site / "institutions" / second.filename).read_text(encoding="utf-8"),
                     "the earlier year's page")
    wait_for(lambda: query(dash_duo) == {"period": earlier, "scope": "all", "page": second.code},
             message="the earlier period in the URL")
    assert dash_duo.find_element("#disclosure-summary-period").text == f"{earlier_pub.period_label}（{earlier}）"

    # the shared URL opens the same view
    dash_duo.wait_for_page(dash_duo.driver.current_url, timeout=20)
    wait_for_preview(dash_duo, institution_html(earlier_pub, earlier_second), "the view from the shared URL")

    # fund only: no institution pages, the index has the fund section alone
    dash_duo.find_element("#disclosure-scope input[value='fund']").click()
    fund_pub, fund_site = published(earlier, "fund", tmp_path / "ref-fund")
    wait_for_preview(dash_duo, (fund_site / "index.html").read_text(encoding="utf-8"), "the fund-only index")
    wait_for(lambda: query(dash_duo) == {"period": earlier, "scope": "fund"}, message="fund scope in the URL")
    assert not dash_duo.find_element("#disclosure-page-picker").is_displayed()
    assert dash_duo.get_logs() == []


@pytest.mark.browser
def test_generate_writes_the_export_and_downloads_it_as_one_zip(dash_duo, warehouse, tmp_path):
    from dashboard.exports.disclosure import output_paths

    latest = years(warehouse)[0]
    pub, _ = published(latest, "all", tmp_path / "ref")
    out = tmp_path / "data" / "exports" / "disclosure"
    paths = output_paths(out, latest)

    dash_duo.driver.set_window_size(1400, 1800)
    start_as(dash_duo, "budget")
    dash_duo.wait_for_page(f"{dash_duo.server_url}{PAGE_URL}", timeout=20)
    wait_for(lambda: srcdoc(dash_duo), message="the preview")
    preview = srcdoc(dash_duo)
    dash_duo.find_element("#disclosure-export").click()
    dash_duo.wait_for_element("#disclosure-export-done", timeout=240)

    target = Path(dash_duo.download_path) / f"disclosure-{latest}-all.zip"
    wait_for(lambda: target.exists() and zipfile.is_zipfile(target), timeout=30, message="the ZIP download")
    time.sleep(0.5)
    with zipfile.ZipFile(target) as archive:
        names = set(archive.namelist())
        assert names == {f"disclosure-{latest}/index.html", f"disclosure-{latest}.pdf", f"disclosure-{latest}.xlsx",
                         *(f"disclosure-{latest}/institutions/{p.filename}" for p in pub.institution_pages)}
        assert len(pub.institution_pages) > 10
        index = archive.read(f"disclosure-{latest}/index.html")
        pdf = archive.read(f"disclosure-{latest}.pdf")
        workbook = openpyxl.load_workbook(io.BytesIO(archive.read(f"disclosure-{latest}.xlsx")), read_only=True)
        page = archive.read(f"disclosure-{latest}/institutions/{pub.institution_pages[0].filename}").decode("utf-8")
    # the ZIP holds the files written into the export folder, and the index is what was previewed
    assert index == paths["html"].read_bytes() and pdf == paths["pdf"].read_bytes()
    assert timeless(index.decode("utf-8")) == timeless(preview)
    assert pub.institution_pages[0].name in page
    assert pdf.startswith(b"%PDF")
    assert len(workbook.sheetnames) >= 3 and workbook[workbook.sheetnames[0]].max_row > 1

    message = dash_duo.find_element("#disclosure-export-done").text
    for path in paths.values():
        assert str(path) in message
    assert f"机构页面 {len(pub.institution_pages)} 个" in message and "用时" in message and "秒" in message
    assert dash_duo.find_element("#disclosure-export").is_enabled()
    time.sleep(0.3)
    dash_duo.driver.save_screenshot(str(SCREENSHOTS / "disclosure-export.png"))
    assert dash_duo.get_logs() == []
