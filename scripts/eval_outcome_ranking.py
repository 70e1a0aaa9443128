"""Gain of the outcome-learned ranking (fct_institution_risk_learned) over the unlabelled one.

    python scripts/eval_outcome_ranking.py --warehouse W.duckdb [--json out.json]

The labels are the office's own outcomes, not the generator's truth: the ranking of period t
(made on R_t = 1 January of t + 1) is judged on the cases opened on or after R_t whose conduct
overlaps year t (analytics.targeting.outcomes.confirming), over the institutions ranked in t
that no case had confirmed for t before R_t (already found: no longer a target). A period is
evaluated when the ledgers run at least 180 days past R_t. Per evaluated period and pooled
(every evaluated institution-year ranked by its score), for both scores: precision and recall at
k = 10 % of the rows (rounded up), average precision (PR-AUC). Prints Markdown for the README.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

from analytics.targeting.outcomes import EVALUATION_MIN_DAYS, confirming, ranking_date  # noqa: E402
from eval_risk_ranking import quality  # noqa: E402


@dataclass(frozen=True)
class Gain:
    period: str
    model_status: str
    institutions: int
    confirmed: int
    k: int
    unlabelled_precision_at_k: float
    learned_precision_at_k: float
    unlabelled_recall_at_k: float
    learned_recall_at_k: float
    unlabelled_average_precision: float
    learned_average_precision: float


def read(warehouse: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.Timestamp]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        ranked = con.execute("select period, fixmedins_code, risk_score, learned_score, model_status "
                             "from marts.fct_institution_risk_learned").df()
        cases = con.execute("select case_id, subject_type, fixmedins_code, open_date, viol_begndate, viol_enddate "
                            "from staging.stg_enforcement_cases").df()
        as_of = pd.Timestamp(con.execute("select as_of_date from intermediate.int_enforcement_as_of").fetchone()[0])
    finally:
        con.close()
    return ranked, cases, as_of


def evaluation_rows(ranked: pd.DataFrame, cases: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """The evaluated institution-years with `confirmed`: a case opened in [R_t, as_of] confirms them."""
    out = []
    for period, rows in ranked.groupby("period", sort=True):
        day = ranking_date(period)
        if (as_of - day).days < EVALUATION_MIN_DAYS:
            continue
        found = confirming(cases, period)
        opened = pd.to_datetime(found["open_date"])
        before = set(found.loc[opened < day, "fixmedins_code"])
        after = set(found.loc[(opened >= day) & (opened <= as_of), "fixmedins_code"])
        rows = rows[~rows["fixmedins_code"].isin(before)]
        out.append(rows.assign(confirmed=rows["fixmedins_code"].isin(after)))
    return pd.concat(out, ignore_index=True) if out else ranked.iloc[:0].assign(confirmed=False)


def gain(period: str, rows: pd.DataFrame) -> Gain:
    relevant = rows["confirmed"].to_numpy()
    _, k, p0, r0, _, ap0 = quality(rows["risk_score"].to_numpy(dtype=float), relevant)
    _, _, p1, r1, _, ap1 = quality(rows["learned_score"].to_numpy(dtype=float), relevant)
    status = "/".join(sorted(rows["model_status"].unique()))
    return Gain(period, status, len(rows), int(relevant.sum()), k, p0, p1, r0, r1, ap0, ap1)


def evaluate(warehouse: Path) -> list[Gain]:
    ranked, cases, as_of = read(warehouse)
    rows = evaluation_rows(ranked, cases, as_of)
    out = [gain(period, part) for period, part in rows.groupby("period", sort=True)]
    trained = rows[rows["model_status"] == "trained"]
    if len(trained):
        # Pooled over the trained periods, scores standardised within each period.
        z = lambda s: (s - s.mean()) / (s.std(ddof=0) or 1.0)  # noqa: E731
        pooled = trained.assign(risk_score=trained.groupby("period")["risk_score"].transform(z),
                                learned_score=trained.groupby("period")["learned_score"].transform(z))
        out.append(gain("pooled (trained periods)", pooled))
    return out


def markdown(gains: list[Gain]) -> str:
    lines = ["| period | model | institutions | confirmed later | k | precision@k unlabelled → learned "
             "| recall@k | average precision |", "|---|---|---:|---:|---:|---|---|---|"]
    for g in gains:
        lines.append(f"| {g.period} | {g.model_status} | {g.institutions} | {g.confirmed} | {g.k} "
                     f"| {g.unlabelled_precision_at_k:.2f} → {g.learned_precision_at_k:.2f} "
                     f"| {g.unlabelled_recall_at_k:.2f} → {g.learned_recall_at_k:.2f} "
                     f"| {g.unlabelled_average_precision:.2f} → {g.learned_average_precision:.2f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, required=True, help="built warehouse")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    gains = evaluate(args.warehouse)
    print(markdown(gains))
    if args.json:
        args.json.write_text(json.dumps([asdict(g) for g in gains], ensure_ascii=False, indent=1,
                                        default=lambda x: None if x != x else x))


if __name__ == "__main__":
    main()
