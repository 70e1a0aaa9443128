"""The production server: the app under gunicorn, started by `python -m dashboard` (`make serve`).

gunicorn runs --workers processes of --threads threads each (gthread workers). Every worker
imports dashboard.wsgi and builds its own app; the app keeps no connection between requests
(dashboard/data/db.py attaches the warehouse read-only per query or callback session), so workers
share nothing and read the DuckDB file side by side. Why two workers of eight threads on two cores,
and what 50 users measured: docs/load-test.md.
"""

from __future__ import annotations

from gunicorn.app.base import BaseApplication


class DashboardServer(BaseApplication):
    """gunicorn's documented custom application: settings from a dict, the app from dashboard.wsgi."""

    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from dashboard.wsgi import server

        return server


def serve(bind: str, workers: int, threads: int) -> None:
    """Serve until SIGTERM/SIGINT (graceful: requests in flight finish)."""
    DashboardServer({
        "bind": bind, "workers": workers, "threads": threads, "worker_class": "gthread",
        # a county disclosure preview or export can take a while on a busy machine
        "timeout": 120, "graceful_timeout": 30, "keepalive": 75,
        "errorlog": "-", "loglevel": "info",
    }).run()
