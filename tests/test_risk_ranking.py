"""Institution risk ranking (fct_institution_risk, fct_institution_risk_component) on the demo."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.db import query

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import eval_risk_ranking  # noqa: E402


@pytest.fixture(scope="module")
def measures(demo_warehouse, demo_delivery):
    return eval_risk_ranking.evaluate(demo_warehouse, demo_delivery / "truth" / "institutions.csv")


def test_precision_at_the_number_of_injected_institutions_reaches_the_target(measures):
    """Target ≥ 0.7 on the pooled ranking (every institution × year). A single year of the
    3,000-person demo holds only ~400 visits per village clinic, too few to tell +8–30 % volume
    inflation from the clinics' natural spread, so a year may miss those and stay at 6 of 9."""
    *periods, pooled = measures
    assert pooled.period == "pooled" and len(periods) == 2
    assert pooled.r_precision >= 0.7, pooled
    for m in measures:
        assert m.injected >= 9, m
        assert m.r_precision >= 6 / 9 - 1e-9, m
        assert m.precision_at_k == 1.0, m
        assert m.average_precision > 0.75, m


def test_the_legitimate_oncology_hospital_ranks_below_the_injected_count(measures):
    for m in measures:
        assert m.legit_unusual, m
        assert all(rank > m.injected for _, rank, _ in m.legit_unusual), m


def test_ranks_run_from_one_to_n_in_every_period(demo_warehouse):
    rows = query(demo_warehouse, """
        select period, count(*), min(risk_rank), max(risk_rank), count(distinct risk_rank),
               bool_and(risk_percentile > 0 and risk_percentile <= 1)
        from marts.fct_institution_risk group by period""")
    assert len(rows) == 2
    for _, n, low, high, distinct, percentiles_ok in rows:
        assert (low, high, distinct) == (1, n, n) and percentiles_ok
    # the rank follows the score
    assert query(demo_warehouse, """
        select count(*) from marts.fct_institution_risk a join marts.fct_institution_risk b
          on a.period = b.period and a.risk_rank < b.risk_rank and a.risk_score < b.risk_score""") == [(0,)]


def test_components_add_up_to_the_risk_score(demo_warehouse):
    rows = query(demo_warehouse, """
        select risk.institution_period_id, risk.risk_score, sum(c.contribution), count(c.indicator)
        from marts.fct_institution_risk as risk
        left join marts.fct_institution_risk_component as c using (institution_period_id)
        group by all""")
    assert rows and all(abs(score - total) < 1e-9 and n >= 5 for _, score, total, n in rows)
    assert max(score for _, score, _, _ in rows) > 5


def test_top_reasons_are_the_three_largest_contributions_in_order(demo_warehouse):
    components = query(demo_warehouse, """
        select institution_period_id, contribution, reason_rank, reason_zh
        from marts.fct_institution_risk_component""")
    reasons = dict(query(demo_warehouse, "select institution_period_id, top_reasons_zh from marts.fct_institution_risk"))
    by_id: dict[str, list] = {}
    for key, contribution, rank, text in components:
        by_id.setdefault(key, []).append((contribution, rank, text))
    with_reasons = 0
    for key, parts in by_id.items():
        positive = sorted((p for p in parts if p[0] > 0), key=lambda p: -p[0])
        assert [p[1] for p in positive] == list(range(1, len(positive) + 1)), key
        assert all(p[1] is None for p in parts if p[0] == 0), key
        expected = "；".join(p[2] for p in positive[:3])
        assert reasons[key] == expected, key
        with_reasons += bool(positive)
    assert with_reasons > len(by_id) / 2


def test_reasons_carry_the_numbers(demo_warehouse):
    rows = query(demo_warehouse, """
        select reason_zh, value, peer_value from marts.fct_institution_risk_component
        where indicator = 'avg_medfee_per_visit' and reason_rank = 1""")
    assert rows
    for text, value, peer in rows:
        assert text.startswith("次均门诊费用 ") and "同类" in text and "倍）" in text
        assert f"{value:,.0f} 元" in text and f"{peer:,.0f} 元" in text


def test_shrunk_values_lie_between_the_raw_and_the_peer_value(demo_warehouse):
    rows = query(demo_warehouse, """
        select indicator, value, peer_value, shrunk_value, shrinkage_weight, units
        from marts.fct_institution_risk_component""")
    assert all(min(v, p) - 1e-9 <= s <= max(v, p) + 1e-9 for _, v, p, s, _, _ in rows)
    # on the same indicator, institutions with few visits keep less of their deviation than large ones
    compared = 0
    for indicator in {row[0] for row in rows} - {"rule_hit_share"}:
        small = [w for i, v, p, _, w, n in rows if i == indicator and n < 20 and v != p]
        large = [w for i, v, p, _, w, n in rows if i == indicator and n >= 1000 and v != p]
        if small and large and max(large) > 0:
            assert sum(small) / len(small) < sum(large) / len(large), indicator
            compared += 1
    assert compared >= 2
