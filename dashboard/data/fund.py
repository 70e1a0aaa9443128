"""Fund health for the overview page: funds and months on offer, a fund's monthly series from
fct_fund_monthly, and the institutions whose fund pay grew most (fct_institution_pay_growth).

Every indicator (收入, 支出, 当期结余, 累计结余, 可支付月数 and its band, 同比/环比) is read as the
mart defines it; these functions only select, sum additive amounts and rank.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from dashboard.data.db import query

#: The funds leadership looks at first, in this order; any other fund of the mart follows.
PREFERRED_FUNDS = ("999999", "310100", "390100", "990310", "990000")
DEFAULT_FUND = "999999"

#: Which fct_institution_pay_growth measure stands for a fund's expenditure at an institution:
#: the pooling funds pay out of hifp_pay (基本医疗保险统筹基金支出); any other fund is shown with
#: the institution's 基金支付总额 (fund_pay) of the fund's scheme.
POOL_FUNDS = frozenset({"310100", "390100", "999999"})
INSTITUTION_PAY_LABEL = {"hifp_pay": "统筹基金支出", "fund_pay": "基金支付总额"}

_SERIES_COLUMNS = """
    month_start, year, month, fund_pay_type, fund_name_zh, is_total,
    income_amt, expenditure_amt, current_balance_amt, balance_rate, cumulative_balance_amt,
    reserve_months, reserve_band, reserve_band_label_zh, reserve_band_color,
    income_yoy, expenditure_yoy, income_mom, expenditure_mom,
    income_ytd_amt, expenditure_ytd_amt,
    expenditure_outpatient_amt, expenditure_inpatient_amt, expenditure_pharmacy_amt,
    expenditure_out_of_area_amt"""


def fund_catalog() -> pd.DataFrame:
    """One row per fund or total of fct_fund_monthly: code, Chinese name, is_total, scheme and
    the first and last month it has (the mart's months run gap-free), funds of
    PREFERRED_FUNDS first."""
    order = " ".join(f"WHEN '{code}' THEN {i}" for i, code in enumerate(PREFERRED_FUNDS))
    return query(f"""
        SELECT fund_pay_type, any_value(fund_name_zh) AS fund_name_zh, bool_or(is_total) AS is_total,
               any_value(fund_scheme) AS fund_scheme,
               min(month_start) AS first_month, max(month_start) AS last_month
        FROM marts.fct_fund_monthly
        GROUP BY fund_pay_type
        ORDER BY CASE fund_pay_type {order} ELSE 99 END, fund_pay_type""")


def fund_series(fund_pay_type: str, period_end: dt.date) -> pd.DataFrame:
    """The fund's months from January of the year before period_end through period_end.

    Besides the mart's columns, each row carries year-to-date sums of additive amounts (Σ from
    January of its year through the month): ytd_current_balance_amt (本年累计当期结余) and
    ytd_expenditure_<category>_amt (本年累计基金支出 by 门诊/住院/药店/异地).
    """
    start = dt.date(period_end.year - 1, 1, 1)
    return query(f"""
        SELECT {_SERIES_COLUMNS},
               sum(current_balance_amt) OVER ytd AS ytd_current_balance_amt,
               sum(expenditure_outpatient_amt) OVER ytd AS ytd_expenditure_outpatient_amt,
               sum(expenditure_inpatient_amt) OVER ytd AS ytd_expenditure_inpatient_amt,
               sum(expenditure_pharmacy_amt) OVER ytd AS ytd_expenditure_pharmacy_amt,
               sum(expenditure_out_of_area_amt) OVER ytd AS ytd_expenditure_out_of_area_amt
        FROM marts.fct_fund_monthly
        WHERE fund_pay_type = ? AND month_start BETWEEN ? AND ?
        WINDOW ytd AS (PARTITION BY year ORDER BY month_start)
        ORDER BY month_start""", [fund_pay_type, start, _month_start(period_end)])


def institution_pay_measure(fund_pay_type: str) -> str:
    """The fct_institution_pay_growth measure that carries the fund's pay at an institution."""
    return "hifp_pay" if fund_pay_type in POOL_FUNDS else "fund_pay"


def institution_pay_growth(fund_pay_type: str, period_end: dt.date, limit: int = 10) -> pd.DataFrame:
    """Institutions ranked by the increase of the fund's year-to-date pay at period_end over
    the same months a year earlier (fct_institution_pay_growth, the fund's scheme).

    Columns: fixmedins_code, fixmedins_name, peer_group_zh, current_amt, base_amt (null when
    the mart does not reach back to the base period: then has_base is false and the ranking is
    by current_amt), increase_amt, growth_rate, contribution_share, has_base, measure — the
    mart's columns of the measure, renamed.
    """
    measure = institution_pay_measure(fund_pay_type)
    return query(f"""
        WITH fund AS (
            SELECT CASE any_value(fund_scheme) WHEN 'employee' THEN 'employee'
                                               WHEN 'resident' THEN 'resident' ELSE 'all' END AS scheme
            FROM marts.fct_fund_monthly WHERE fund_pay_type = $fund
        )
        SELECT fixmedins_code, fixmedins_name, peer_group_zh,
               {measure}_ytd::double AS current_amt,
               {measure}_ytd_last_year::double AS base_amt,
               {measure}_ytd_increase::double AS increase_amt,
               {measure}_ytd_growth::double AS growth_rate,
               {measure}_increase_share::double AS contribution_share,
               has_base, $measure AS measure
        FROM marts.fct_institution_pay_growth
        WHERE setl_month = $month AND scheme = (SELECT scheme FROM fund)
        ORDER BY increase_amt DESC NULLS LAST, current_amt DESC, fixmedins_code
        LIMIT $limit""",
        {"fund": fund_pay_type, "month": _month_start(period_end), "measure": measure, "limit": limit})


def _month_start(day: dt.date) -> dt.date:
    return dt.date(day.year, day.month, 1)
