"""Recall and false positives of fct_rule_hit per rule family against a generator's ground truth.

    python scripts/eval_rule_hits.py --warehouse W.duckdb --truth DELIVERY/truth/violations.csv

A truth case is found when the mart has a hit with its rule_id on its fee line (bkkp_sn) or, for
a visit-level case, on its visit (mdtrt_id). A false positive is a hit the truth does not list.
'same amount' counts the found cases whose truth amount equals the hit's suspect_amt (one amount
convention, docs/rule-engine.md: it should equal 'found').
Volume inflation (fabricated repeat visits) is an institution-level pattern no line or visit rule
can single out: its recall cell says it is left to the risk ranking (fct_institution_risk);
any other family without hits shows '—'. Prints a Markdown table for docs/rule-engine.md.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import duckdb

# Families the rule layer leaves to another part of targeting, with what the recall cell says.
LEFT_TO_RANKING = {"volume_inflation": "left to the risk ranking (fct_institution_risk)"}

QUERY = """
with truth as (
    select violation_type as family, rule_id, mdtrt_id, coalesce(bkkp_sn, '') as line,
           cast(amount as decimal(18, 2)) as amount
    from read_csv(?, all_varchar = true)
),
hits as (
    select rule_family as family, rule_id, mdtrt_id, coalesce(bkkp_sn, '') as line, suspect_amt
    from marts.fct_rule_hit
),
recall as (
    select truth.family, count(*) as injected, count(hits.rule_id) as found,
           count(case when truth.amount = hits.suspect_amt then 1 end) as same_amount
    from truth left join hits using (rule_id, mdtrt_id, line)
    group by truth.family
),
precision as (
    select hits.family, count(*) as hits, count(*) - count(truth.rule_id) as false_positives,
           sum(hits.suspect_amt) as suspect_amt
    from hits left join truth using (rule_id, mdtrt_id, line)
    group by hits.family
)
select coalesce(recall.family, precision.family), coalesce(injected, 0), coalesce(found, 0),
       coalesce(same_amount, 0), coalesce(hits, 0), coalesce(false_positives, 0), coalesce(suspect_amt, 0)
from recall full join precision on recall.family = precision.family
order by 1
"""


def evaluate(warehouse: Path, truth: Path) -> list[tuple]:
    """One row per family: injected, found, found with the same amount, hits, false positives,
    suspect amount (元)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(QUERY, [str(truth)]).fetchall()
    finally:
        con.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, required=True, help="built warehouse (marts.fct_rule_hit)")
    parser.add_argument("--truth", type=Path, required=True, help="truth/violations.csv of the same delivery")
    args = parser.parse_args()
    print("| family | injected | found | recall | same amount | hits | false positives | suspect amount (元) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for family, injected, found, same, hits, fp, amount in evaluate(args.warehouse, args.truth):
        recall = LEFT_TO_RANKING.get(family) or (f"{found / injected:.1%}" if injected and hits else "—")
        print(f"| {family} | {injected:,} | {found:,} | {recall} | {same:,} | {hits:,} | {fp:,} | {amount:,.2f} |")


if __name__ == "__main__":
    main()
