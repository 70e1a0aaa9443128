"""Enforcement outcomes (执法成效), for the leadership page: reads the enforcement marts
fct_enforcement_case, fct_enforcement_funnel, fct_enforcement_recovery and fct_case_upward_report.

A page view is one year and one area (admdvs, or ALL). What "the year" means follows each mart's
grain: the funnel's cohort is the lead's year (a 2023 tip whose case closed in 2024 counts in
2023); recoveries, fines and days to close are by close year; an upward report is in the year of
its deadline, a case still waiting for its trigger (待办结, no deadline yet) in its open year. The
area of a case is its institution's admdvs (fct_enforcement_case.admdvs).

Money sums of the KPI row are exact: summed as DECIMAL in SQL and returned as Decimal.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from dashboard.data.db import query

ALL = "all"
#: Upward-report status that is overdue and still not reported.
OVERDUE_UNREPORTED = "逾期未报"
#: The funnel's stages, in order: fct_enforcement_funnel column → Chinese label.
FUNNEL_STAGES = {"leads": "线索 / 检查", "closed": "核查办结", "verified": "查实 / 发现问题",
                 "cases": "立案", "cases_closed": "结案"}
KPI_MONEY = ("involved_amt", "recovered_amt", "fine_amt")


def _area(alias: str) -> str:
    """The area filter on `alias`.admdvs: the parameter ALL keeps every row."""
    return f"(? = '{ALL}' OR {alias}.admdvs = ?)"


def years() -> list[int]:
    """Years with enforcement activity — a funnel cohort or a close year — latest first."""
    frame = query("""
        SELECT year FROM marts.fct_enforcement_funnel
        UNION SELECT close_year FROM marts.fct_enforcement_recovery
        ORDER BY 1 DESC""")
    return [int(y) for y in frame.iloc[:, 0].dropna()]


def areas() -> list[str]:
    """The areas (admdvs) of the funnel and the cases, in code order."""
    frame = query("""
        SELECT admdvs FROM marts.fct_enforcement_funnel WHERE admdvs IS NOT NULL
        UNION SELECT admdvs FROM marts.fct_enforcement_case WHERE admdvs IS NOT NULL
        ORDER BY 1""")
    return list(frame["admdvs"])


def as_of_date() -> pd.Timestamp | None:
    """The ledgers' extract date (fct_enforcement_case.as_of_date)."""
    frame = query("SELECT max(as_of_date) AS as_of_date FROM marts.fct_enforcement_case")
    return None if frame.empty or pd.isna(frame["as_of_date"].iloc[0]) else frame["as_of_date"].iloc[0]


#: The year's upward reports with the case's area: the FROM of report queries, parameters
#: (year, area, area).
_REPORTS = f"""marts.fct_case_upward_report AS r
            JOIN marts.fct_enforcement_case AS c USING (case_id)
            WHERE coalesce(year(r.report_deadline), c.open_year) = ? AND {_area('c')}"""


def kpis(year: int, area: str = ALL) -> pd.Series:
    """One row for the year and area: cases_closed, involved_amt, recovered_amt, fine_amt (Σ of the
    cases closed in the year, Decimal), recovery_rate (Σ recovered ÷ Σ involved, null when nothing
    was involved), days_to_close_median (of those cases), reports_due, reports_overdue
    (逾期未报) and reports_late (逾期上报) among the year's upward reports."""
    frame = query(f"""
        WITH closed AS (
            SELECT count(*) AS cases_closed,
                   CAST(coalesce(sum(involved_amt), 0) AS VARCHAR) AS involved_amt,
                   CAST(coalesce(sum(recovered_amt), 0) AS VARCHAR) AS recovered_amt,
                   CAST(coalesce(sum(fine_amt), 0) AS VARCHAR) AS fine_amt,
                   CASE WHEN sum(involved_amt) > 0
                        THEN CAST(sum(recovered_amt) AS DOUBLE) / sum(involved_amt) END AS recovery_rate,
                   median(days_to_close) AS days_to_close_median
            FROM marts.fct_enforcement_case AS c
            WHERE c.is_closed AND year(c.close_date) = ? AND {_area('c')}
        ),
        reports AS (
            SELECT count(*) AS reports_due,
                   count(*) FILTER (WHERE r.report_status = '{OVERDUE_UNREPORTED}') AS reports_overdue,
                   count(*) FILTER (WHERE r.report_status = '逾期上报') AS reports_late
            FROM {_REPORTS}
        )
        SELECT * FROM closed, reports""", [int(year), area, area, int(year), area, area])
    row = frame.iloc[0].copy()
    for column in KPI_MONEY:
        row[column] = Decimal(row[column])
    return row


