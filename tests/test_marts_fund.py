"""Fund-health mart (fct_fund_monthly) on the generated demo.

The indicators are recomputed here with pandas straight from the raw generated CSV files
(setl_d, fund_income, fund_balance, psn_insu_d) — no dbt model, no seed — and compared with the
mart: expenditure and income to the fen, the cumulative balance rolled forward from the opening
balance, 可支付月数 from the trailing-12-month average, growth rates and the dependency ratio.
The last tests check the total rows and that the demo shows the calibrated fund trends.
"""

from __future__ import annotations

import calendar
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd
import pytest

from tests.db import query

CENT, BASIS_POINT = Decimal("0.01"), Decimal("0.0001")
# fund → (setl_d pay column, insutypes it pays for): the 口径 of 基金支出 (domain.md §2)
FUND_PAY = {
    "310100": ("hifp_pay", {"310"}),
    "310200": ("acct_pay", {"310"}),
    "330100": ("hifob_pay", {"310"}),
    "390100": ("hifp_pay", {"390", "391"}),
    "390200": ("hifmi_pay", {"390", "391"}),
    "610100": ("maf_pay", {"310", "390", "391"}),
}


def _read(delivery: Path, table: str) -> pd.DataFrame:
    return pd.read_csv(delivery / f"{table}.csv", dtype=str, keep_default_na=False)


def _money(values) -> Decimal:
    return sum((Decimal(v) for v in values), Decimal("0"))


