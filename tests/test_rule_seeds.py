"""The NHSA 两库 rule tables land as seeds unchanged: every row, codes as text with leading zeros."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.db import query

SEEDS = Path(__file__).resolve().parents[1] / "dbt_project" / "seeds" / "nhsa"
RULE_FILES = sorted(p.stem for p in SEEDS.glob("rules_*.csv"))


@pytest.mark.parametrize("name", RULE_FILES)
def test_rule_seed_has_every_row_of_its_file(demo_warehouse, name):
    with (SEEDS / f"{name}.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    landed = query(demo_warehouse, f"select rule_id from seeds.{name}")
    assert sorted(r[0] for r in landed) == sorted(r["rule_id"] for r in rows)


def test_item_codes_keep_their_leading_zeros(demo_warehouse):
    lengths = query(demo_warehouse, """
        select distinct length(main_item_code) from seeds.rules_item_repeat_pairs
        union select distinct length(secondary_item_code) from seeds.rules_item_repeat_pairs
        union select distinct length(item_code) from seeds.rules_item_frequency""")
    assert {r[0] for r in lengths} == {15}
    zeros = query(demo_warehouse, "select count(*) from seeds.rules_item_repeat_pairs where main_item_code like '0%'")
    assert zeros[0][0] > 0


def test_numeric_limits_are_numbers(demo_warehouse):
    (ratio, per_day), = query(demo_warehouse, """
        select (select max(secondary_fee_ratio) from seeds.rules_item_primary_secondary),
               (select min(max_qty_per_day) from seeds.rules_item_frequency)""")
    assert 0 < ratio <= 1 and per_day > 0
    windows = query(demo_warehouse, """
        select distinct time_window, time_window_hours from seeds.rules_item_repeat_pairs""")
    hourly = {w: h for w, h in windows if w.endswith("h")}
    assert hourly and all(h == int(w[:-1]) for w, h in hourly.items())
    assert all(h is None for w, h in windows if w not in hourly)  # same day / same visit windows
