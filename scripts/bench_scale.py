"""Time and peak memory of the full DuckDB `dbt build` at k times the county, per fee line.

    python scripts/bench_scale.py --landing /tmp/county/landing.duckdb --scales 1,4,16 --work /tmp/scale

The k× landing is k copies of a loaded landing (the county: 400,000 persons, one year) as k
counties of one fund: every identifier that names or links rows (persons, visits,
settlements, fee lines, diagnoses, operations, insurance relations, doctors, institutions) gets
a per-copy prefix, copy 0 keeps the original values, so 1× is the county itself. The catalogue
and price caps are shared, not copied. The fund ledger and the insured counts (fund income,
fund balance, insured population) are per area, so they are kept once with their amounts
multiplied by k, exactly, and every fund identity holds as at 1×.

Each scale's build runs `dbt build` (seeds, every model and test) into a fresh warehouse as
its own process; peak memory is that process's maximum resident set size (os.wait4, as
scripts/bench_pipeline.py measures). Results are appended to docs/benchmarks.jsonl and printed
as Markdown rows for the README. Before each scale the free disk is checked against what the
previous scale used per copy (before the first, five times the source landing), with a 20 %
margin; a scale that would not fit is not started. Each scale's files are removed after it is
measured unless --keep. --select builds only part of the project, for a scale whose full build
would take too long; the record's step name then says "partial".
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import sys
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

from bench_pipeline import run_step  # noqa: E402  (after the path: scripts/ is not a package)
from ingest.contracts import TABLES  # noqa: E402
from ingest.schema import ensure_schema  # noqa: E402

#: Columns whose values identify or link rows; a copy c > 0 prefixes them with 9 and c (2 digits).
ID_COLUMNS = ("setl_id", "mdtrt_id", "init_setl_id", "psn_no", "bkkp_sn", "init_feedetl_sn",
              "setl_list_diag_id", "setl_list_oprn_id", "psn_insu_rlts_id", "ipt_otp_no",
              "chfpdr_code", "bilg_dr_code", "tip_id", "insp_id", "case_id", "credit_event_id", "draw_id")
#: Institution codes are a letter, the 6-digit area and a 5-digit serial (H34150300107); a copy
#: moves the serial by c × INSTITUTION_STEP, keeping the contract's pattern and the area.
INSTITUTION_STEP = 5_000
#: Shared by every copy.
REFERENCE_TABLES = ("hilist_b", "hilist_lmtpric_d")
#: Per area, not per county copy: kept once, the amount × k.
SCALED_TABLES = {"fund_income": "income_amt", "fund_balance": "balance_amt", "insured_population": "psn_cnt"}
#: Copy 19 moves a serial below 5,000 to below 100,000, the last that keeps 5 digits.
MAX_COPIES = 100_000 // INSTITUTION_STEP


def copy_expression(column: str) -> str:
    """SQL for the column's value in copy `c` (a column of the copies range)."""
    if column in ID_COLUMNS:
        prefix = "'9' || lpad(CAST(c AS VARCHAR), 2, '0')"
        return f"CASE WHEN c = 0 THEN {column} ELSE {prefix} || {column} END"
    if column == "fixmedins_code":
        return (f"CASE WHEN c = 0 THEN {column} ELSE substr({column}, 1, 7) || "
                f"lpad(CAST(CAST(substr({column}, 8) AS INTEGER) + c * {INSTITUTION_STEP} AS VARCHAR), 5, '0') END")
    if column == "subject_code":        # an enforcement subject: an institution, a doctor or a person
        institution = copy_expression("fixmedins_code").replace("fixmedins_code", column)
        person = copy_expression("psn_no").replace("psn_no", column)
        return f"CASE WHEN subject_type = '1' THEN {institution} ELSE {person} END"
    if column == "fixmedins_name":
        return f"CASE WHEN c = 0 THEN {column} ELSE {column} || '（' || c || '）' END"
    return column


def replicate(source: Path, target: Path, copies: int) -> dict[str, int]:
    """Write the k-copy landing of `source` to `target` (replaced); rows per raw table."""
    if not 1 <= copies <= MAX_COPIES:
        raise ValueError(f"copies must be 1..{MAX_COPIES}, not {copies}")
    target.unlink(missing_ok=True)
    con = duckdb.connect(str(target))
    try:
        con.execute("SET enable_progress_bar = false")
        ensure_schema(con)
        con.execute(f"ATTACH '{source}' AS src (READ_ONLY)")
        for name, table in TABLES.items():
            columns = [*table.column_names, "_batch_id"]
            if name in REFERENCE_TABLES:
                select = f"SELECT {', '.join(columns)} FROM src.raw.{name}"
            elif name in SCALED_TABLES:
                amount = SCALED_TABLES[name]
                select = "SELECT " + ", ".join(f"{c} * {copies}" if c == amount else c for c in columns) + \
                         f" FROM src.raw.{name}"
            else:
                select = (f"SELECT {', '.join(copy_expression(c) for c in columns)} "
                          f"FROM src.raw.{name}, range({copies}) AS copies(c)")
            con.execute(f"INSERT INTO raw.{name} ({', '.join(columns)}) {select}")
        con.execute("INSERT INTO meta.batches SELECT * FROM src.meta.batches")
        con.execute("INSERT INTO meta.quarantine SELECT * FROM src.meta.quarantine")
        con.execute("CHECKPOINT")
        return {name: con.execute(f"SELECT count(*) FROM raw.{name}").fetchone()[0] for name in TABLES}
    finally:
        con.close()


