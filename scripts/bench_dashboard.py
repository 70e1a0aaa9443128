"""Server-side time of every dashboard page's first render and of every data function it calls.

    python scripts/bench_dashboard.py                                   # county warehouse
    python scripts/bench_dashboard.py --warehouse data/warehouse/yibao.duckdb --repeat 30

Pages are whatever `dash.page_registry` holds after create_app(). Each page's layout() is called
with no query string (the first render a user gets); while it runs, every public function of the
dashboard.data.* modules (the read-only data layer, db.py aside) is recorded with the arguments
the page passed. Then each layout and each recorded call is repeated --repeat times after one
warm-up call, and p50/p95 in milliseconds are printed as a Markdown table for the README.
A data function no page called on first render is listed without timings. This is a benchmark,
not a test: nothing fails when a figure is over the 300 ms target, it is only marked.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import importlib
import inspect
import os
import pkgutil
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_WAREHOUSE = "/tmp/county/warehouse.duckdb"
TARGET_MS = 300.0


def data_functions() -> dict[str, Callable]:
    """'module.function' → function, for every public function defined in a dashboard.data module."""
    import dashboard.data

    found = {}
    for info in pkgutil.iter_modules(dashboard.data.__path__):
        if info.name == "db" or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"dashboard.data.{info.name}")
        for name, obj in vars(module).items():
            if inspect.isfunction(obj) and obj.__module__ == module.__name__ and not name.startswith("_"):
                found[f"{info.name}.{name}"] = obj
    return found


def record_calls(functions: dict[str, Callable], run: Callable[[], object]) -> list[tuple[str, tuple, dict]]:
    """Run `run` with every data function wrapped wherever it is bound (its own module, any
    module that imported it by name, the page's globals); return the distinct calls the page
    made directly (not a data function's calls to another), in order."""
    calls: list[tuple[str, tuple, dict]] = []
    originals = {id(f): key for key, f in functions.items()}
    patched: list[tuple[dict, str, Callable]] = []
    depth = [0]

    def wrap(key: str, func: Callable) -> Callable:
        @functools.wraps(func)
        def recorder(*args, **kwargs):
            if depth[0] == 0 and not any(c[0] == key and c[1] == args and c[2] == kwargs for c in calls):
                calls.append((key, args, kwargs))
            depth[0] += 1
            try:
                return func(*args, **kwargs)
            finally:
                depth[0] -= 1
        return recorder

    wrappers = {key: wrap(key, f) for key, f in functions.items()}
    namespaces = [vars(m) for m in list(sys.modules.values()) if hasattr(m, "__dict__")]
    namespaces.append(getattr(run, "__globals__", {}))
    for namespace in namespaces:
        for name, obj in list(namespace.items()):
            if inspect.isfunction(obj) and id(obj) in originals:
                patched.append((namespace, name, obj))
                namespace[name] = wrappers[originals[id(obj)]]
    try:
        run()
    finally:
        for namespace, name, obj in patched:
            namespace[name] = obj
    return calls


def timings(func: Callable[[], object], repeat: int) -> tuple[float, float]:
    func()  # warm-up: imports, caches, first file open
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, max(0, round(0.95 * len(samples)) - 1))]
    return statistics.median(samples), p95


def describe(args: tuple, kwargs: dict) -> str:
    def show(value) -> str:
        text = repr(value) if isinstance(value, (str, int, float, bool, type(None), dt.date)) else type(value).__name__
        return text.replace("datetime.date", "date").replace("|", "\\|")
    return ", ".join([show(a) for a in args] + [f"{k}={show(v)}" for k, v in kwargs.items()])


