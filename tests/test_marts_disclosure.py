"""Public-disclosure marts (dim_disclosure_periods, fct_disclosure_fund_period,
fct_disclosure_institution_period) on the generated demo.

Every published number is recomputed here from the monthly marts (fct_fund_monthly,
fct_institution_month) and persons from int_settlements, with period codes built in the test;
the suppression tests check every cell and, by brute force, every published total.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.db import CENT, query
from tests.db import safe_ratio as _ratio

MIN_CELL_PERSONS = 10   # seed disclosure_parameters (default of issue 8)
# period code of a month column, as the disclosure publishes it ('2024-07', '2024Q3', '2024')
PERIOD_CODES = {
    "month": "strftime({m}, '%Y-%m')",
    "quarter": "cast(year({m}) as varchar) || 'Q' || cast(quarter({m}) as varchar)",
    "year": "cast(year({m}) as varchar)",
}


def _params(warehouse: Path) -> dict[str, int]:
    return dict(query(warehouse, "select name, value from seeds.disclosure_parameters"))


def _published_periods(warehouse: Path) -> set[tuple[str, str]]:
    return set(query(warehouse, "select period_type, period_code from marts.dim_disclosure_periods"))


def _union_by_period(select: str, month_column: str) -> str:
    """`select` (with {period_type} and {period_code} placeholders) once per period type."""
    return "\nunion all\n".join(
        select.format(period_type=f"'{kind}'", period_code=code.format(m=month_column))
        for kind, code in PERIOD_CODES.items())


@pytest.fixture(scope="module")
def institution_cells(demo_warehouse) -> dict[tuple, dict]:
    rows = query(demo_warehouse, """
        select period_type, period_code, fixmedins_code, visit_group, is_total, is_suppressed,
               suppression_reason, persons, visits, discharges, avg_medfee_per_visit, avg_los_days,
               drug_ratio, consumable_ratio, exam_lab_ratio, reimbursement_ratio, inscp_fund_pay_ratio
        from marts.fct_disclosure_institution_period
    """)
    names = ["is_total", "is_suppressed", "suppression_reason", "persons", "visits", "discharges",
             "avg_medfee_per_visit", "avg_los_days", "drug_ratio", "consumable_ratio",
             "exam_lab_ratio", "reimbursement_ratio", "inscp_fund_pay_ratio"]
    return {tuple(row[:4]): dict(zip(names, row[4:])) for row in rows}


@pytest.fixture(scope="module")
def period_persons(demo_warehouse) -> dict[tuple, int]:
    """人数 of every institution (and the region, 'all') × period × visit group, from int_settlements."""
    select = """
        select {period_type} as period_type, {period_code} as period_code, fixmedins_code,
               case when is_inpatient then 'inpatient' when visit_type = 'pharmacy' then 'pharmacy'
                    else 'outpatient' end as visit_group,
               psn_no, sum(setl_cnt) as visits
        from intermediate.int_settlements group by all
    """
    rows = query(demo_warehouse, f"""
        with nets as ({_union_by_period(select, 'setl_month')}),
        region as (
            select period_type, period_code, 'all' as fixmedins_code, visit_group, psn_no,
                   sum(visits) as visits
            from nets group by all
        )
        select period_type, period_code, fixmedins_code, visit_group,
               count(*) filter (where visits > 0)
        from (select * from nets union all select * from region) group by all
    """)
    return {tuple(row[:4]): row[4] for row in rows}


def test_only_finalised_periods_are_published(demo_warehouse):
    cutoff, first_month = query(demo_warehouse, """
        select max(setl_date), min(setl_month) from intermediate.int_settlements""")[0]
    lag = timedelta(days=_params(demo_warehouse)["final_after_days"])
    months, month = [], first_month
    while True:
        last_day = month.replace(day=calendar.monthrange(month.year, month.month)[1])
        if last_day + lag > cutoff:
            break
        months.append(month)
        month = last_day + timedelta(days=1)
    expected = {("month", f"{m:%Y-%m}") for m in months}
    for kind, size, key in (("quarter", 3, lambda m: f"{m.year}Q{(m.month - 1) // 3 + 1}"),
                            ("year", 12, lambda m: str(m.year))):
        counts = defaultdict(int)
        for m in months:
            counts[key(m)] += 1
        expected |= {(kind, code) for code, n in counts.items() if n == size}
    assert _published_periods(demo_warehouse) == expected
    assert ("year", "2024") in expected and ("month", f"{cutoff:%Y-%m}") in expected
    for table in ("fct_disclosure_fund_period", "fct_disclosure_institution_period"):
        published = set(query(demo_warehouse, f"select distinct period_type, period_code from marts.{table}"))
        assert published == expected, table
        assert query(demo_warehouse, f"select distinct data_cutoff_date from marts.{table}") == [(cutoff,)]


def test_fund_periods_sum_their_months_and_close_on_the_last_month(demo_warehouse):
    select = """
        select {period_type} as period_type, {period_code} as period_code, fund_pay_type,
               sum(income_amt) as income, sum(expenditure_amt) as expenditure,
               sum(current_balance_amt) as balance, max(month_start) as last_month, count(*) as months
        from marts.fct_fund_monthly group by all
    """
    expected = {row[:3]: row[3:] for row in query(demo_warehouse, _union_by_period(select, "month_start"))}
    closing = {row[:2]: row[2:] for row in query(demo_warehouse, """
        select fund_pay_type, month_start, cumulative_balance_amt, reserve_months, reserve_band,
               income_yoy, expenditure_yoy
        from marts.fct_fund_monthly""")}
    rows = query(demo_warehouse, """
        select period_type, period_code, fund_pay_type, income_amt, expenditure_amt,
               current_balance_amt, balance_rate, cumulative_balance_amt, reserve_months,
               reserve_band, income_prev_year_amt, income_yoy, expenditure_yoy
        from marts.fct_disclosure_fund_period
    """)
    assert len(rows) == len(_published_periods(demo_warehouse)) * 10   # 7 funds and 3 totals
    for kind, code, fund, income, expenditure, balance, rate, cumulative, reserve, band, prev_income, \
            income_yoy, expenditure_yoy in rows:
        sum_income, sum_expenditure, sum_balance, last_month, _ = expected[(kind, code, fund)]
        assert (income, expenditure, balance) == (sum_income, sum_expenditure, sum_balance)
        assert balance == income - expenditure
        assert rate == _ratio(balance, income)
        month_cumulative, month_reserve, month_band, month_income_yoy, month_expenditure_yoy = \
            closing[(fund, last_month)]
        assert (cumulative, reserve, band) == (month_cumulative, month_reserve, month_band)
        previous_code = str(int(code[:4]) - 1) + code[4:]
        previous = expected.get((kind, previous_code, fund))
        complete = previous is not None and previous[4] == {"month": 1, "quarter": 3, "year": 12}[kind]
        assert prev_income == (previous[0] if complete else None)
        assert income_yoy == (_ratio(income - previous[0], previous[0]) if complete else None)
        if kind == "month":   # the monthly mart's own YoY
            assert (income_yoy, expenditure_yoy) == (month_income_yoy, month_expenditure_yoy)
    assert any(r[0] == "year" and r[11] is not None for r in rows)


def test_institution_values_are_ratios_of_the_monthly_marts_sums(demo_warehouse, institution_cells,
                                                                 period_persons):
    select = """
        select {period_type} as period_type, {period_code} as period_code, fixmedins_code,
               visit_group, visits, discharges, los_days_sum, medfee_sumamt, fund_pay_sumamt,
               inscp_amt, drug_amt, consumable_amt, exam_amt, lab_amt, persons, setl_month
        from marts.fct_institution_month where scheme = 'all' and visit_group <> 'all'
    """
    rows = query(demo_warehouse, f"""
        with cells as ({_union_by_period(select, 'setl_month')})
        select period_type, period_code, code, visit_group, sum(visits), sum(discharges),
               sum(los_days_sum), sum(medfee_sumamt), sum(fund_pay_sumamt), sum(inscp_amt),
               sum(drug_amt), sum(consumable_amt), sum(exam_amt + lab_amt),
               max(persons) filter (where period_type = 'month' and code <> 'all')
        from (select *, fixmedins_code as code from cells
              union all select *, 'all' as code from cells)
        group by period_type, period_code, code, visit_group
    """)
    periods = _published_periods(demo_warehouse)
    expected_keys = {row[:4] for row in rows if row[:2] in periods}
    assert set(institution_cells) == expected_keys
    published = 0
    for kind, code, inst, group, visits, discharges, los, medfee, fund_pay, inscp, drug, consumable, \
            exam_lab, month_persons in rows:
        cell = institution_cells.get((kind, code, inst, group))
        if cell is None:
            continue
        assert cell["is_total"] == (inst == "all")
        if month_persons is not None:   # the monthly mart's 人数
            assert period_persons[(kind, code, inst, group)] == month_persons
        if cell["is_suppressed"]:
            continue
        published += 1
        assert cell["persons"] == period_persons[(kind, code, inst, group)]
        assert (cell["visits"], cell["discharges"]) == (visits, discharges)
        assert cell["avg_medfee_per_visit"] == _ratio(medfee, visits, CENT)
        assert cell["avg_los_days"] == (_ratio(los, discharges) if group == "inpatient" else None)
        assert cell["drug_ratio"] == _ratio(drug, medfee)
        assert cell["consumable_ratio"] == _ratio(consumable, medfee)
        assert cell["exam_lab_ratio"] == _ratio(exam_lab, medfee)
        assert cell["reimbursement_ratio"] == _ratio(fund_pay, medfee)
        assert cell["inscp_fund_pay_ratio"] == _ratio(fund_pay, inscp)
    assert published > 100


def test_no_cell_from_fewer_than_min_cell_persons_is_published(demo_warehouse, institution_cells,
                                                              period_persons):
    assert _params(demo_warehouse)["min_cell_persons"] == MIN_CELL_PERSONS
    reasons = defaultdict(int)
    for key, cell in institution_cells.items():
        reasons[cell["suppression_reason"]] += 1
        if period_persons.get(key, 0) < MIN_CELL_PERSONS:
            assert cell["is_suppressed"], key
        if cell["is_suppressed"]:
            assert cell["suppression_reason"] in {"small_cell", "complementary"}
            values = [v for name, v in cell.items()
                      if name not in {"is_total", "is_suppressed", "suppression_reason"}]
            assert values == [None] * len(values), key
        else:
            assert cell["suppression_reason"] is None
            assert cell["persons"] >= MIN_CELL_PERSONS, key
    # the demo exercises both rules and still publishes most outpatient cells
    assert reasons["small_cell"] > 0 and reasons["complementary"] > 0 and reasons[None] > 0


def test_no_suppressed_cell_can_be_derived_from_a_published_total(institution_cells):
    """Every published total has 0 or ≥ 2 suppressed components: the region total of a period ×
    visit group (its institutions), and each quarter and year of an institution or the region
    (its months; a year also its quarters)."""
    def quarter_of(month_code: str) -> str:
        return f"{month_code[:4]}Q{(int(month_code[5:7]) - 1) // 3 + 1}"

    components: dict[tuple, list[tuple]] = defaultdict(list)
    for key in institution_cells:
        kind, code, inst, group = key
        if inst != "all":
            components[(kind, code, "all", group)].append(key)
        if kind == "month":
            components[("quarter", quarter_of(code), inst, group)].append(key)
            components[("year", code[:4], inst, group)].append(key)
        if kind == "quarter":
            components[("year", code[:4], inst, group, "by quarter")].append(key)
    checked = 0
    for total, parts in components.items():
        total_cell = institution_cells.get(total[:4])
        if total_cell is None or total_cell["is_suppressed"]:
            continue
        suppressed = sum(institution_cells[part]["is_suppressed"] for part in parts)
        assert suppressed != 1, (total, [p for p in parts if institution_cells[p]["is_suppressed"]])
        checked += 1
    assert checked > 100