def funnel(year: int, area: str = ALL) -> pd.DataFrame:
    """One row per channel (举报线索, then the inspection types) of the year's cohort in the area:
    the FUNNEL_STAGES counts and the cases' involved, recovered and fined amounts."""
    return query(f"""
        SELECT f.channel, any_value(f.channel_zh) AS channel_zh,
               sum(f.leads) AS leads, sum(f.closed) AS closed, sum(f.verified) AS verified,
               sum(f.cases) AS cases, sum(f.cases_closed) AS cases_closed,
               sum(f.involved_amt) AS involved_amt, sum(f.recovered_amt) AS recovered_amt,
               sum(f.fine_amt) AS fine_amt, sum(f.rewards_paid_amt) AS rewards_paid_amt
        FROM marts.fct_enforcement_funnel AS f
        WHERE f.year = ? AND {_area('f')}
        GROUP BY f.channel
        ORDER BY f.channel <> 'tip', f.channel""", [int(year), area, area])


def recovery_by_month(year: int, area: str = ALL) -> pd.DataFrame:
    """One row per close month of the year in the area: cases_closed, involved, recovered and
    fined amounts."""
    return query(f"""
        SELECT r.close_month, sum(r.cases_closed) AS cases_closed, sum(r.involved_amt) AS involved_amt,
               sum(r.recovered_amt) AS recovered_amt, sum(r.fine_amt) AS fine_amt
        FROM marts.fct_enforcement_recovery AS r
        WHERE r.close_year = ? AND {_area('r')}
        GROUP BY r.close_month
        ORDER BY r.close_month""", [int(year), area, area])


def recovery_by_violation(year: int, area: str = ALL) -> pd.DataFrame:
    """One row per violation type of the cases closed in the year in the area, largest recovered +
    fined first: cases_closed, involved, recovered and fined amounts."""
    return query(f"""
        SELECT r.violation_type, any_value(r.violation_type_zh) AS violation_type_zh,
               sum(r.cases_closed) AS cases_closed, sum(r.involved_amt) AS involved_amt,
               sum(r.recovered_amt) AS recovered_amt, sum(r.fine_amt) AS fine_amt
        FROM marts.fct_enforcement_recovery AS r
        WHERE r.close_year = ? AND {_area('r')}
        GROUP BY r.violation_type
        ORDER BY sum(r.recovered_amt) + sum(r.fine_amt) DESC, r.violation_type""", [int(year), area, area])


def upward_reports(year: int, area: str = ALL) -> pd.DataFrame:
    """The year's cases due for upward reporting in the area, in the mart's order (逾期未报 first,
    then by deadline): case, institution, reason, trigger, deadline, report date and status."""
    return query(f"""
        SELECT r.case_id, r.fixmedins_code, r.fixmedins_name, c.admdvs, r.violation_type_zh,
               r.involved_amt, r.referral_zh, r.report_reason, r.report_trigger_date, r.report_deadline,
               r.report_date, r.report_status, r.days_overdue
        FROM {_REPORTS}
        ORDER BY r.display_order""",
                 [int(year), area, area])
