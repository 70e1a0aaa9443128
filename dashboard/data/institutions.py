"""One institution against its peer group, for the institution-profile page (机构画像), and its
enforcement history (案件查处与信用评价).

Reads fct_institution_month and dim_institutions; the history fct_enforcement_case and
fct_institution_credit_history. Monthly indicators and their peer values are
read as the mart defines them; the 12-month figures of the KPI cards are recomputed in SQL as
ratios of the mart's sums over the months (as its yml asks: "recompute ratios from the sums when
rolling up; never average them"), null when the denominator is not positive (safe_ratio).
"""

from __future__ import annotations

from typing import Literal, get_args

import pandas as pd

from dashboard.data.db import query
from dashboard.privacy import mask_certno

Scheme = Literal["all", "employee", "resident"]
VisitGroup = Literal["all", "outpatient", "inpatient", "pharmacy"]

SCHEMES: tuple[str, ...] = get_args(Scheme)
VISIT_GROUPS: tuple[str, ...] = get_args(VisitGroup)
SCHEME_ZH = {"all": "全部险种", "employee": "职工医保", "resident": "居民医保"}
VISIT_GROUP_ZH = {"all": "全部", "outpatient": "门诊", "inpatient": "住院", "pharmacy": "药店购药"}

#: The KPI cards cover the last this-many months of the mart.
WINDOW_MONTHS = 12
#: fct_enforcement_case.subject_type of an insured person: the subject_code is their psn_no.
PERSON_SUBJECT = "3"


def _ratio(numerator: str, denominator: str) -> str:
    """SQL for Σ numerator ÷ Σ denominator, null unless the denominator is positive."""
    return (f"CASE WHEN sum({denominator}) > 0 "
            f"THEN CAST(sum({numerator}) AS DOUBLE) / sum({denominator}) END")


def institution_options(months: int = WINDOW_MONTHS) -> pd.DataFrame:
    """Every institution with rows in fct_institution_month: code, name, type, peer group and its
    基金支付 (fund_pay_sumamt, all schemes and visit groups) over the mart's last `months`
    months, largest first — the order of the picker and the default (largest hospital)."""
    return query("""
        WITH last_month AS (SELECT max(setl_month) AS last_month FROM marts.fct_institution_month),
        pay AS (
            SELECT f.fixmedins_code, sum(f.fund_pay_sumamt) AS fund_pay_window
            FROM marts.fct_institution_month AS f, last_month AS w
            WHERE f.scheme = 'all' AND f.visit_group = 'all'
              AND f.setl_month > w.last_month - to_months(?)
            GROUP BY f.fixmedins_code
        ),
        present AS (SELECT DISTINCT fixmedins_code FROM marts.fct_institution_month)
        SELECT d.fixmedins_code, d.fixmedins_name, d.inst_type, d.inst_type_zh, d.peer_group_zh,
               coalesce(pay.fund_pay_window, 0) AS fund_pay_window
        FROM marts.dim_institutions AS d
        JOIN present USING (fixmedins_code)
        LEFT JOIN pay USING (fixmedins_code)
        ORDER BY fund_pay_window DESC, d.fixmedins_code""", [months])


def default_institution(options: pd.DataFrame) -> str | None:
    """The largest hospital by fund pay (options come largest first); any institution if the
    warehouse has no hospital; None if it has none at all."""
    if options.empty:
        return None
    hospitals = options[options["inst_type"] == "hospital"]
    return str((hospitals if not hospitals.empty else options)["fixmedins_code"].iloc[0])


def institution_profile(fixmedins_code: str) -> pd.DataFrame:
    """The institution's attributes from dim_institutions (one row, or none if unknown)."""
    return query("""
        SELECT fixmedins_code, fixmedins_name, inst_type, inst_type_zh, hosp_lv_name_zh,
               level_grade_zh, peer_group, peer_group_zh, aprv_bed_cnt, admdvs, is_local, cred_lv
        FROM marts.dim_institutions
        WHERE fixmedins_code = ?""", [fixmedins_code])