def _ratio(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    if denominator == 0:
        return None
    return (numerator / denominator).quantize(BASIS_POINT, rounding=ROUND_HALF_UP)


def _mart(warehouse: Path, columns: list[str], where: str = "not is_total") -> pd.DataFrame:
    rows = query(warehouse, f"""
        select fund_pay_type, strftime(month_start, '%Y-%m') as month, {', '.join(columns)}
        from marts.fct_fund_monthly where {where} order by fund_pay_type, month_start
    """)
    return pd.DataFrame(rows, columns=["fund_pay_type", "month", *columns])


@pytest.fixture(scope="module")
def raw_settlements(demo_delivery) -> pd.DataFrame:
    setl = _read(demo_delivery, "setl_d")
    setl = setl[setl["vali_flag"] == "1"]
    return setl.assign(month=setl["setl_time"].str[:7])


@pytest.fixture(scope="module")
def raw_expenditure(raw_settlements) -> dict[tuple[str, str], Decimal]:
    """基金支出 by (fund, month), refunds included as the negative rows they are."""
    out: dict[tuple[str, str], Decimal] = {}
    for fund, (column, insutypes) in FUND_PAY.items():
        rows = raw_settlements[raw_settlements["insutype"].isin(insutypes)]
        for month, values in rows.groupby("month")[column]:
            out[(fund, month)] = _money(values)
    return out


@pytest.fixture(scope="module")
def raw_income(demo_delivery) -> pd.DataFrame:
    income = _read(demo_delivery, "fund_income")
    return income.assign(month=income["income_month"].str[:7])


@pytest.fixture(scope="module")
def raw_flows(raw_income, raw_expenditure) -> dict[str, pd.DataFrame]:
    """Per fund: one row per month of the delivery with income and expenditure (Decimal)."""
    months = sorted(set(raw_income["month"]) | {m for _, m in raw_expenditure})
    flows = {}
    for fund in FUND_PAY:
        income = raw_income[raw_income["fund_pay_type"] == fund]
        by_month = {m: _money(v) for m, v in income.groupby("month")["income_amt"]}
        flows[fund] = pd.DataFrame({
            "month": months,
            "income": [by_month.get(m, Decimal(0)) for m in months],
            "expenditure": [raw_expenditure.get((fund, m), Decimal(0)) for m in months],
        })
    return flows


def test_fund_expenditure_nets_refunds_and_matches_raw_settlements_to_the_fen(
        demo_warehouse, raw_settlements, raw_expenditure):
    refunds = raw_settlements[raw_settlements["refd_setl_flag"] == "1"]
    assert len(refunds) > 0 and _money(refunds["hifp_pay"]) < 0, "the demo must contain refunds"

    mart = _mart(demo_warehouse, ["expenditure_amt"])
    mart = mart[mart["fund_pay_type"].isin(list(FUND_PAY))]
    got = {(r.fund_pay_type, r.month): r.expenditure_amt for r in mart.itertuples()}
    expected = {key: raw_expenditure.get(key, Decimal(0)) for key in got}
    assert got == expected
    assert {key for key, value in raw_expenditure.items() if value} <= set(got)
    # without netting the refunds the pool expenditure would be higher
    positive_only = raw_settlements[(raw_settlements["refd_setl_flag"] != "1")
                                    & (raw_settlements["insutype"] == "310")]
    assert sum(v for (f, _), v in got.items() if f == "310100") < _money(positive_only["hifp_pay"])


def test_income_by_source_matches_raw_ledger_to_the_fen(demo_warehouse, raw_income):
    sources = {"01": "income_employer_contribution_amt", "02": "income_individual_contribution_amt",
               "03": "income_fiscal_subsidy_amt", "04": "income_interest_amt",
               "05": "income_transfer_in_amt", "09": "income_other_amt"}
    mart = _mart(demo_warehouse, [*sources.values(), "income_amt"]).set_index(["fund_pay_type", "month"])
    for (fund, month, src), values in raw_income.groupby(["fund_pay_type", "month", "income_src"]):
        assert mart.loc[(fund, month), sources[src]] == _money(values["income_amt"]), (fund, month, src)
    for (fund, month), values in raw_income.groupby(["fund_pay_type", "month"]):
        assert mart.loc[(fund, month), "income_amt"] == _money(values["income_amt"]), (fund, month)
    assert mart["income_amt"].sum() == _money(raw_income["income_amt"])


def test_cumulative_balance_rolls_forward_from_the_opening_balance(demo_delivery, demo_warehouse, raw_flows):
    balances = _read(demo_delivery, "fund_balance")
    mart = _mart(demo_warehouse, ["current_balance_amt", "cumulative_balance_amt", "balance_rate"])
    for fund in ("310100", "390100", "390200"):
        opening = balances[balances["fund_pay_type"] == fund]
        assert len(opening) == 1
        assert opening["balance_date"].iloc[0] < raw_flows[fund]["month"].iloc[0] + "-01"
        flows = raw_flows[fund]
        current = flows["income"] - flows["expenditure"]
        expected = Decimal(opening["balance_amt"].iloc[0]) + current.cumsum()
        got = mart[mart["fund_pay_type"] == fund]
        assert list(got["month"]) == list(flows["month"])
        assert list(got["current_balance_amt"]) == list(current)
        assert list(got["cumulative_balance_amt"]) == list(expected)
        assert list(got["balance_rate"]) == [_ratio(c, i) for c, i in zip(current, flows["income"])]


def test_reserve_months_divide_by_the_trailing_twelve_month_average(demo_warehouse, raw_flows):
    mart = _mart(demo_warehouse, ["cumulative_balance_amt", "reserve_months", "reserve_band"])
    for fund in ("310100", "390100"):
        got = mart[mart["fund_pay_type"] == fund].reset_index(drop=True)
        expenditure = list(raw_flows[fund]["expenditure"])
        for i, row in got.iterrows():
            window = expenditure[max(0, i - 11):i + 1]        # fewer than 12 in the first year
            expected = _ratio(row.cumulative_balance_amt * len(window), sum(window))
            assert row.reserve_months == expected, (fund, row.month)
            bounds = [(None, 3, "insufficient"), (3, 6, "low"), (6, 9, "adequate"),
                      (9, 15, "high"), (15, None, "excessive")]
            band = next(b for lo, hi, b in bounds
                        if (lo is None or expected >= lo) and (hi is None or expected < hi))
            assert row.reserve_band == band, (fund, row.month)


def test_growth_rates_compare_with_previous_month_and_year(demo_warehouse, raw_flows):
    mart = _mart(demo_warehouse, ["income_mom", "income_yoy", "expenditure_mom", "expenditure_yoy",
                                  "income_ytd_amt"])
    for fund in ("310100", "390100"):
        flows = raw_flows[fund]
        got = mart[mart["fund_pay_type"] == fund].reset_index(drop=True)
        for i, row in got.iterrows():
            for measure in ("income", "expenditure"):
                now = flows[measure][i]
                mom = _ratio(now - flows[measure][i - 1], flows[measure][i - 1]) if i >= 1 else None
                yoy = _ratio(now - flows[measure][i - 12], flows[measure][i - 12]) if i >= 12 else None
                assert getattr(row, f"{measure}_mom") == mom, (fund, row.month, measure)
                assert getattr(row, f"{measure}_yoy") == yoy, (fund, row.month, measure)
            same_year = flows["month"].str[:4] == row.month[:4]
            assert row.income_ytd_amt == sum(flows["income"][same_year & (flows.index <= i)])
        assert got["income_yoy"].iloc[:12].isna().all() and got["income_yoy"].iloc[12:].notna().any()


def test_dependency_ratio_is_in_service_over_retired_employee_exposure(demo_delivery, demo_warehouse):
    month = "2024-06"
    start = pd.Timestamp(f"{month}-01")
    days = calendar.monthrange(start.year, start.month)[1]
    end = start + pd.Timedelta(days=days)
    rel = _read(demo_delivery, "psn_insu_d")
    rel = rel[(rel["vali_flag"] == "1") & (rel["insutype"] == "310")]
    begin = pd.to_datetime(rel["crt_insu_date"]).clip(lower=start)
    paused = rel["paus_insu_date"].where(rel["paus_insu_date"] != "")
    stop = pd.to_datetime(paused).fillna(end).clip(upper=end)
    rel = rel.assign(days=(stop - begin).dt.days.clip(lower=0))
    per_person = rel.groupby(["psn_no", "psn_type"])["days"].sum().clip(upper=days) / days
    by_type = per_person.groupby(level="psn_type").sum()
    in_service = by_type[by_type.index.str.startswith("11")].sum()
    retired = by_type[by_type.index.str.startswith(("12", "13"))].sum()

    rows = query(demo_warehouse, """
        select fund_pay_type, in_service_insured, retired_insured, dependency_ratio
        from marts.fct_fund_monthly where month_start = ?
    """, [f"{month}-01"])
    got = {r[0]: r[1:] for r in rows}
    for fund in ("310100", "310200", "990310"):
        assert abs(float(got[fund][0]) - in_service) < 0.01
        assert abs(float(got[fund][1]) - retired) < 0.01
        assert abs(float(got[fund][2]) - in_service / retired) < 0.001
    assert 1.0 < in_service / retired < 5.0
    for fund in ("390100", "390200", "610100", "999999"):        # resident or mixed
        assert got[fund] == (None, None, None), fund


def test_total_rows_add_up_their_member_funds(demo_warehouse):
    mart = _mart(demo_warehouse, ["income_amt", "expenditure_amt", "cumulative_balance_amt"],
                 where="true").set_index(["fund_pay_type", "month"])
    members = {"999999": ["310100", "390100"], "990310": ["310100", "310200"],
               "990000": ["310100", "310200", "330100", "390100", "390200", "610100"]}
    months = mart.loc["999999"].index
    assert len(months) == 24
    for total, funds in members.items():
        for month in months:
            for column in ("income_amt", "expenditure_amt", "cumulative_balance_amt"):
                assert mart.loc[(total, month), column] == sum(mart.loc[(f, month), column] for f in funds)
    # 320100 公务员医疗补助 has no ledger: no cumulative balance, and it is not in the totals
    assert mart.loc["320100", "cumulative_balance_amt"].isna().all()


def test_demo_shows_resident_fund_drifting_into_deficit_and_ample_employee_reserves(demo_warehouse):
    rows = query(demo_warehouse, """
        select fund_pay_type, year, sum(current_balance_amt)
        from marts.fct_fund_monthly where fund_pay_type in ('310100', '390100')
        group by fund_pay_type, year order by fund_pay_type, year
    """)
    balance = {(fund, year): amount for fund, year, amount in rows}
    assert balance[("390100", 2023)] > balance[("390100", 2024)]      # 居民: surplus shrinks …
    assert balance[("390100", 2024)] < 0                              # … into a current deficit
    assert balance[("310100", 2023)] > balance[("310100", 2024)] > 0  # 职工统筹: surplus shrinking
    last = dict(query(demo_warehouse, """
        select fund_pay_type, reserve_months from marts.fct_fund_monthly
        where month_start = (select max(month_start) from marts.fct_fund_monthly)
          and fund_pay_type in ('310100', '390100')
    """))
    assert last["310100"] > 15                                        # 职工统筹: 结余过多
    assert 4 < last["390100"] < 11                                    # 居民: around 6–9 months
