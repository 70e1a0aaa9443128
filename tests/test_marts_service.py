"""Service-indicator marts (fct_institution_month, fct_area_month) on the generated demo.

The central test recomputes inpatient indicators for two institutions and one month directly
from the raw generated CSV files with pandas (no dbt model, no seed) and compares them with the
mart; the others check totals against the raw files, the distinct-person roll-ups, the peer
values and that the demo lands in the calibrated ranges of domain.md §6.4.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd
import pytest

from tests.db import query

MONTH = "2024-06"
# inpatient med_types (domain.md §1.10): 住院 21–26 and 210104, 日间手术 28, 生育住院 52
INPATIENT_MED_TYPES = {"21", "22", "23", "24", "25", "26", "210104", "28", "52"}
DRUG_CHRGITM_TYPES = {"09", "10", "11"}          # 西药, 中药饮片, 中成药
CENT, BASIS_POINT = Decimal("0.01"), Decimal("0.0001")


def _read(delivery: Path, table: str, columns: list[str]) -> pd.DataFrame:
    df = pd.read_csv(delivery / f"{table}.csv", dtype=str, keep_default_na=False, usecols=columns)
    return df[df["vali_flag"] == "1"]


def _money(values: pd.Series) -> Decimal:
    return sum((Decimal(v) for v in values), Decimal("0"))


@pytest.fixture(scope="module")
def raw_settlements(demo_delivery) -> pd.DataFrame:
    setl = _read(demo_delivery, "setl_d", [
        "setl_id", "mdtrt_id", "init_setl_id", "psn_no", "fixmedins_code", "setl_time", "med_type",
        "medfee_sumamt", "fund_pay_sumamt", "refd_setl_flag", "vali_flag"])
    setl = setl.assign(
        month=setl["setl_time"].str[:7],
        setl_cnt=((setl["refd_setl_flag"] == "1") & (setl["init_setl_id"] != "")).map({True: -1, False: 1}),
    )
    return setl


def _mart_row(warehouse: Path, code: str, visit_group: str) -> dict:
    cols = ["visits", "medfee_sumamt", "fund_pay_sumamt", "drug_amt", "discharges", "los_days_sum",
            "avg_medfee_per_visit", "avg_los_days", "drug_ratio", "reimbursement_ratio", "persons"]
    rows = query(warehouse, f"""
        select {', '.join(cols)} from marts.fct_institution_month
        where fixmedins_code = ? and setl_month = ? and scheme = 'all' and visit_group = ?
    """, [code, f"{MONTH}-01", visit_group])
    assert len(rows) == 1, (code, visit_group, rows)
    return dict(zip(cols, rows[0]))


def _busiest_inpatient_institution(warehouse: Path, peer_group: str) -> str:
    rows = query(warehouse, """
        select fixmedins_code from marts.fct_institution_month
        where peer_group = ? and setl_month = ? and scheme = 'all' and visit_group = 'inpatient'
        order by visits desc, fixmedins_code limit 1
    """, [peer_group, f"{MONTH}-01"])
    assert rows, f"no inpatient rows for {peer_group} in {MONTH}"
    return rows[0][0]


def test_inpatient_indicators_match_pandas_computed_from_raw_csv(demo_delivery, demo_warehouse,
                                                                  raw_settlements):
    """次均住院费用, 平均住院日, 药占比 and 实际报销比 of a 二级 hospital and a 卫生院 in one month,
    recomputed from setl_d, mdtrt_d and fee_list_d, equal the mart."""
    codes = [_busiest_inpatient_institution(demo_warehouse, group)
             for group in ("hospital|2", "township|1")]

    visits = _read(demo_delivery, "mdtrt_d", ["mdtrt_id", "begntime", "endtime", "inhosp_stas", "vali_flag"])
    begin = pd.to_datetime(visits["begntime"].str[:10])
    end = pd.to_datetime(visits["endtime"].str[:10].replace("", None))
    visits = visits.assign(
        los=(end - begin).dt.days.clip(lower=1),            # a same-day stay counts 1 day
        discharged=(visits["endtime"] != "") & (visits["inhosp_stas"] != "1"),
    )[["mdtrt_id", "los", "discharged"]]

    setl = raw_settlements[(raw_settlements["month"] == MONTH)
                           & raw_settlements["fixmedins_code"].isin(codes)
                           & raw_settlements["med_type"].isin(INPATIENT_MED_TYPES)]
    setl = setl.merge(visits, on="mdtrt_id", how="left")

    fees = _read(demo_delivery, "fee_list_d", ["setl_id", "med_chrgitm_type", "det_item_fee_sumamt",
                                               "vali_flag"])
    fees = fees[fees["setl_id"].isin(set(setl["setl_id"]))
                & fees["med_chrgitm_type"].isin(DRUG_CHRGITM_TYPES)]
    fees = fees.merge(setl[["setl_id", "fixmedins_code"]], on="setl_id")

    for code in codes:
        s = setl[setl["fixmedins_code"] == code]
        n_visits = int(s["setl_cnt"].sum())
        medfee, fund = _money(s["medfee_sumamt"]), _money(s["fund_pay_sumamt"])
        drug = _money(fees.loc[fees["fixmedins_code"] == code, "det_item_fee_sumamt"])
        d = s[s["discharged"]]
        discharges, los_sum = int(d["setl_cnt"].sum()), int((d["setl_cnt"] * d["los"]).sum())
        assert n_visits >= 2 and discharges >= 2, (code, n_visits, discharges)

        mart = _mart_row(demo_warehouse, code, "inpatient")
        # the sums, exactly
        assert (mart["visits"], mart["discharges"], mart["los_days_sum"]) == (n_visits, discharges, los_sum)
        assert (mart["medfee_sumamt"], mart["fund_pay_sumamt"], mart["drug_amt"]) == (medfee, fund, drug)
        # the indicators, to the rounding of their column types
        assert mart["avg_medfee_per_visit"] == (medfee / n_visits).quantize(CENT, ROUND_HALF_UP)
        assert abs(mart["avg_los_days"] - Decimal(los_sum) / discharges) <= BASIS_POINT
        assert abs(mart["drug_ratio"] - drug / medfee) <= BASIS_POINT
        assert abs(mart["reimbursement_ratio"] - fund / medfee) <= BASIS_POINT


def test_monthly_visits_and_amounts_equal_the_raw_settlements(demo_warehouse, raw_settlements):
    """Detail rows carry every settlement once: per month, net 人次, 医疗费 and 基金支付 equal setl_d."""
    mart = {month.strftime("%Y-%m"): (int(v), m, f) for month, v, m, f in query(demo_warehouse, """
        select setl_month, sum(visits), sum(medfee_sumamt), sum(fund_pay_sumamt)
        from marts.fct_institution_month where not is_rollup group by setl_month
    """)}
    raw = {month: (int(g["setl_cnt"].sum()), _money(g["medfee_sumamt"]), _money(g["fund_pay_sumamt"]))
           for month, g in raw_settlements.groupby("month")}
    assert len(raw) == 24
    assert mart == raw


def test_persons_of_a_rollup_count_each_person_once(demo_warehouse, raw_settlements):
    """人数 is a distinct count: the 'all' row of a hospital-month equals the distinct persons
    with positive net 人次 in the raw file, is at most the sum over its visit groups, and is
    below it wherever someone was both an outpatient and an inpatient of the institution."""
    code = _busiest_inpatient_institution(demo_warehouse, "hospital|2")
    s = raw_settlements[(raw_settlements["month"] == MONTH) & (raw_settlements["fixmedins_code"] == code)]
    net = s.groupby("psn_no")["setl_cnt"].sum()
    expected = int((net > 0).sum())

    total = _mart_row(demo_warehouse, code, "all")["persons"]
    by_group = sum(_mart_row(demo_warehouse, code, g)["persons"] for g in ("inpatient", "outpatient"))
    assert total == expected
    assert total <= by_group
    overlaps = query(demo_warehouse, """
        select count(*) from marts.fct_institution_month a
        join (select fixmedins_code, setl_month, sum(persons) as persons
              from marts.fct_institution_month where not is_rollup
              group by fixmedins_code, setl_month) d using (fixmedins_code, setl_month)
        where a.scheme = 'all' and a.visit_group = 'all' and a.persons < d.persons
    """)[0][0]
    assert overlaps > 0


def test_peer_values_are_ratios_of_the_peer_groups_sums(demo_warehouse):
    """peer_avg_medfee_per_visit and peer_avg_los_days equal Σ ÷ Σ over the peer group's rows,
    and an institution's deviation is its value over the peer value."""
    bad = query(demo_warehouse, """
        with peers as (
            select setl_month, scheme, visit_group, peer_group,
                   sum(medfee_sumamt) / sum(visits) as fee, sum(los_days_sum) / sum(discharges) as los,
                   count(*) as n
            from marts.fct_institution_month
            group by all
            having sum(visits) > 0 and sum(discharges) > 0
        )
        select m.fixmedins_code, m.setl_month, m.scheme, m.visit_group
        from marts.fct_institution_month m
        join peers using (setl_month, scheme, visit_group, peer_group)
        where abs(m.peer_avg_medfee_per_visit - peers.fee) > 0.0051      -- rounded to the fen
           or abs(m.peer_avg_los_days - peers.los) > 0.000051          -- rounded to 4 places
           or m.peer_institutions <> peers.n
           or (m.visits > 0
               and abs(m.avg_medfee_per_visit_vs_peer - m.medfee_sumamt / m.visits / peers.fee) > 0.000051)
    """)
    assert bad == []
    n_compared = query(demo_warehouse, """
        select count(*) from marts.fct_institution_month
        where peer_institutions > 1 and avg_los_days_vs_peer is not null
    """)[0][0]
    assert n_compared > 50