def callback_cases(warehouse_latest: str, year: int) -> list[tuple[str, str, str, Callable[[], object]]]:
    """(page, callback, arguments, call) for every callback that reads the warehouse, with the
    arguments a user's first filter change would send (latest month, largest institution)."""
    from dashboard.data import budget, institutions, items, targeting

    pages = {name: sys.modules[f"pages.{name}"] for name in ("overview", "budget", "institution", "key_items")}
    tg = sys.modules["pages.targeting"]
    period = targeting.risk_periods()[0]
    risky = targeting.ranked_institutions(period)["fixmedins_code"].iloc[0]
    inst = institutions.default_institution(institutions.institution_options())
    item = items.ranked_items(dt.date.fromisoformat(f"{warehouse_latest}-01"))["hilist_code"].iloc[0]
    budget_inst = budget.institution_execution(year, 12, "310")["fixmedins_code"].iloc[0]
    ov, bu, ins, ki = (pages[n] for n in ("overview", "budget", "institution", "key_items"))
    from dashboard.views import forecast, projection

    series = forecast_catalog_first()
    sliders = projection._defaults("high_cost")
    slider_ids = [{"name": name} for name in projection.SLIDERS]
    slider_values = [sliders[name] for name in projection.SLIDERS]
    return [
        ("基金运行总览", "update_fund", f"'310100', '{warehouse_latest}'", lambda: ov.update_fund("310100", warehouse_latest)),
        ("基金运行总览", "update_institutions", f"'310100', '{warehouse_latest}'",
         lambda: ov.update_institutions("310100", warehouse_latest)),
        ("预算执行监测", "_update_overview", f"{year}, 12, '390'", lambda: bu._update_overview(year, 12, "390")),
        ("预算执行监测", "_update_curve", f"'{budget_inst}', {year}, 12, '310'",
         lambda: bu._update_curve(budget_inst, year, 12, "310")),
        ("预算执行监测", "_update_rollup", f"'inst_type', {year}, 12, '310'",
         lambda: bu._update_rollup("inst_type", year, 12, "310")),
        ("机构画像", "_update", f"'{inst}', 'resident', 'inpatient'", lambda: ins._update(inst, "resident", "inpatient")),
        ("重点药品耗材", "_update_month_view", f"'{warehouse_latest}', 'consumable', 'all', None",
         lambda: ki._update_month_view(warehouse_latest, "consumable", "all", None)),
        ("重点药品耗材", "_update_item", f"'{item}', '{warehouse_latest}'", lambda: ki._update_item(item, warehouse_latest)),
        ("精算预测", "forecast._update", f"'{series}'", lambda: forecast._update(series)),
        ("精算预测", "projection._update (slider move)", "'employee', 'high_cost', sliders",
         lambda: projection._update("employee", "high_cost", "npc2024", slider_values, slider_ids)),
        ("稽核选点", "_update_ranking", f"'{period}', 'hospital', 'all', 'all', 'all'",
         lambda: tg._update_ranking(period, "hospital", "all", "all", "all")),
        ("稽核选点", "_update_drill", f"'{risky}', '{period}', 'all', 'all'",
         lambda: tg._update_drill(risky, period, "all", "all")),
    ]


def forecast_catalog_first() -> str:
    from dashboard.data import actuarial

    return actuarial.forecast_catalog()["series_id"].iloc[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", default=os.environ.get("YIBAO_WAREHOUSE", DEFAULT_WAREHOUSE),
                        help="warehouse file to read (default $YIBAO_WAREHOUSE or the county warehouse)")
    parser.add_argument("--repeat", type=int, default=30, help="timed repetitions of each call")
    opts = parser.parse_args()
    if not Path(opts.warehouse).exists():
        raise SystemExit(f"数据仓库不存在：{opts.warehouse}")
    os.environ["YIBAO_WAREHOUSE"] = str(opts.warehouse)
    sys.path.insert(0, str(ROOT))

    import dash

    from dashboard.app import create_app

    create_app()
    functions = data_functions()
    rows: list[tuple[str, str, str, float | None, float | None]] = []
    called: set[str] = set()
    for page in sorted(dash.page_registry.values(), key=lambda p: (p.get("order") is None, p.get("order") or 0, p["path"])):
        layout = page["layout"]
        if not callable(layout):
            continue
        calls = record_calls(functions, layout)
        p50, p95 = timings(layout, opts.repeat)
        rows.append((page["name"], "页面首次渲染 layout()", page["path"], p50, p95))
        for key, args, kwargs in calls:
            called.add(key)
            p50, p95 = timings(functools.partial(functions[key], *args, **kwargs), opts.repeat)
            rows.append((page["name"], f"数据函数 {key}", describe(args, kwargs), p50, p95))
    from dashboard.data.db import query

    latest = query("SELECT max(month_start) AS m FROM marts.fct_fund_monthly")["m"].iloc[0]
    budget_year = int(query("SELECT max(budget_year) AS y FROM marts.fct_budget_execution")["y"].iloc[0])
    for page, name, args, call in callback_cases(f"{latest:%Y-%m}", budget_year):
        p50, p95 = timings(call, opts.repeat)
        rows.append((page, f"回调 {name}", args, p50, p95))

    print(f"Warehouse: `{opts.warehouse}` · {opts.repeat} repetitions each · target p95 < {TARGET_MS:.0f} ms\n")
    print("| 页面 | 计时对象 | 参数 | p50 (ms) | p95 (ms) |")
    print("|---|---|---|---:|---:|")
    for page, what, args, p50, p95 in rows:
        if p50 is None:
            print(f"| {page} | {what} | {args} | – | – |")
            continue
        flag = " ⚠" if p95 > TARGET_MS else ""
        print(f"| {page} | {what} | `{args}` | {p50:.1f} | {p95:.1f}{flag} |")


if __name__ == "__main__":
    main()