def build(landing: Path, work: Path, memory: str, select: list[str]) -> tuple[dict, int]:
    """`dbt build` (everything, or the --select) of the landing into work/yibao.duckdb;
    (step figures, warehouse bytes)."""
    warehouse = work / "yibao.duckdb"
    env = {**os.environ, "YIBAO_LANDING": str(landing), "YIBAO_WAREHOUSE": str(warehouse),
           "YIBAO_DUCKDB_MEMORY": memory, "DBT_PROFILES_DIR": str(ROOT)}
    dbt = str(Path(sys.executable).parent / "dbt")
    selection = ["--select", *select] if select else []
    name = "dbt build" + (f" --select {' '.join(select)} (partial)" if select else "")
    step = run_step(name, [dbt, "build", *selection, "--target-path", str(work / "target"),
                           "--log-path", str(work / "logs")], env)
    return step, warehouse.stat().st_size


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def measure(source: Path, work: Path, copies: int, memory: str, select: list[str]) -> dict:
    """Replicate, build and measure one scale; the benchmarks.jsonl record."""
    started = time.perf_counter()
    counts = replicate(source, work / "landing.duckdb", copies)
    replicate_s = time.perf_counter() - started
    load_before = os.getloadavg()[0]
    step, warehouse_bytes = build(work / "landing.duckdb", work, memory, select)
    fee_lines = counts["fee_list_d"]
    return {
        "date": dt.date.today().isoformat(), "scale": copies, "persons": counts["psn_info_b"],
        "fee_lines": fee_lines, "settlements": counts["setl_d"],
        "machine": f"{os.cpu_count()} cores, {platform.machine()}", "memory_limit": memory,
        "replicate_seconds": round(replicate_s, 1),
        "load_average": [round(load_before, 1), round(os.getloadavg()[0], 1)],
        "warehouse_bytes": warehouse_bytes, "disk_bytes": folder_bytes(work),
        "steps": [step],
        "seconds_per_million_fee_lines": round(step["seconds"] / fee_lines * 1e6, 2),
        "peak_rss_mib_per_million_fee_lines": round(step["peak_rss_mib"] / fee_lines * 1e6, 1),
    }


def markdown_table(records: list[dict]) -> str:
    lines = ["| scale | persons | fee lines | dbt build | peak RSS | s per M fee lines | MiB per M fee lines "
             "| warehouse | load average (start → end) |", "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in records:
        s = r["steps"][0]
        lines.append(f"| {r['scale']}× | {r['persons']:,} | {r['fee_lines']:,} | {s['seconds']:,.0f} s | "
                     f"{s['peak_rss_mib'] / 1024:.1f} GiB | {r['seconds_per_million_fee_lines']} | "
                     f"{r['peak_rss_mib_per_million_fee_lines']} | {r['warehouse_bytes'] / 2**30:.1f} GiB | "
                     f"{r['load_average'][0]} → {r['load_average'][1]} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--landing", type=Path, default=Path("/tmp/county/landing.duckdb"),
                        help="a loaded landing database (the county: 400,000 persons × 1 year)")
    parser.add_argument("--scales", default="1,4,16", help="comma-separated copies, e.g. 1,4,16")
    parser.add_argument("--work", type=Path, default=Path("/tmp/scale"), help="where each scale's files go")
    parser.add_argument("--memory", default="4GB", help="DuckDB memory_limit of the build (it spills above)")
    parser.add_argument("--select", nargs="+", default=[],
                        help="build only these (a partial figure, labelled so in the record)")
    parser.add_argument("--keep", action="store_true", help="keep each scale's landing and warehouse")
    opts = parser.parse_args()
    if not opts.landing.exists():
        raise SystemExit(f"landing not found: {opts.landing} (load a delivery with python -m ingest load)")
    # Until a scale has been measured, assume a copy needs its landing plus a warehouse 4× as big.
    bytes_per_copy = 5 * opts.landing.stat().st_size
    records = []
    for copies in sorted(int(s) for s in opts.scales.split(",")):
        work = opts.work / f"x{copies}"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        free = shutil.disk_usage(work).free
        if bytes_per_copy * copies * 1.2 > free:
            print(f"{copies}×: not started, needs ≈ {bytes_per_copy * copies * 1.2 / 2**30:.0f} GiB "
                  f"with 20 % margin, {free / 2**30:.0f} GiB free")
            break
        record = measure(opts.landing, work, copies, opts.memory, opts.select)
        bytes_per_copy = record["disk_bytes"] / copies
        with (ROOT / "docs" / "benchmarks.jsonl").open("a", encoding="utf-8") as f:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
        records.append(record)
        print(f"{copies}× done: {record['steps'][0]['seconds']} s, {record['steps'][0]['peak_rss_mib']} MiB",
              flush=True)
        if not opts.keep:
            shutil.rmtree(work)
    print("\n" + markdown_table(records))


if __name__ == "__main__":
    main()
