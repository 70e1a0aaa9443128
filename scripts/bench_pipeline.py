"""Time and peak memory of each data step (generate, load, dbt build) at given sizes.

    python scripts/bench_pipeline.py --persons 20000 --years 3          # the demo
    python scripts/bench_pipeline.py --persons 400000 --years 1 --format parquet

Each step runs as its own process; peak memory is that process's maximum resident set size
(os.wait4), so the figures are what a user of the CLI sees. Results are appended as JSON lines
to docs/benchmarks.jsonl and printed as a Markdown table for the README.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def run_step(name: str, args: list[str], env: dict[str, str]) -> dict:
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status) != 0:
            out.seek(0)
            raise SystemExit(f"{name} failed:\n{out.read().decode(errors='replace')[-5000:]}")
    return {"step": name, "seconds": round(seconds, 1), "peak_rss_mib": round(usage.ru_maxrss / 1024)}


def count_rows(landing: Path) -> dict[str, int]:
    import duckdb

    con = duckdb.connect(str(landing), read_only=True)
    try:
        return dict(con.execute("SELECT table_name, sum(rows_landed) FROM meta.batches GROUP BY 1").fetchall())
    finally:
        con.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=20_000)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--format", default="csv", choices=["csv", "parquet"])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--skip-build", action="store_true", help="generate and load only")
    parser.add_argument("--workdir", type=Path, help="keep the data here instead of a temp dir")
    opts = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="yibao-bench-") as tmp:
        work = opts.workdir or Path(tmp)
        raw, landing, warehouse = work / "raw", work / "landing.duckdb", work / "warehouse.duckdb"
        env = {**os.environ, "YIBAO_LANDING": str(landing), "YIBAO_WAREHOUSE": str(warehouse),
               "DBT_PROFILES_DIR": str(ROOT)}
        python = str(BIN / "python")
        steps = [
            run_step("generate", [python, "-m", "ingest", "generate", "--out", str(raw),
                                  "--persons", str(opts.persons), "--years", str(opts.years),
                                  "--seed", str(opts.seed), "--format", opts.format], env),
            run_step("load", [python, "-m", "ingest", "load", str(raw), "--landing", str(landing)], env),
        ]
        rows = count_rows(landing)
        if not opts.skip_build:
            steps.append(run_step("dbt build", [str(BIN / "dbt"), "build", "--quiet",
                                                "--target-path", str(work / "target")], env))
    record = {
        "date": dt.date.today().isoformat(), "persons": opts.persons, "years": opts.years,
        "format": opts.format, "machine": f"{os.cpu_count()} cores, {platform.machine()}",
        "fee_lines": rows.get("fee_list_d", 0), "settlements": rows.get("setl_d", 0), "steps": steps,
    }
    out = ROOT / "docs" / "benchmarks.jsonl"
    out.parent.mkdir(exist_ok=True)
    with out.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(f"\n{opts.persons:,} persons × {opts.years} years ({opts.format}): "
          f"{record['settlements']:,} settlements, {record['fee_lines']:,} fee lines\n")
    print("| step | seconds | peak memory (MiB) |\n|---|---:|---:|")
    for s in steps:
        print(f"| {s['step']} | {s['seconds']} | {s['peak_rss_mib']:,} |")


if __name__ == "__main__":
    main()
