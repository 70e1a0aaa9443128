"""Helpers of the browser page tests: read a mart, wait for a condition, read a drawn graph."""

from __future__ import annotations

import time
from pathlib import Path

import duckdb


def mart(warehouse: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def wait_for(predicate, timeout: float = 20, message: str = "condition"):
    end = time.time() + timeout
    while time.time() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {message}")


def graph_data(dash_duo, graph_id: str) -> list[dict] | None:
    return dash_duo.driver.execute_script(
        f"return document.querySelector('#{graph_id} .js-plotly-plot')?.data;")


def graph_title(dash_duo, graph_id: str) -> str:
    return dash_duo.driver.execute_script(
        f"return document.querySelector('#{graph_id} .js-plotly-plot').layout.title.text;")
