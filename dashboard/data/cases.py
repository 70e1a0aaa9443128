"""The inspection case list (案件线索) of one institution and period, read from
marts.fct_inspection_case: the hits with their patients, visits and claims, and summaries by rule
family and key area. Personal data leave this module masked (dashboard/privacy.py); the
definitions of rule families and key areas come from marts.dim_rule_families and dim_key_areas.

Filters shared by the functions: ``families`` (rule_family codes) and ``areas`` (key_area_zh
values); None or an empty list keeps everything.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import pandas as pd

from dashboard.data.db import query
from dashboard.privacy import mask_personal_columns

SummaryBy = Literal["family_area", "family", "area"]

#: The case list's columns in display order, with their Chinese headers (page table and XLSX).
CASE_COLUMNS_ZH: dict[str, str] = {
    "rule_hit_id": "线索编号", "period": "年度", "fixmedins_code": "机构编码", "fixmedins_name": "机构名称",
    "rule_id": "规则编号", "rule_family_zh": "规则类别", "rule_category_zh": "违规大类",
    "result_type": "结果类型", "key_area_zh": "重点领域", "hit_date": "发生日期",
    "setl_id": "结算ID", "mdtrt_id": "就诊ID", "bkkp_sn": "记账流水号", "related_bkkp_sn": "关联记账流水号",
    "hilist_code": "医保目录编码", "hilist_name": "医保目录名称", "cnt": "数量",
    "suspect_amt": "涉嫌违规金额（元）", "evidence_zh": "违规依据",
    "psn_no": "人员编号", "psn_name": "姓名", "certno": "证件号码", "tel": "联系电话", "addr": "地址",
    "gend_zh": "性别", "age_at_hit": "年龄", "med_type_zh": "医疗类别", "visit_type_zh": "就诊类型",
    "begndate": "就诊（入院）日期", "enddate": "结束（出院）日期", "los_days": "住院天数",
    "dscg_maindiag_code": "主要诊断编码", "dscg_maindiag_name": "主要诊断名称",
    "medfee_sumamt": "结算医疗费总额（元）", "fund_pay_sumamt": "结算基金支付（元）",
}


def _filters(families: Sequence[str] | None, areas: Sequence[str] | None) -> tuple[str, list]:
    """The WHERE fragment and parameters for the family and area filters (values as ?)."""
    clauses, params = [], []
    if families:
        clauses.append("list_contains(?, c.rule_family)")
        params.append(list(families))
    if areas:
        clauses.append("list_contains(?, c.key_area_zh)")
        params.append(list(areas))
    return "".join(f" AND {c}" for c in clauses), params


def case_periods() -> list[str]:
    """The periods ('YYYY') of fct_inspection_case, latest first."""
    frame = query("SELECT DISTINCT period FROM marts.fct_inspection_case ORDER BY period DESC")
    return list(frame["period"])


def institution_name(fixmedins_code: str) -> str | None:
    """The institution's name in dim_institutions, or None when the code is unknown."""
    frame = query("SELECT fixmedins_name FROM marts.dim_institutions WHERE fixmedins_code = ?",
                  [fixmedins_code])
    return None if frame.empty else str(frame["fixmedins_name"].iloc[0])


def case_lines(fixmedins_code: str, period: str, families: Sequence[str] | None = None,
               areas: Sequence[str] | None = None, limit: int | None = None,
               reveal: bool = False) -> pd.DataFrame:
    """The institution's hits in the period, one row per hit as fct_inspection_case has it
    (the columns of CASE_COLUMNS_ZH plus rule_family), largest suspect amount first, at most
    `limit` rows when given; psn_name, certno, tel and addr masked unless reveal (the caller
    decides with dashboard.auth.access.may_unmask and records the view)."""
    where, params = _filters(families, areas)
    frame = query(f"""
        SELECT c.rule_family, {', '.join(f'c.{col}' for col in CASE_COLUMNS_ZH)}
        FROM marts.fct_inspection_case AS c
        WHERE c.fixmedins_code = ? AND c.period = ?{where}
        ORDER BY c.suspect_amt DESC, c.hit_date, c.rule_hit_id
        {'' if limit is None else 'LIMIT ?'}""",
                  [fixmedins_code, period, *params, *([] if limit is None else [int(limit)])])
    return mask_personal_columns(frame, reveal=reveal)


def case_summary(fixmedins_code: str, period: str, families: Sequence[str] | None = None,
                 areas: Sequence[str] | None = None, by: SummaryBy = "family_area") -> pd.DataFrame:
    """The institution's hits in the period counted by rule family × key area (by='family_area'),
    by rule family only ('family') or by key area only ('area'): hit_count, confirmed_hit_count
    (明确), suspect_amt (Σ, 元), patient_count and visit_count (distinct psn_no / mdtrt_id within
    the row). Rule families and key areas in their display order (dim_rule_families,
    dim_key_areas). The family columns are null when by='area', key_area_zh when by='family'."""
    if by not in ("family_area", "family", "area"):
        raise ValueError(f"by must be family_area, family or area, not {by!r}")
    family = by in ("family_area", "family")
    area = by in ("family_area", "area")
    keys = ([] if not family else ["c.rule_family", "c.rule_family_zh", "c.rule_category_zh"]) + \
           ([] if not area else ["c.key_area_zh"])
    where, params = _filters(families, areas)
    return query(f"""
        SELECT {'c.rule_family, c.rule_family_zh, c.rule_category_zh' if family else
                'NULL AS rule_family, NULL AS rule_family_zh, NULL AS rule_category_zh'},
               {'c.key_area_zh' if area else 'NULL AS key_area_zh'},
               count(*) AS hit_count,
               count(*) FILTER (WHERE c.result_type = '明确') AS confirmed_hit_count,
               sum(c.suspect_amt) AS suspect_amt,
               count(DISTINCT c.psn_no) AS patient_count,
               count(DISTINCT c.mdtrt_id) AS visit_count
        FROM marts.fct_inspection_case AS c
        LEFT JOIN marts.dim_rule_families AS f ON c.rule_family = f.rule_family
        LEFT JOIN marts.dim_key_areas AS k ON c.key_area_zh = k.key_area_zh
        WHERE c.fixmedins_code = ? AND c.period = ?{where}
        GROUP BY {', '.join(keys)}
        ORDER BY {'min(f.sort_order), ' if family else ''}{'min(k.sort_order), ' if area else ''}
                 {', '.join(keys)}""", [fixmedins_code, period, *params])


def rule_family_definitions() -> pd.DataFrame:
    """Every rule family (dim_rule_families, in display order): Chinese name, 违规大类, the source of
    its rules and its Chinese definition (seed rule_family_definitions; null for a family
    without one)."""
    return query("""
        SELECT rule_family, rule_family_zh, rule_category_zh, source, definition_zh
        FROM marts.dim_rule_families
        ORDER BY sort_order""")


def key_area_definitions() -> pd.DataFrame:
    """The key areas (dim_key_areas) in display order with what each covers."""
    return query("""
        SELECT key_area_zh, is_campaign_area, definition_zh
        FROM marts.dim_key_areas ORDER BY sort_order""")