def test_demo_inpatient_indicators_fall_in_the_calibrated_ranges(demo_warehouse):
    """Over the two years, by peer group (domain.md §6.4): 平均住院日 卫生院 5–7, 二级 6–8.5,
    三级 9–10.5 days; 次均住院费用 2–3k, 5–7.5k, 12–18k; 药占比 22–36 %."""
    rows = query(demo_warehouse, """
        select peer_group,
               sum(los_days_sum) / sum(discharges),
               sum(medfee_sumamt) / sum(visits),
               sum(drug_amt) / sum(medfee_sumamt)
        from marts.fct_institution_month
        where scheme = 'all' and visit_group = 'inpatient'
        group by peer_group
    """)
    got = {g: (float(los), float(fee), float(drug)) for g, los, fee, drug in rows}
    bands = {"township|1": ((5, 7), (2000, 3000)),
             "hospital|2": ((6, 8.5), (5000, 7500)),
             "hospital|3": ((9, 10.5), (12000, 18000))}
    for group, ((los_lo, los_hi), (fee_lo, fee_hi)) in bands.items():
        los, fee, drug = got[group]
        assert los_lo <= los <= los_hi, (group, los)
        assert fee_lo <= fee <= fee_hi, (group, fee)
        assert 0.22 <= drug <= 0.36, (group, drug)
    assert got["township|1"][0] < got["hospital|2"][0] < got["hospital|3"][0]


