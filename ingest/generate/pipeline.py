"""The generate() entry point: persons and reference tables first, then visits, fee lines and
settlements block by block of persons (bounded memory), then the finance tables, the
enforcement ledgers (from the injected violations) and the truth."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np

from ingest.contracts import TABLES

from . import violations
from .enforcement import enforcement_tables
from .catalogue import build_catalogue, hilist_table, lmtpric_table
from .diagnoses import diag_table, oprn_table
from .fees import build_lines, drop_period_repeats
from .finance import FinanceAccumulator, budget_table, income_tables
from .institutions import build_institutions, fixmedins_table, roles_table
from .persons import generate_persons, insured_population_table, psn_info_table, psn_insu_table
from .settlement import settle
from .tables import fee_table, make_ids, mdtrt_table, setl_table
from .util import rng_for
from .visits import Period, generate_visits
from .writer import TableWriter

FORMATS = ("csv", "parquet", "xlsx")
ENCODINGS = ("utf-8", "gb18030")
LINES_PER_BLOCK = 1_500_000     # about; sets the person-block size (memory bound)


def _check_args(persons: int, years: int, start_year: int, fmt: str, encoding: str) -> str:
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {FORMATS}, not {fmt!r}")
    enc = encoding.lower().replace("_", "-")
    enc = {"utf8": "utf-8", "gb-18030": "gb18030"}.get(enc, enc)
    if enc not in ENCODINGS:
        raise ValueError(f"encoding must be one of {ENCODINGS}, not {encoding!r}")
    if fmt != "csv" and enc != "utf-8":
        raise ValueError("encoding applies to csv only")
    if persons < 500:
        raise ValueError("persons must be at least 500 (a county needs a few institutions' worth of people)")
    if not 1 <= years <= 6:
        raise ValueError("years must be between 1 and 6")
    if not 2019 <= start_year <= 2030 - years + 1:
        raise ValueError("start_year + years must stay within 2019..2030 (Spring Festival table)")
    return enc


def generate(out_dir: Path, *, persons: int = 20_000, years: int = 3, start_year: int = 2022,
             seed: int = 42, fmt: str = "csv", encoding: str = "utf-8",
             progress: Callable[[str, int, int], None] | None = None) -> dict[str, int]:
    """Write every raw table of ingest.contracts.TABLES to out_dir/<table>.<ext> and the ground
    truth to out_dir/truth/. Returns rows written per table."""
    enc = _check_args(persons, years, start_year, fmt, encoding)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    report = progress or (lambda step, done, total: None)

    per = Period.build(start_year, years)
    p = generate_persons(persons, per.start_day, per.end_day, years, seed)
    inst = build_institutions(persons, seed, start_year)
    cat = build_catalogue()
    writers = {name: TableWriter(out_dir, t, fmt, enc) for name, t in TABLES.items()}
    try:
        small = [("psn_info_b", lambda: psn_info_table(p)),
                 ("psn_insu_d", lambda: psn_insu_table(p, per.start_day, per.end_day, seed)),
                 ("insured_population", lambda: insured_population_table(p, start_year, years)),
                 ("fixmedins_b", lambda: fixmedins_table(inst)),
                 ("hilist_b", lambda: hilist_table(cat, start_year)),
                 ("hilist_lmtpric_d", lambda: lmtpric_table(cat, start_year))]
        for k, (name, build) in enumerate(small):
            writers[name].write(build())
            report("reference tables", k + 1, len(small))

        plan = violations.Plan.build(p, inst, per, seed)
        truth = violations.Truth()
        acc = FinanceAccumulator(per, inst.n)
        block = max(2_000, int(LINES_PER_BLOCK / (40 * years)))
        starts = list(range(0, p.n, block))
        base = np.zeros(5, dtype=np.int64)      # id counters: visit, setl, line, diag, oprn
        for b, lo in enumerate(starts):
            hi = min(lo + block, p.n)
            rng = rng_for(seed, 100, b)
            v = generate_visits(p, lo, hi, inst, per, rng)
            v = violations.inject_visits(v, p, inst, per, plan, lo, hi, rng)
            lines = build_lines(v, p, inst, cat, rng)
            lines = violations.inject_lines(lines, v, p, inst, cat, plan, rng)
            lines = drop_period_repeats(lines, v, cat)
            st = settle(v, lines, p, inst, cat, per, rng)
            ids = make_ids(len(v), len(st.s), len(st.lines), (base[0], base[1], base[2]))
            writers["mdtrt_d"].write(mdtrt_table(v, p, inst, ids, int(base[0]), seed))
            writers["setl_d"].write(setl_table(st, v, p, inst, ids))
            writers["fee_list_d"].write(fee_table(st, v, p, inst, cat, ids, seed, int(base[2])))
            dt = diag_table(st, v, p, ids.setl, ids.mdtrt, int(base[3]), rng)
            ot = oprn_table(st, v, p, ids.setl, ids.mdtrt, int(base[4]))
            writers["setl_list_diag_d"].write(dt)
            writers["setl_list_oprn_d"].write(ot)
            truth.collect(st, v, p, inst, cat, ids)
            acc.add(st, v, p)
            base += np.array([len(v), len(st.s), len(st.lines), dt.num_rows, ot.num_rows])
            report("visits, settlements and fee lines", b + 1, len(starts))

        income, balance = income_tables(acc, p, seed)
        writers["fund_income"].write(income)
        writers["fund_balance"].write(balance)
        writers["fixmedins_budget"].write(budget_table(acc, inst, seed))
        report("finance tables", 1, 1)
        for name, table in enforcement_tables(truth.table(), inst, per, seed).items():
            writers[name].write(table)
        report("enforcement ledgers", 1, 1)
    finally:
        for w in writers.values():
            w.close()
    truth.write(out_dir / "truth", roles_table(inst))
    report("truth", 1, 1)
    return {name: w.rows for name, w in writers.items()}
