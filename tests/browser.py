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


ROLE_PASSWORD = "correct horse battery"


def make_user(role: str, username: str | None = None) -> str:
    """A ready account of the role (password ROLE_PASSWORD, no forced change); its username."""
    from dashboard.auth import store

    username = username or f"test-{role}"
    store.add(username, role)
    store.change_password(username, ROLE_PASSWORD)
    return username


def log_in(dash_duo, username: str, password: str = ROLE_PASSWORD) -> None:
    """Log in through the login form; the browser lands on the role's first page."""
    dash_duo.driver.get(dash_duo.server_url + "/login")
    dash_duo.wait_for_element("#username").send_keys(username)
    dash_duo.find_element("#password").send_keys(password)
    dash_duo.find_element("#auth-submit").click()
    wait_for(lambda: "/login" not in dash_duo.driver.current_url, message="login redirect")
    dash_duo.wait_for_element("#react-entry-point")


def start_as(dash_duo, role: str, username: str | None = None):
    """Serve a new app and log in as a user of the role; returns the app."""
    from dashboard.app import create_app

    app = create_app()
    dash_duo.start_server(app)
    log_in(dash_duo, make_user(role, username))
    return app
