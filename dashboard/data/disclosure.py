"""The public disclosure (信息公开) as the disclosure marts hold it: finalised periods, the fund
income/expenditure/balance of a period, institution indicators by visit group with small-cell
suppression, the monthly rows inside a period for the charts, and the supervision results
(closed cases against institutions, 双随机 inspection results).

Reads the disclosure marts (marts.dim_disclosure_*, fct_disclosure_*) only; every value is the
mart's (suppressed cells are null there). The exports (dashboard/exports/disclosure) and the
信息披露 page build on these functions.
"""

from __future__ import annotations

import pandas as pd

from dashboard.data.db import query

#: Funds in the order a reader meets them: the reporting totals first, then the member funds.
FUND_ORDER = ("990000", "999999", "990310", "310100", "310200", "320100", "330100",
              "390100", "390200", "610100")
VISIT_GROUP_ORDER = ("inpatient", "outpatient", "pharmacy")


def periods() -> pd.DataFrame:
    """Every finalised period, newest first within each type (years, quarters, months)."""
    return query("""
        SELECT period_type, period_code, period_start, period_end, months, data_cutoff_date
        FROM marts.dim_disclosure_periods
        ORDER BY CASE period_type WHEN 'year' THEN 0 WHEN 'quarter' THEN 1 ELSE 2 END,
                 period_start DESC""")


def period(period_code: str) -> dict | None:
    """The finalised period with this code (2024, 2024Q3, 2024-07), or None."""
    rows = query("""
        SELECT period_type, period_code, period_start, period_end, months, data_cutoff_date
        FROM marts.dim_disclosure_periods WHERE period_code = ?""", [period_code])
    return None if rows.empty else rows.iloc[0].to_dict()


def min_cell_persons() -> int:
    """The small-cell threshold the marts were built with (seed disclosure_parameters)."""
    rows = query("SELECT value FROM seeds.disclosure_parameters WHERE name = 'min_cell_persons'")
    return int(rows.iloc[0, 0])


def _fund_order_sql() -> str:
    return " ".join(f"WHEN '{code}' THEN {i}" for i, code in enumerate(FUND_ORDER))


def fund_rows(period_code: str) -> pd.DataFrame:
    """One row per fund and reporting total of the period, totals first (FUND_ORDER)."""
    return query(f"""
        SELECT fund_pay_type, fund_name_zh, is_total, fund_scheme,
               income_amt, expenditure_amt, current_balance_amt, balance_rate,
               cumulative_balance_amt, reserve_months, reserve_band_label_zh,
               income_yoy, expenditure_yoy
        FROM marts.fct_disclosure_fund_period
        WHERE period_code = ?
        ORDER BY CASE fund_pay_type {_fund_order_sql()} ELSE 99 END, fund_pay_type""", [period_code])


def fund_months(period_code: str, fund_pay_type: str = "999999") -> pd.DataFrame:
    """The fund's month rows inside the period (the period itself for a month), oldest first."""
    return query("""
        SELECT m.period_code, m.period_start, m.income_amt, m.expenditure_amt, m.current_balance_amt
        FROM marts.fct_disclosure_fund_period AS m
        INNER JOIN marts.dim_disclosure_periods AS p ON p.period_code = ?
        WHERE m.period_type = 'month' AND m.fund_pay_type = ?
          AND m.period_start BETWEEN p.period_start AND p.period_end
        ORDER BY m.period_start""", [period_code, fund_pay_type])


_INSTITUTION_COLUMNS = """
    fixmedins_code, fixmedins_name, inst_type, peer_group_zh, is_total, visit_group,
    is_suppressed, persons, visits, discharges, avg_medfee_per_visit, avg_los_days,
    avg_fund_pay_per_visit, drug_ratio, consumable_ratio, exam_lab_ratio,
    reimbursement_ratio, inscp_fund_pay_ratio"""


