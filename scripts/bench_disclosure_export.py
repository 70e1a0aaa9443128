"""Wall time and peak memory of the public disclosure export, per step and end to end.

    python scripts/bench_disclosure_export.py --warehouse /tmp/county/yibao.duckdb --period 2022
    python scripts/bench_disclosure_export.py --warehouse data/warehouse/yibao.duckdb --period 2024

Runs `python -m dashboard export disclosure --scope all --format html,pdf,xlsx` in a fresh process
(what an office runs after the nightly build) --repeat times, then once more in-process step by
step (read the marts, write the site, the PDF, the workbook), and prints a Markdown table for the
README: institutions, pages, file sizes, seconds and peak RSS. A benchmark, not a test: nothing
fails over the 2-minute target, it is only marked.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 120.0


def cli_run(warehouse: Path, period: str, out: Path) -> tuple[float, float]:
    """Seconds and peak RSS (MiB) of one CLI export in a child process."""
    env = {**os.environ, "YIBAO_WAREHOUSE": str(warehouse)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "dashboard", "export", "disclosure", "--period", period, "--scope", "all",
                    "--format", "html,pdf,xlsx", "--out", str(out)], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(peak, before) / 1024


def steps(warehouse: Path, period: str, out: Path) -> list[tuple[str, float, str]]:
    os.environ["YIBAO_WAREHOUSE"] = str(warehouse)
    sys.path.insert(0, str(ROOT))
    from dashboard.exports.disclosure import html, output_paths, pdf, xlsx
    from dashboard.exports.disclosure.publication import build_publication

    paths = output_paths(out, period)
    timed = []
    start = time.perf_counter()
    pub = build_publication(period, "all")
    timed.append(("read the marts (Publication)", time.perf_counter() - start,
                  f"{len(pub.institution_pages)} institutions, {sum(len(t.rows) for t in pub.tables):,} table rows"))
    start = time.perf_counter()
    html.write_site(pub, paths["html"].parent)
    site = paths["html"].parent
    size = sum(p.stat().st_size for p in site.rglob("*.html"))
    timed.append(("HTML site", time.perf_counter() - start,
                  f"{len(list(site.rglob('*.html')))} pages, {size / 2**20:.1f} MiB"))
    start = time.perf_counter()
    pdf.write_pdf(pub, paths["pdf"])
    pages = subprocess.run(["pdfinfo", str(paths["pdf"])], capture_output=True, text=True).stdout
    pages = next((line.split()[-1] for line in pages.splitlines() if line.startswith("Pages:")), "?")
    timed.append(("PDF", time.perf_counter() - start,
                  f"{pages} pages, {paths['pdf'].stat().st_size / 2**20:.1f} MiB"))
    start = time.perf_counter()
    xlsx.write_xlsx(pub, paths["xlsx"])
    timed.append(("XLSX", time.perf_counter() - start,
                  f"{len(pub.tables) + 2} sheets, {paths['xlsx'].stat().st_size / 2**20:.1f} MiB"))
    return timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--period", required=True)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        runs = [cli_run(args.warehouse, args.period, Path(tmp) / f"cli{i}") for i in range(args.repeat)]
        detail = steps(args.warehouse, args.period, Path(tmp) / "steps")
    seconds = [s for s, _ in runs]
    print(f"warehouse {args.warehouse}, period {args.period}, {args.repeat} CLI runs, {os.cpu_count()} cores\n")
    print("| step | seconds | what |\n|---|---|---|")
    for name, secs, what in detail:
        print(f"| {name} | {secs:.1f} | {what} |")
    median = statistics.median(seconds)
    mark = "" if median <= TARGET_S else " (over the 2-minute target)"
    print(f"| **CLI end to end** (median of {len(runs)}; min {min(seconds):.1f}, max {max(seconds):.1f}) | "
          f"**{median:.1f}**{mark} | peak RSS {max(p for _, p in runs):.0f} MiB |")


if __name__ == "__main__":
    main()
