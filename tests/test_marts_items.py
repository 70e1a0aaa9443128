"""Key drugs and consumables marts (dim_items, fct_key_item_month) on the generated demo data.

The independent checks recompute indicators in pandas from the raw generated CSV files (not
from the warehouse): fee lines are attributed to the month of their valid settlement, refund
lines are negative, money is summed as Decimal to the fen.
"""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from tests.db import query

ROOT = Path(__file__).resolve().parents[1]
KEY_DRUG = "人血白蛋白"
KEY_CONSUMABLE = "血液灌流器"
DRUG_LIST_TYPES = {"101", "102", "103", "104"}


def _read(delivery: Path, table: str) -> pd.DataFrame:
    frame = pd.read_csv(delivery / f"{table}.csv", dtype=str, keep_default_na=False)
    return frame[frame["vali_flag"] == "1"]


@pytest.fixture(scope="module")
def settled_lines(demo_delivery) -> pd.DataFrame:
    """Valid fee lines with the month of their valid settlement and Decimal amounts."""
    lines = _read(demo_delivery, "fee_list_d")
    assert lines["bkkp_sn"].is_unique                     # one delivery: no re-delivered keys
    setl = _read(demo_delivery, "setl_d")[["setl_id", "setl_time"]]
    setl = setl.assign(setl_month=pd.to_datetime(setl["setl_time"]).dt.to_period("M").dt.to_timestamp().dt.date)
    merged = lines.merge(setl[["setl_id", "setl_month"]], on="setl_id", how="inner")
    for column in ("det_item_fee_sumamt", "inscp_amt", "cnt"):
        merged[column] = merged[column].map(lambda v: Decimal(v) if v else Decimal(0))
    return merged


@pytest.fixture(scope="module")
def catalogue(demo_delivery) -> pd.DataFrame:
    return _read(demo_delivery, "hilist_b")


def _code(catalogue: pd.DataFrame, name: str) -> str:
    codes = catalogue.loc[catalogue["hilist_name"] == name, "hilist_code"].tolist()
    assert len(codes) == 1, name
    return codes[0]


def _recompute(lines: pd.DataFrame) -> dict:
    """Spend, quantity, institutions and patients per month, as defined in _items__docs.md."""
    out = {}
    for month, group in lines.groupby("setl_month"):
        per_psn = group.groupby("psn_no")["cnt"].sum()
        per_inst = group.groupby("fixmedins_code")["cnt"].sum()
        out[month] = (sum(group["det_item_fee_sumamt"], Decimal(0)), sum(group["cnt"], Decimal(0)),
                      int((per_inst > 0).sum()), int((per_psn > 0).sum()))
    return out


@pytest.mark.parametrize("name", [KEY_DRUG, KEY_CONSUMABLE])
def test_key_item_spend_quantity_and_counts_match_pandas_from_raw_csv(name, settled_lines, catalogue, demo_warehouse):
    code = _code(catalogue, name)
    expected = _recompute(settled_lines[settled_lines["hilist_code"] == code])
    assert len(expected) >= 12                            # the item is used in most months
    mart = {row[0]: row[1:] for row in query(demo_warehouse, """
        select setl_month, spend, quantity, n_institutions, n_patients
        from marts.fct_key_item_month where hilist_code = ? order by setl_month""", [code])}
    # months without use are zero rows in the mart; every month with use matches to the fen
    for month, (spend, quantity, n_inst, n_psn) in expected.items():
        assert mart[month] == (spend.quantize(Decimal("0.01")), quantity, n_inst, n_psn), (name, month)
    assert all(row == (Decimal("0.00"), Decimal("0"), 0, 0) for m, row in mart.items() if m not in expected)


