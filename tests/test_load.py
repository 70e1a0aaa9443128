"""Load test harness in CI: scripts/loadtest.py with 10 users for 30 s against the session demo
warehouse, served by `python -m dashboard` (gunicorn, as make serve) on loopback. The 50-user
county figures: docs/load-test.md."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def load_run(demo_warehouse, tmp_path_factory) -> tuple[subprocess.CompletedProcess, dict]:
    out = tmp_path_factory.mktemp("load") / "report.json"
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "loadtest.py"), "--warehouse", str(demo_warehouse),
         "--users", "10", "--spawn-rate", "10", "--duration", "30", "--think-min", "0.5", "--think-max", "1.5",
         "--download-share", "1", "--workers", "2", "--threads", "4", "--json", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=150)
    print(result.stdout)  # the Markdown table with p95, in the test log
    assert out.exists(), result.stdout[-3000:] + result.stderr[-3000:]
    return result, json.loads(out.read_text(encoding="utf-8"))


def _registered_pages() -> set[str]:
    import dash

    from dashboard.app import create_app

    create_app()
    return {page["path"] for page in dash.page_registry.values()}


def test_ten_users_under_gunicorn_get_no_error(load_run):
    result, report = load_run
    assert report["errors"] == 0, report["failures"]
    assert result.returncode == 0, result.stderr[-3000:]
    assert report["users"] == 10 and report["workers"] == 2 and report["threads"] == 4
    assert report["server"].startswith("gunicorn")  # python -m dashboard, as make serve runs it
    assert report["requests"] > 200  # ten sessions clicked for 30 s, not one request and a stop


def test_every_page_is_opened_filtered_and_downloaded_from(load_run):
    _, report = load_run
    pages = {p["path"]: p for p in report["pages"] if p["path"] != "shell"}
    assert set(pages) == _registered_pages()
    for path, page in pages.items():
        assert page["loads"] >= 1, path
        assert page["filters"] >= 1 or not page["has_filters"], path
        assert page["downloads"] >= 1 or not page["has_downloads"], path
    # the pages whose filters and tables are known to be there were seen with them
    assert {"/", "/budget", "/institution", "/key-items", "/targeting"} <= {
        path for path, page in pages.items() if page["has_filters"] and page["has_downloads"]}


def test_the_table_reports_p95_per_page_and_overall(load_run):
    result, report = load_run
    assert report["p95"] > 0 and report["load_p95"] > 0 and report["filter_p95"] > 0
    assert "| 页面 | 请求数 | 错误 | p50 (ms) | p95 (ms) | p99 (ms) |" in result.stdout
    rows = [line for line in result.stdout.splitlines() if line.startswith("| ") and "`/" in line]
    assert len(rows) == len(_registered_pages())
    assert "gunicorn 2 workers × 4 threads" in result.stdout


def test_a_non_loopback_host_is_refused():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "loadtest.py"), "--host", "192.168.1.10"],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "not a loopback address" in result.stderr
