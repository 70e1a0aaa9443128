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


def page_layout(path: str):
    """The registered layout function of the page at `path` (builds the app to register pages)."""
    import dash

    from dashboard.app import create_app

    create_app()
    return next(p["layout"] for p in dash.page_registry.values() if p["path"] == path)


def component_values(layout) -> dict[str, object]:
    """id → value of every component with a string id in a rendered layout tree."""
    def walk(component):
        yield component
        children = getattr(component, "children", None)
        for child in children if isinstance(children, list) else [children]:
            if hasattr(child, "to_plotly_json"):
                yield from walk(child)

    return {c.id: getattr(c, "value", None) for c in walk(layout) if isinstance(getattr(c, "id", None), str)}