def institution_summary(fixmedins_code: str, scheme: Scheme = "all", visit_group: VisitGroup = "all",
                        months: int = WINDOW_MONTHS) -> pd.DataFrame:
    """One row: the institution's indicators over the mart's last `months` months and the same
    indicators of its peer group, each a ratio of the summed numerators and denominators.

    window_start/window_end bound the window (the mart's last month and the months before it);
    months_with_data counts the institution's months in it. visits_share_of_peer is the
    institution's share of the peer group's 人次; peer_institutions the largest monthly peer count.
    *_vs_peer = institution value ÷ peer value.
    """
    _check(scheme, visit_group)
    return query(f"""
        WITH last_month AS (SELECT max(setl_month) AS last_month FROM marts.fct_institution_month),
        cell AS (
            SELECT f.*
            FROM marts.fct_institution_month AS f, last_month AS w
            WHERE f.fixmedins_code = ? AND f.scheme = ? AND f.visit_group = ?
              AND f.setl_month > w.last_month - to_months(?)
        ),
        sums AS (
            SELECT count(*) AS months_with_data,
                   sum(visits) AS visits, sum(discharges) AS discharges,
                   sum(medfee_sumamt) AS medfee_sumamt, sum(fund_pay_sumamt) AS fund_pay_sumamt,
                   max(peer_institutions) AS peer_institutions,
                   {_ratio('visits', 'peer_visits')} AS visits_share_of_peer,
                   {_ratio('medfee_sumamt', 'visits')} AS avg_medfee_per_visit,
                   {_ratio('peer_medfee_sumamt', 'peer_visits')} AS peer_avg_medfee_per_visit,
                   {_ratio('los_days_sum', 'discharges')} AS avg_los_days,
                   {_ratio('peer_los_days_sum', 'peer_discharges')} AS peer_avg_los_days,
                   {_ratio('drug_amt', 'medfee_sumamt')} AS drug_ratio,
                   {_ratio('peer_drug_amt', 'peer_medfee_sumamt')} AS peer_drug_ratio,
                   {_ratio('consumable_amt', 'medfee_sumamt')} AS consumable_ratio,
                   {_ratio('peer_consumable_amt', 'peer_medfee_sumamt')} AS peer_consumable_ratio,
                   {_ratio('fund_pay_sumamt', 'medfee_sumamt')} AS reimbursement_ratio,
                   {_ratio('peer_fund_pay_sumamt', 'peer_medfee_sumamt')} AS peer_reimbursement_ratio
            FROM cell
        )
        SELECT CAST(w.last_month - to_months(? - 1) AS DATE) AS window_start,
               CAST(w.last_month AS DATE) AS window_end, sums.*,
               avg_medfee_per_visit / nullif(peer_avg_medfee_per_visit, 0) AS avg_medfee_per_visit_vs_peer,
               avg_los_days / nullif(peer_avg_los_days, 0) AS avg_los_days_vs_peer,
               drug_ratio / nullif(peer_drug_ratio, 0) AS drug_ratio_vs_peer,
               consumable_ratio / nullif(peer_consumable_ratio, 0) AS consumable_ratio_vs_peer,
               reimbursement_ratio / nullif(peer_reimbursement_ratio, 0) AS reimbursement_ratio_vs_peer
        FROM sums, last_month AS w""", [fixmedins_code, scheme, visit_group, months, months])


def institution_monthly(fixmedins_code: str, scheme: Scheme = "all",
                        visit_group: VisitGroup = "all") -> pd.DataFrame:
    """The institution's rows of fct_institution_month for one scheme × visit group, by month:
    volumes, amounts, the service indicators and their peer-group values as the mart has them."""
    _check(scheme, visit_group)
    return query("""
        SELECT setl_month, visits, persons, discharges, medfee_sumamt, fund_pay_sumamt,
               avg_medfee_per_visit, peer_avg_medfee_per_visit,
               avg_los_days, peer_avg_los_days,
               drug_ratio, peer_drug_ratio,
               consumable_ratio, peer_consumable_ratio,
               reimbursement_ratio, peer_reimbursement_ratio,
               peer_institutions
        FROM marts.fct_institution_month
        WHERE fixmedins_code = ? AND scheme = ? AND visit_group = ?
        ORDER BY setl_month""", [fixmedins_code, scheme, visit_group])


def institution_cases(fixmedins_code: str, reveal: bool = False) -> pd.DataFrame:
    """The institution's enforcement cases (fct_enforcement_case, any subject at the institution),
    latest opened first: subject, violation type, amounts, status, dates and upward report.

    The subject_code of an insured person (subject_type 3) is their psn_no: masked as an ID
    number (first 3 and last 4 kept, dashboard/privacy.py) unless reveal (the caller decides
    with dashboard.auth.access.may_unmask and records the view)."""
    frame = query("""
        SELECT case_id, open_date, case_source_zh, subject_type, subject_type_zh, subject_code,
               violation_type_zh, involved_amt, recovered_amt, fine_amt, legal_article_zh, referral_zh,
               case_status_zh, is_closed, close_date, days_to_close, days_open, report_status
        FROM marts.fct_enforcement_case
        WHERE fixmedins_code = ?
        ORDER BY open_date DESC, case_id""", [fixmedins_code])
    if not reveal:
        person = frame["subject_type"] == PERSON_SUBJECT
        frame["subject_code"] = frame["subject_code"].where(~person, mask_certno(frame["subject_code"]))
    return frame


def credit_history(fixmedins_code: str) -> pd.DataFrame:
    """The institution's year by year record (fct_institution_credit_history), by year: credit
    score, grade and blacklist, points deducted and awarded, doctors penalised, inspections (with
    findings), cases opened and closed and the closed cases' amounts."""
    return query("""
        SELECT eval_year, credit_score, credit_grade, blacklist_flag, blacklist_begndate, blacklist_enddate,
               points_deducted, points_awarded, doctors_penalised, inspections, inspections_with_findings,
               cases_opened, cases_closed, involved_amt, recovered_amt, fine_amt
        FROM marts.fct_institution_credit_history
        WHERE fixmedins_code = ?
        ORDER BY eval_year""", [fixmedins_code])


def _check(scheme: str, visit_group: str) -> None:
    if scheme not in SCHEMES:
        raise ValueError(f"unknown scheme {scheme!r}; expected one of {SCHEMES}")
    if visit_group not in VISIT_GROUPS:
        raise ValueError(f"unknown visit group {visit_group!r}; expected one of {VISIT_GROUPS}")
