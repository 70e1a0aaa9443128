"""Load test: simulated users clicking through the dashboard, served by gunicorn, on loopback.

    python scripts/loadtest.py --warehouse /tmp/county/yibao.duckdb            # 50 users, 3 minutes
    python scripts/loadtest.py --warehouse FILE --users 10 --duration 30 --json report.json

Starts the server as `make serve` does (`python -m dashboard`: gunicorn, --workers/--threads,
gthread) on a free loopback port against the given warehouse, read-only, with its own scratch
folder for YIBAO_DATA and YIBAO_AUTH; waits until it answers; runs the users of scripts/locustfile.py with locust as a
library (headless), --users of them started at --spawn-rate per second, for --duration
seconds; stops gunicorn and prints a Markdown table: requests, errors, p50/p95/p99 per page and
overall, with users, duration and workers/threads. One login account per role of --roles is
created in the scratch auth folder and the users take them in turn.

Exit code 0 when no request failed, 1 when some did (the table says which), 2 when the server
could not be started. Loopback only: --host must be a loopback address.
"""

from __future__ import annotations

from locust.env import Environment  # first: locust patches the standard library for gevent

import argparse
import ipaddress
import json
import os
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from pathlib import Path

import gevent
import numpy as np
from locust import between

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]  # the same tree gunicorn serves (--chdir ROOT)

import locustfile  # noqa: E402  (after the path: scripts/ is not a package)

DEFAULT_WAREHOUSE = "/tmp/county/yibao.duckdb"
DEFAULT_ROLES = "leadership,planner,budget,inspector,auditor"
SHELL = "shell"
START_TIMEOUT_S = 180


def main() -> int:
    opts = parse_args()
    warehouse = Path(opts.warehouse).resolve()
    if not warehouse.exists():
        print(f"数据仓库不存在 warehouse not found: {warehouse}", file=sys.stderr)
        return 2
    scratch = Path(tempfile.mkdtemp(prefix="yibao-loadtest-"))
    env = {**os.environ, "YIBAO_WAREHOUSE": str(warehouse), "YIBAO_DATA": str(scratch / "data"),
           "YIBAO_AUTH": str(scratch / "auth")}
    try:
        accounts = provision_accounts(scratch / "auth", opts.roles.split(","))
        server = Gunicorn(opts, env, scratch / "gunicorn.log")
        try:
            server.wait_until_ready()
        except RuntimeError as exc:
            print(f"gunicorn 未能启动 did not start: {exc}\n{server.log_tail()}", file=sys.stderr)
            server.stop()
            return 2
        load_before = os.getloadavg()[0]
        samples, views, wall = run_users(opts, server.url, accounts)
        load_after = os.getloadavg()[0]
        cpu, peak_rss = server.stop()
        report = summarise(opts, warehouse, samples, views, wall, cpu, peak_rss, len(accounts))
        report["load_average"] = [round(load_before, 1), round(load_after, 1)]
        report["server"] = server.server_header
        print(markdown(report))
        if report["errors"] and server.errors():
            print("\ngunicorn error log (last lines):\n" + server.errors())
        if opts.json:
            Path(opts.json).write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
        return 1 if report["errors"] else 0
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", default=os.environ.get("YIBAO_WAREHOUSE", DEFAULT_WAREHOUSE),
                        help="warehouse file the server reads (default $YIBAO_WAREHOUSE or the county warehouse)")
    parser.add_argument("--users", type=int, default=50, help="simulated users (browser sessions)")
    parser.add_argument("--spawn-rate", type=float, default=10, help="users started per second")
    parser.add_argument("--duration", type=float, default=180, help="seconds from the first user's start to the stop")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=8, help="threads per gunicorn worker (gthread)")
    parser.add_argument("--think-min", type=float, default=5, help="shortest think time between two clicks, s")
    parser.add_argument("--think-max", type=float, default=15, help="longest think time between two clicks, s")
    parser.add_argument("--download-share", type=float, default=locustfile.DOWNLOAD_SHARE,
                        help="share of page visits that end with a table download")
    parser.add_argument("--roles", default=DEFAULT_ROLES,
                        help="roles of the login accounts, taken in turn by the users")
    parser.add_argument("--seed", type=int, default=1, help="seed of the users' choices (page order, filters)")
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to serve on")
    parser.add_argument("--json", help="also write the figures as JSON to this file")
    opts = parser.parse_args()
    if not ipaddress.ip_address(opts.host).is_loopback:
        parser.error(f"--host {opts.host} is not a loopback address: this test sends traffic to loopback only")
    if not 0 < opts.think_min <= opts.think_max:
        parser.error("need 0 < --think-min <= --think-max")
    return opts


