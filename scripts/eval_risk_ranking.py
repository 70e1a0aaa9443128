"""Ranking quality of fct_institution_risk against a generator's ground truth (truth/institutions.csv).

    python scripts/eval_risk_ranking.py --warehouse W.duckdb --truth DELIVERY/truth/institutions.csv

An institution is truly injected when its role starts with 'fraud_'. Per period and pooled (every
institution × period ranked together by risk_score): precision and recall at k = 10 % of the
institutions (rounded up: the 2019 notice's "at least 10 %"), precision at R = the number of
injected institutions (this is the R-precision), average precision (PR-AUC) and the rank of every
legit_unusual institution with whether it falls inside k; then the rank of every injected and
legit_unusual institution per period. Reads only the mart and the truth file, so it takes well under
a second at county scale. Prints Markdown for docs/risk-ranking.md.
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np

QUERY = """
with truth as (
    select fixmedins_code, role from read_csv(?, all_varchar = true)
)
select risk.period, risk.fixmedins_code, risk.fixmedins_name, risk.risk_score, risk.risk_rank,
       coalesce(truth.role, 'clean') as role
from marts.fct_institution_risk as risk
left join truth using (fixmedins_code)
order by risk.period, risk.risk_rank
"""


@dataclass(frozen=True)
class Measure:
    """Ranking quality of one period (or of the pooled ranking)."""
    period: str
    institutions: int
    injected: int
    k: int
    precision_at_k: float
    recall_at_k: float
    r_precision: float
    average_precision: float
    legit_unusual: list[tuple[str, int, bool]]     # (name, rank, inside k)


def rows(warehouse: Path, truth: Path) -> list[tuple]:
    """(period, code, name, score, rank, role), by period and rank."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(QUERY, [str(truth)]).fetchall()
    finally:
        con.close()


def quality(scores: np.ndarray, relevant: np.ndarray) -> tuple[np.ndarray, int, float, float, float, float]:
    """Of the ranking by descending score (ties: the order given): the order, k = 10 % of the
    rows rounded up, precision@k, recall@k, R-precision and average precision (PR-AUC)."""
    order = np.argsort(-scores, kind="stable")
    hit = np.asarray(relevant, dtype=bool)[order]
    n, r = len(order), int(hit.sum())
    k = math.ceil(0.10 * n)
    hits = np.cumsum(hit)
    average_precision = float((hits / np.arange(1, n + 1))[hit].sum() / r) if r else float("nan")
    nan = float("nan")
    return (order, k, hits[k - 1] / k, hits[k - 1] / r if r else nan, hits[r - 1] / r if r else nan,
            average_precision)


def measure(period: str, names: list[str], roles: list[str], scores: np.ndarray) -> Measure:
    """Quality of the ranking by descending score (ties: the order given)."""
    relevant = np.array([role.startswith("fraud_") for role in roles])
    order, k, precision, recall, r_precision, average_precision = quality(scores, relevant)
    rank_of = {i: pos + 1 for pos, i in enumerate(order)}
    legit = [(names[i], rank_of[i], rank_of[i] <= k) for i in range(len(order)) if roles[i] == "legit_unusual"]
    return Measure(period, len(order), int(relevant.sum()), k, precision, recall, r_precision, average_precision,
                   legit)


def evaluate(warehouse: Path, truth: Path) -> list[Measure]:
    """One Measure per period, then the pooled ranking (period 'pooled')."""
    data = rows(warehouse, truth)
    periods = sorted({row[0] for row in data})
    out = []
    for period in periods:
        part = [row for row in data if row[0] == period]
        out.append(measure(period, [row[2] for row in part], [row[5] for row in part],
                           np.array([row[3] for row in part], dtype=float)))
    out.append(measure("pooled", [f"{row[2]} ({row[0]})" for row in data], [row[5] for row in data],
                       np.array([row[3] for row in data], dtype=float)))
    return out


def role_ranks(warehouse: Path, truth: Path) -> str:
    """Markdown table: the rank of every injected and legit_unusual institution in each period."""
    data = [row for row in rows(warehouse, truth) if row[5] != "clean"]
    periods = sorted({row[0] for row in data})
    ranks = {(row[5], row[2], row[0]): row[4] for row in data}
    lines = ["| role | institution | " + " | ".join(periods) + " |", "|---|---|" + "---:|" * len(periods)]
    for role, name in sorted({(row[5], row[2]) for row in data}):
        lines.append(f"| {role} | {name} | " + " | ".join(str(ranks.get((role, name, p), "—")) for p in periods) + " |")
    return "\n".join(lines)


def markdown(measures: list[Measure]) -> str:
    lines = ["| period | institutions | injected | k (10 %) | precision@k | recall@k "
             "| precision@R = R-precision | PR-AUC (AP) | legit_unusual rank (inside k?) |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for m in measures:
        legit = "; ".join(f"{name}: {rank} ({'yes' if inside else 'no'})" for name, rank, inside in m.legit_unusual)
        lines.append(f"| {m.period} | {m.institutions} | {m.injected} | {m.k} | {m.precision_at_k:.2f} "
                     f"| {m.recall_at_k:.2f} | {m.r_precision:.2f} | {m.average_precision:.2f} | {legit or '—'} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, required=True, help="built warehouse (marts.fct_institution_risk)")
    parser.add_argument("--truth", type=Path, required=True, help="truth/institutions.csv of the same delivery")
    args = parser.parse_args()
    print(markdown(evaluate(args.warehouse, args.truth)))
    print()
    print(role_ranks(args.warehouse, args.truth))


if __name__ == "__main__":
    main()