def test_hospitalisation_rate_is_annual_stays_per_insured_person_year(demo_warehouse):
    """住院率 per year = Σ 住院人次 ÷ Σ 参保人年: 12–25 % overall, higher for employees (retirees)."""
    rates = dict(query(demo_warehouse, """
        select scheme, sum(inpatient_visits) / sum(insured_person_years)
        from marts.fct_area_month
        where year(month_start) = 2024
        group by scheme
    """))
    assert 0.12 <= float(rates["all"]) <= 0.25, rates
    assert rates["employee"] > rates["resident"], rates
    # the monthly column is the same ratio, annualised
    row = query(demo_warehouse, """
        select hospitalisation_rate, inpatient_visits * 12 / insured_person_months
        from marts.fct_area_month where scheme = 'all' and month_start = ?
    """, [f"{MONTH}-01"])[0]
    assert abs(float(row[0]) - float(row[1])) < 1e-4


def test_institution_pay_growth_is_year_to_date_against_the_same_months_last_year(
        demo_warehouse, raw_settlements):
    """fct_institution_pay_growth for June 2024 (scheme 'all'): each institution's 基金支付 of
    January–June 2024 and of January–June 2023 equal the raw settlements, the increase is their
    difference, and the increase shares add up to 1 over the institutions."""
    def ytd(year: str) -> dict[str, Decimal]:
        months = {f"{year}-{m:02d}" for m in range(1, 7)}
        part = raw_settlements[raw_settlements["month"].isin(months)]
        return {code: _money(g["fund_pay_sumamt"]) for code, g in part.groupby("fixmedins_code")}

    current, base = ytd("2024"), ytd("2023")
    rows = query(demo_warehouse, """
        select fixmedins_code, fund_pay_ytd, fund_pay_ytd_last_year, fund_pay_ytd_increase,
               fund_pay_increase_share, has_base
        from marts.fct_institution_pay_growth where setl_month = '2024-06-01' and scheme = 'all'
    """)
    assert {r[0] for r in rows} == set(current) | set(base)
    for code, ytd_amt, last_year, increase, _, has_base in rows:
        assert has_base
        assert (ytd_amt, last_year) == (current.get(code, 0), base.get(code, 0)), code
        assert increase == ytd_amt - last_year
    total_increase = sum(r[3] for r in rows)
    assert total_increase > 0
    assert sum(r[4] for r in rows) == pytest.approx(1, abs=0.001)
    assert all(r[4] == (r[3] / total_increase).quantize(BASIS_POINT, ROUND_HALF_UP) for r in rows)


def test_institution_pay_growth_has_no_base_in_the_first_year(demo_warehouse):
    """2023 is the first year of the demo: no 上年同期, so no increase, growth or share."""
    rows = query(demo_warehouse, """
        select count(*), count(fund_pay_ytd_last_year), count(hifp_pay_ytd_growth),
               count(hifp_pay_increase_share), bool_or(has_base)
        from marts.fct_institution_pay_growth where setl_month < '2024-01-01'
    """)
    n, last_year, growth, share, has_base = rows[0]
    assert n > 0 and (last_year, growth, share, has_base) == (0, 0, 0, False)