def _visit_group_order_sql() -> str:
    return " ".join(f"WHEN '{g}' THEN {i}" for i, g in enumerate(VISIT_GROUP_ORDER))


def institution_rows(period_code: str) -> pd.DataFrame:
    """Every cell of the period: institution × visit group and the region totals (is_total,
    fixmedins_code 'all'), totals first, then institutions by code."""
    return query(f"""
        SELECT {_INSTITUTION_COLUMNS}
        FROM marts.fct_disclosure_institution_period
        WHERE period_code = ?
        ORDER BY is_total DESC, fixmedins_code, CASE visit_group {_visit_group_order_sql()} END""",
                 [period_code])


def institution_months(period_code: str) -> pd.DataFrame:
    """The month cells inside the period of every institution and the region totals (for the
    institution pages' charts), oldest first."""
    return query(f"""
        SELECT m.period_code, m.period_start, {_INSTITUTION_COLUMNS}
        FROM marts.fct_disclosure_institution_period AS m
        INNER JOIN marts.dim_disclosure_periods AS p ON p.period_code = ?
        WHERE m.period_type = 'month' AND m.period_start BETWEEN p.period_start AND p.period_end
        ORDER BY m.fixmedins_code, m.visit_group, m.period_start""", [period_code])


def item_prices(period_code: str) -> pd.DataFrame:
    """The published key drug and consumable prices of the period (fct_disclosure_item_price):
    region rows and institution cells that are not suppressed (a suppressed cell has null prices;
    the pages list published prices only), drugs first, then by name."""
    return query("""
        SELECT hilist_code, hilist_name, item_class, item_class_zh, fixmedins_code, is_total,
               is_count_suppressed, n_patients, unit_price, median_unit_price, min_unit_price,
               max_unit_price, price_to_median_ratio, n_institutions_published, n_institutions,
               price_cap, price_to_cap_ratio
        FROM marts.fct_disclosure_item_price
        WHERE period_code = ? AND NOT is_suppressed
        ORDER BY item_class DESC, hilist_name, hilist_code, is_total DESC, fixmedins_code""", [period_code])


def enforcement_period(period_code: str) -> dict | None:
    """The period when its supervision results may be published (dim_disclosure_enforcement_periods:
    finalised, and the enforcement ledgers reach into its last month), with ledgers_as_of_date;
    None otherwise."""
    rows = query("""
        SELECT period_code, period_start, period_end, ledgers_as_of_date
        FROM marts.dim_disclosure_enforcement_periods WHERE period_code = ?""", [period_code])
    return None if rows.empty else rows.iloc[0].to_dict()


def violations(period_code: str) -> pd.DataFrame:
    """The closed cases against institutions closed in the period (fct_disclosure_violation),
    by close date, then institution."""
    return query("""
        SELECT v.fixmedins_code, v.fixmedins_name, v.violation_type_zh, v.legal_article_zh, v.close_date,
               v.involved_amt, v.recovered_amt, v.fine_amt, v.credit_grade, v.is_blacklisted
        FROM marts.fct_disclosure_violation AS v
        INNER JOIN marts.dim_disclosure_enforcement_periods AS p ON p.period_code = ?
        WHERE v.close_date BETWEEN p.period_start AND p.period_end
        ORDER BY v.close_date, v.fixmedins_code, v.case_id""", [period_code])


def random_inspections(period_code: str) -> pd.DataFrame:
    """The random inspections (双随机) ended in the period (fct_disclosure_random_inspection), by
    draw, then end date and institution."""
    return query("""
        SELECT r.draw_id, r.fixmedins_code, r.fixmedins_name, r.begndate, r.enddate, r.result_zh
        FROM marts.fct_disclosure_random_inspection AS r
        INNER JOIN marts.dim_disclosure_enforcement_periods AS p ON p.period_code = ?
        WHERE r.enddate BETWEEN p.period_start AND p.period_end
        ORDER BY r.draw_id, r.enddate, r.fixmedins_code, r.insp_id""", [period_code])
