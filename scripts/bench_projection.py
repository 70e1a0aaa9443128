"""Time the actuarial projection: load_base, one deterministic run, 1,000 stochastic runs, sensitivity.

    python scripts/bench_projection.py --warehouse data/warehouse/yibao.duckdb          # print
    python scripts/bench_projection.py --warehouse data/warehouse/yibao.duckdb --write  # and update the doc

Each step runs once cold (in a fresh process: the life table is calibrated on first use), then
--repeat times warm; p50/p95 in milliseconds go into a Markdown table, which --write puts between
the bench markers of docs/actuarial-projection.md. A benchmark, not a test: nothing fails over the
targets (deterministic run < 100 ms for 30 years, 1,000 simulations < 5 s); they are only marked.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DOC = ROOT / "docs" / "actuarial-projection.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"
TARGETS_MS = {"project (30 years)": 100.0, "simulate (1,000 runs)": 5000.0}


def timed(function, repeat: int) -> tuple[float, float, float]:
    """(cold ms, warm p50 ms, warm p95 ms)."""
    start = time.perf_counter()
    function()
    cold = (time.perf_counter() - start) * 1000
    warm = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        warm.append((time.perf_counter() - start) * 1000)
    warm.sort()
    return cold, statistics.median(warm), warm[min(len(warm) - 1, int(0.95 * len(warm)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, default=os.environ.get("YIBAO_WAREHOUSE"),
                        help="built warehouse (default $YIBAO_WAREHOUSE)")
    parser.add_argument("--repeat", type=int, default=30, help="warm repetitions per step")
    parser.add_argument("--write", action="store_true", help="update the table in docs/actuarial-projection.md")
    args = parser.parse_args()
    if not args.warehouse or not Path(args.warehouse).is_file():
        raise SystemExit("give --warehouse (a built warehouse) or set YIBAO_WAREHOUSE")

    from analytics.projection import load_base, project, scenario, sensitivity, simulate

    assumptions = scenario("intermediate")
    base = load_base(args.warehouse)
    steps = {
        "load_base": lambda: load_base(args.warehouse),
        "project (30 years)": lambda: project(base, assumptions),
        "simulate (1,000 runs)": lambda: simulate(base, assumptions, n=1000, seed=0),
        "sensitivity (13 assumptions × 2)": lambda: sensitivity(base, assumptions),
    }
    slow = max(3, args.repeat // 5)
    repeats = {"simulate (1,000 runs)": slow, "sensitivity (13 assumptions × 2)": slow}
    rows = []
    for name, function in steps.items():
        cold, p50, p95 = timed(function, repeats.get(name, args.repeat))
        target = TARGETS_MS.get(name)
        mark = "" if target is None else (" ✓" if p95 < target else " ✗ over target")
        rows.append(f"| {name} | {cold:,.1f} | {p50:,.1f} | {p95:,.1f}{mark} |")
    lines = [START, "",
             f"{dt.date.today()} · {os.cpu_count()} cores, {platform.machine()} · warehouse "
             f"`{Path(args.warehouse).name}` ({base.label}, {base.population.sum():,.0f} insured) · warm runs: "
             f"{args.repeat} (simulate and sensitivity: {slow})", "",
             "| step | cold (ms) | warm p50 (ms) | warm p95 (ms) |", "|---|---:|---:|---:|", *rows, "", END]
    table = "\n".join(lines)
    print(table)
    if args.write:
        text = DOC.read_text(encoding="utf-8")
        head, rest = text.split(START, 1)
        DOC.write_text(head + table + rest.split(END, 1)[1], encoding="utf-8")


if __name__ == "__main__":
    main()
