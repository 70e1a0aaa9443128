"""WSGI entry point: `server` is the Flask server of create_app(), for gunicorn or any WSGI server.

`python -m dashboard` serves it under gunicorn (dashboard/server.py); by hand:

    gunicorn --workers 2 --threads 8 --worker-class gthread --bind 127.0.0.1:8050 dashboard.wsgi:server

The warehouse is the one of settings.warehouse_path() (YIBAO_WAREHOUSE).
"""

from __future__ import annotations

from dashboard.app import create_app

app = create_app()
server = app.server

# Dash completes its setup on the first request (callback map, page router: before_request
# hooks that set their done-flag first and fill the map after). Under gunicorn's threads a
# callback posted while another thread is in that setup finds no callback (KeyError, HTTP 500;
# seen in the load test on a fresh worker), so run the hooks once here, before any thread serves.
with server.test_request_context("/_dash-layout"):
    server.preprocess_request()