def test_one_month_of_a_key_drug_matches_pandas_including_unit_price_and_share(settled_lines, catalogue, demo_warehouse):
    code = _code(catalogue, KEY_DRUG)
    month = settled_lines.loc[settled_lines["hilist_code"] == code, "setl_month"].max()
    in_month = settled_lines[settled_lines["setl_month"] == month]
    item = in_month[in_month["hilist_code"] == code]
    drugs = in_month[in_month["list_type"].isin(DRUG_LIST_TYPES)]
    spend = sum(item["det_item_fee_sumamt"], Decimal(0))
    quantity = sum(item["cnt"], Decimal(0))
    class_spend = sum(drugs["det_item_fee_sumamt"], Decimal(0))
    [(m_spend, m_inscp, m_price, m_class, m_share, reason)] = query(demo_warehouse, """
        select spend, inscp_spend, avg_unit_price, class_spend, share_of_class_spend, inclusion_reason
        from marts.fct_key_item_month where hilist_code = ? and setl_month = ?""", [code, month])
    assert m_spend == spend
    assert m_inscp == sum(item["inscp_amt"], Decimal(0))
    assert m_price == (spend / quantity).quantize(Decimal("0.0001"))
    assert m_class == class_spend
    assert abs(float(m_share) - float(spend / class_spend)) < 0.00006
    assert reason.startswith("key_item")


def test_top_spend_scope_is_the_top_20_drugs_and_consumables_by_inscp_amt(settled_lines, catalogue, demo_warehouse):
    classes = catalogue.set_index("hilist_code")["list_type"].map(
        lambda t: "drug" if t in DRUG_LIST_TYPES else "consumable" if t == "301" else "service")
    lines = settled_lines.assign(item_class=settled_lines["hilist_code"].map(classes))
    totals = lines.groupby(["item_class", "hilist_code"])["inscp_amt"].apply(lambda s: sum(s, Decimal(0)))
    expected = set()
    for item_class in ("drug", "consumable"):
        ranked = totals[item_class].sort_values(ascending=False)
        assert ranked.iloc[19] > ranked.iloc[20] if len(ranked) > 20 else True   # no tie at the cut
        expected |= set(ranked.index[:20])
    mart = {code for (code,) in query(demo_warehouse,
                                      "select distinct hilist_code from marts.fct_key_item_month where is_top_spend_item")}
    assert mart == expected


def test_every_key_item_in_the_seed_matches_the_catalogue_and_used_ones_are_monitored(demo_warehouse):
    with (ROOT / "dbt_project/seeds/items/key_items.csv").open(encoding="utf-8", newline="") as fh:
        seed_ids = {row["key_item_id"] for row in csv.DictReader(fh)}
    matched = {k for (k,) in query(demo_warehouse, "select distinct key_item_id from marts.dim_items where is_key_item")}
    assert matched == seed_ids
    # every key item that was billed has rows in the fact; the unbilled ones have none
    unmonitored = query(demo_warehouse, """
        select d.hilist_name from marts.dim_items d
        where d.is_key_item
          and d.hilist_code not in (select hilist_code from marts.fct_key_item_month)
          and d.hilist_code in (select hilist_code from intermediate.int_fee_lines)""")
    assert unmonitored == []
    names = {n for (n,) in query(demo_warehouse, "select distinct hilist_name from marts.fct_key_item_month where is_key_item")}
    assert {KEY_DRUG, KEY_CONSUMABLE, "复方丹参片", "阿托伐他汀钙片", "血液透析滤过器"} <= names
    assert "丹参(饮片)" not in names and "血液灌流" not in names


def test_dim_items_has_one_row_per_catalogue_entry_with_price_cap_at_data_end(catalogue, demo_warehouse):
    assert query(demo_warehouse, "select count(*), count(distinct hilist_code) from marts.dim_items") == [
        (len(catalogue), catalogue["hilist_code"].nunique())]
    code = _code(catalogue, KEY_CONSUMABLE)
    [(cap, item_class, level)] = query(demo_warehouse,
                                       "select price_cap, item_class, chrgitm_lv_name_zh from marts.dim_items where hilist_code = ?",
                                       [code])
    assert (cap, item_class, level) == (Decimal("1500.0000"), "consumable", "乙类")


def test_anomaly_flags_carry_a_reason_and_are_rare(demo_warehouse):
    [(rows, flagged, with_reason, mismatched)] = query(demo_warehouse, """
        select count(*),
               sum(case when is_anomaly then 1 else 0 end),
               sum(case when anomaly_reason is not null then 1 else 0 end),
               sum(case when is_anomaly <> (is_spend_spike or is_yoy_surge) then 1 else 0 end)
        from marts.fct_key_item_month""")
    assert flagged == with_reason and mismatched == 0
    assert 0 < flagged < 0.25 * rows
    # flagged months are large-spend months (使用金额大)
    assert query(demo_warehouse, "select count(*) from marts.fct_key_item_month where is_anomaly and spend < 10000") == [(0,)]