# ---------------------------------------------------------------- accounts and server

def provision_accounts(auth_dir: Path, roles: list[str]) -> list[tuple[str, str]]:
    """One account per role in the scratch auth folder (no admin is created on the first start then)."""
    os.environ["YIBAO_AUTH"] = str(auth_dir)
    from dashboard.auth import store

    accounts = []
    for role in roles:
        name, password = f"loadtest-{role}", secrets.token_urlsafe(16)
        store.add(name, role)
        store.change_password(name, password)
        accounts.append((name, password))
    return accounts


def free_port(host: str) -> int:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


class Gunicorn:
    """`python -m dashboard` (gunicorn, as `make serve` runs it) on a free loopback port."""

    def __init__(self, opts: argparse.Namespace, env: dict, log: Path):
        self.log = log
        self.threads, self.workers = opts.threads, opts.workers
        port = free_port(opts.host)
        self.url = f"http://{opts.host}:{port}" if ":" not in opts.host else f"http://[{opts.host}]:{port}"
        self.cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.server_header = ""
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "dashboard", "--host", opts.host, "--port", str(port),
                 "--workers", str(opts.workers), "--threads", str(opts.threads)],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)

    def wait_until_ready(self) -> None:
        """Ask for the layout until a worker answers."""
        deadline = time.monotonic() + START_TIMEOUT_S
        request = urllib.request.Request(self.url + "/_dash-layout")
        while True:
            try:
                with urllib.request.urlopen(request, timeout=START_TIMEOUT_S) as response:
                    response.read()
                    self.server_header = response.headers.get("Server", "")
                    return
            except urllib.error.HTTPError as exc:
                raise RuntimeError(f"/_dash-layout answered HTTP {exc.code}") from exc
            except OSError as exc:
                # refused until gunicorn listens; reset when a worker died while booting
                if self.process.poll() is not None:
                    raise RuntimeError(f"gunicorn exited with code {self.process.returncode}") from exc
                if time.monotonic() > deadline:
                    raise RuntimeError(f"no answer within {START_TIMEOUT_S} s") from exc
                gevent.sleep(0.5)  # the master restarts a failed worker; ask again after it

    def stop(self) -> tuple[float, float]:
        """SIGTERM (graceful: in-flight requests finish), wait; (server CPU seconds, peak worker RSS MiB)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - self.cpu_before.ru_utime) + (after.ru_stime - self.cpu_before.ru_stime)
        return cpu, after.ru_maxrss / 1024

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:]) if self.log.exists() else ""

    def errors(self) -> str:
        """Error-level lines of gunicorn's log and the tracebacks after them."""
        if not self.log.exists():
            return ""
        text = self.log.read_text(errors="replace").splitlines()
        keep = [line for line in text if "[INFO]" not in line and "首次启动" not in line]
        return "\n".join(keep[-60:])


# ---------------------------------------------------------------- users

def run_users(opts: argparse.Namespace, url: str, accounts: list[tuple[str, str]]):
    """Run the users headless for the duration; (request samples, page views, wall seconds)."""
    user = locustfile.DashboardUser
    user.wait_time = between(opts.think_min, opts.think_max)
    user.accounts = accounts
    user.download_share = opts.download_share
    user.seed = opts.seed
    env = Environment(user_classes=[user], host=url)
    samples: list[dict] = []
    views: list[dict] = []

    def collect(request_type, name, response_time, response_length, exception, context, **_):
        record = {"page": (context or {}).get("page", SHELL), "step": (context or {}).get("step", ""),
                  "name": name, "ms": response_time, "error": None if exception is None else str(exception)[:300]}
        (views if request_type == locustfile.VIEW else samples).append(record)

    env.events.request.add_listener(collect)
    runner = env.create_local_runner()
    started = time.monotonic()
    runner.start(opts.users, spawn_rate=opts.spawn_rate)
    gevent.spawn_later(opts.duration, runner.quit)
    runner.greenlet.join()
    return samples, views, time.monotonic() - started


# ---------------------------------------------------------------- figures

def percentiles(values: list[float]) -> dict:
    if not values:
        return {"p50": None, "p95": None, "p99": None}
    p50, p95, p99 = np.percentile(np.asarray(values), [50, 95, 99])
    return {"p50": float(p50), "p95": float(p95), "p99": float(p99)}


