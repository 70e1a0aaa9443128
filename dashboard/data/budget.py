"""Budget execution (总额预算执行): reads fct_budget_execution, its roll-up and dim_institutions.

Every indicator (execution rate, time progress, gap, projection, alert level) comes from the
marts as built; these functions only select the rows a page view needs.
"""

from __future__ import annotations

import pandas as pd

from dashboard.data.db import query

ROLLUP_LEVELS = ("inst_type", "level_grade", "peer_group", "region")


def budget_periods() -> pd.DataFrame:
    """One row per budget year × insutype × reported month (month_of_year), latest flag included."""
    return query("""
        SELECT DISTINCT budget_year, insutype, month_of_year, is_latest_month
        FROM marts.fct_budget_execution
        ORDER BY budget_year, insutype, month_of_year""")


def institution_execution(budget_year: int, month_of_year: int, insutype: str) -> pd.DataFrame:
    """One row per budgeted institution at the month: execution, projection and alert, with names.

    Ordered by alert severity (red, amber, blue, green), then by the gap, largest first.
    """
    return query("""
        SELECT
            b.fixmedins_code,
            coalesce(i.fixmedins_name, b.fixmedins_code)  AS fixmedins_name,
            coalesce(i.inst_type_zh, '未知')              AS inst_type_zh,
            coalesce(i.level_grade_zh, '未知')            AS level_grade_zh,
            coalesce(i.peer_group_zh, '未知')             AS peer_group_zh,
            i.admdvs,
            b.budget_amt,
            b.month_hifp_pay,
            b.ytd_hifp_pay,
            b.execution_rate,
            b.time_progress_months,
            b.time_progress_days,
            b.execution_gap_pp,
            b.projection_method,
            b.projected_year_end_amt,
            b.projected_execution_rate,
            b.projected_over_under_amt,
            b.alert_level,
            b.alert_level_zh,
            b.alert_rule
        FROM marts.fct_budget_execution AS b
        LEFT JOIN marts.dim_institutions AS i USING (fixmedins_code)
        WHERE b.budget_year = ? AND b.month_of_year = ? AND b.insutype = ?
        ORDER BY CASE b.alert_level WHEN 'red' THEN 1 WHEN 'amber' THEN 2 WHEN 'blue' THEN 3 ELSE 4 END,
                 b.execution_gap_pp DESC NULLS LAST, b.fixmedins_code""",
                 [int(budget_year), int(month_of_year), str(insutype)])


def rollup_execution(budget_year: int, month_of_year: int, insutype: str,
                     rollup_level: str) -> pd.DataFrame:
    """One row per group of a roll-up level ('all', 'region', 'inst_type', 'level_grade',
    'peer_group') at the month, from fct_budget_execution_rollup."""
    if rollup_level not in ("all", *ROLLUP_LEVELS):
        raise ValueError(f"unknown roll-up level: {rollup_level}")
    return query("""
        SELECT
            rollup_level, group_code, group_name_zh, institution_count,
            budget_amt, month_hifp_pay, ytd_hifp_pay, execution_rate,
            time_progress_months, time_progress_days, execution_gap_pp,
            projected_year_end_amt, projected_execution_rate, projected_over_under_amt,
            red_alert_count, amber_alert_count, blue_alert_count
        FROM marts.fct_budget_execution_rollup
        WHERE budget_year = ? AND month_of_year = ? AND insutype = ? AND rollup_level = ?
        ORDER BY execution_rate DESC NULLS LAST, group_code""",
                 [int(budget_year), int(month_of_year), str(insutype), rollup_level])


def institution_curve(fixmedins_code: str, insutype: str, up_to_year: int) -> pd.DataFrame:
    """The institution's monthly cumulative execution for every budget year up to `up_to_year`:
    one row per year × month, with time progress, the projection of that month and the name."""
    return query("""
        SELECT
            b.budget_year, b.month_of_year, b.budget_amt, b.ytd_hifp_pay, b.execution_rate,
            b.time_progress_months, b.projected_execution_rate, b.alert_level_zh,
            coalesce(i.fixmedins_name, b.fixmedins_code) AS fixmedins_name
        FROM marts.fct_budget_execution AS b
        LEFT JOIN marts.dim_institutions AS i USING (fixmedins_code)
        WHERE b.fixmedins_code = ? AND b.insutype = ? AND b.budget_year <= ?
        ORDER BY b.budget_year, b.month_of_year""",
                 [str(fixmedins_code), str(insutype), int(up_to_year)])