def summarise(opts, warehouse: Path, samples: list[dict], views: list[dict], wall: float, cpu: float,
              peak_rss: float, n_accounts: int) -> dict:
    names = locustfile.DashboardUser.page_names
    seen = locustfile.DashboardUser.seen
    by_page: dict[str, list[dict]] = defaultdict(list)
    for s in samples:
        by_page[s["page"]].append(s)
    view_ms: dict[tuple[str, str], list[float]] = defaultdict(list)
    for v in views:
        if v["error"] is None:
            view_ms[(v["page"], v["step"])].append(v["ms"])
    order = [SHELL] + [p for p in names if p in by_page] + sorted(p for p in by_page if p not in names and p != SHELL)
    pages = []
    for page in order:
        rows = by_page.get(page, [])
        pages.append({
            "path": page, "name": "应用外壳与登录" if page == SHELL else names.get(page, page),
            "requests": len(rows), "errors": sum(r["error"] is not None for r in rows),
            "callbacks": sum(r["step"] != SHELL for r in rows),
            **percentiles([r["ms"] for r in rows]),
            "loads": len(view_ms[(page, "load")]), "filters": len(view_ms[(page, "filter")]),
            "downloads": sum(r["step"] == "download" and r["error"] is None for r in rows),
            "has_filters": seen.get(page, {}).get("filters", False),
            "has_downloads": seen.get(page, {}).get("downloads", False),
            "load_p95": percentiles(view_ms[(page, "load")])["p95"],
            "filter_p95": percentiles(view_ms[(page, "filter")])["p95"],
        })
    failures = Counter(f"{s['name']}: {s['error']}" for s in samples if s["error"] is not None)
    return {
        "warehouse": str(warehouse), "users": opts.users, "spawn_rate": opts.spawn_rate,
        "duration_s": round(wall, 1), "workers": opts.workers, "threads": opts.threads,
        "think_s": [opts.think_min, opts.think_max], "accounts": n_accounts,
        "requests": len(samples), "errors": sum(s["error"] is not None for s in samples),
        "requests_per_s": round(len(samples) / wall, 1) if wall else None,
        **percentiles([s["ms"] for s in samples]),
        "load_p95": percentiles([v["ms"] for v in views if v["step"] == "load" and v["error"] is None])["p95"],
        "filter_p95": percentiles([v["ms"] for v in views if v["step"] == "filter" and v["error"] is None])["p95"],
        "server_cpu_s": round(cpu, 1), "client_cpu_s": round(sum(resource.getrusage(resource.RUSAGE_SELF)[:2]), 1),
        "peak_worker_rss_mib": round(peak_rss),
        "pages": pages, "failures": failures.most_common(20),
    }


def markdown(report: dict) -> str:
    def ms(value) -> str:
        return "–" if value is None else f"{value:,.0f}"

    lines = [
        f"Warehouse `{report['warehouse']}` · {report['users']} users (ramp {report['spawn_rate']:g}/s) · "
        f"{report['duration_s']:.0f} s · think {report['think_s'][0]:g}–{report['think_s'][1]:g} s · "
        f"gunicorn {report['workers']} workers × {report['threads']} threads (gthread) · loopback",
        "",
        "| 页面 | 请求数 | 错误 | p50 (ms) | p95 (ms) | p99 (ms) | 打开页面 p95 (ms) | 改筛选 p95 (ms) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for page in report["pages"]:
        label = page["name"] if page["path"] == SHELL else f"{page['name']} `{page['path']}`"
        lines.append(f"| {label} | {page['requests']:,} | {page['errors']:,} | {ms(page['p50'])} | {ms(page['p95'])} | "
                     f"{ms(page['p99'])} | {ms(page['load_p95'])} | {ms(page['filter_p95'])} |")
    lines.append(f"| **合计** | **{report['requests']:,}** | **{report['errors']:,}** | {ms(report['p50'])} | "
                 f"**{ms(report['p95'])}** | {ms(report['p99'])} | {ms(report['load_p95'])} | {ms(report['filter_p95'])} |")
    lines += [
        "",
        f"{report['requests_per_s']} requests/s · server CPU {report['server_cpu_s']} s, load generator CPU "
        f"{report['client_cpu_s']} s (same 2 cores) · peak worker RSS {report['peak_worker_rss_mib']} MiB"
        + (f" · {report['accounts']} login accounts" if report["accounts"] else "")
        + (f" · machine load average {report['load_average'][0]} → {report['load_average'][1]}"
           if report.get("load_average") else ""),
        "Request times are per HTTP request (page router, each callback, downloads; the shell row: HTML, scripts,"
        " layout, dependencies, login). 打开页面 = from the click on the page's link until its last load callback"
        " answered; 改筛选 = from a filter change until the last callback it triggered answered.",
    ]
    if report["failures"]:
        lines += ["", "Failures (most frequent first):", ""]
        lines += [f"- {count} × {message}" for message, count in report["failures"]]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
