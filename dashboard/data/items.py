"""重点药品耗材: monitored drugs and consumables by month, read from marts.fct_key_item_month and
marts.dim_items. Every indicator (spend, quantity, unit price, growth, the abnormal-change flag and
its reason) comes from the mart as built; these functions only select, filter and order it.

Filters shared by the functions:
- ``item_class``: 'all', 'drug' (药品) or 'consumable' (医用耗材);
- ``scope``: 'all' monitored items, 'key_item' (on the key-item list), 'top_spend' (top-N by
  fund-relevant spend), or a key-item group code (dim_items.key_group, e.g. orthopaedic_implant).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from dashboard.data.db import query

ITEM_CLASSES = ("all", "drug", "consumable")
SCOPES = ("all", "key_item", "top_spend")


def _filters(item_class: str, scope: str, alias: str = "f") -> tuple[str, list]:
    """The WHERE fragment and parameters for the class and scope filters (fixed SQL, values as ?)."""
    clauses, params = [], []
    if item_class != "all":
        clauses.append(f"{alias}.item_class = ?")
        params.append(item_class)
    if scope == "key_item":
        clauses.append(f"{alias}.is_key_item")
    elif scope == "top_spend":
        clauses.append(f"{alias}.is_top_spend_item")
    elif scope != "all":
        clauses.append(f"{alias}.key_group = ?")
        params.append(scope)
    return "".join(f" and {c}" for c in clauses), params


def filter_options() -> pd.DataFrame:
    """What the filters offer: kind 'month' (value = setl_month, newest first) and kind 'group'
    (value = key_group with its Chinese label and item class), for groups with monitored rows."""
    return query("""
        with months as (
            select distinct setl_month from marts.fct_key_item_month
        ),
        groups as (
            select distinct items.key_group, items.key_group_zh, items.item_class
            from marts.dim_items as items
            where items.is_key_item
              and items.hilist_code in (select hilist_code from marts.fct_key_item_month)
        )
        select 'month' as kind, strftime(setl_month, '%Y-%m-%d') as value,
               null as label, null as item_class, setl_month as sort_key
        from months
        union all
        select 'group', key_group, key_group_zh, item_class, null
        from groups
        order by kind desc, sort_key desc nulls last, item_class desc, value""", [])


def ranked_items(month: dt.date, item_class: str = "all", scope: str = "all") -> pd.DataFrame:
    """One row per monitored item in the settlement month, largest 使用金额 first, with its catalogue
    labels; scope_items / scope_spend / scope_anomalies repeat the totals of the filtered set."""
    where, params = _filters(item_class, scope)
    return query(f"""
        select
            row_number() over (order by f.spend desc, f.hilist_code)  as rank,
            f.hilist_code, f.hilist_name, f.item_class, d.item_class_zh,
            f.is_key_item, f.is_top_spend_item, f.inclusion_reason, f.key_group, d.key_group_zh,
            f.spend, f.inscp_spend, f.quantity, f.avg_unit_price, f.n_patients, f.n_institutions,
            f.share_of_class_spend, f.spend_mom_growth, f.spend_yoy_growth, f.spend_robust_z,
            f.is_anomaly, f.anomaly_reason,
            count(*) over ()                                         as scope_items,
            sum(f.spend) over ()                                     as scope_spend,
            sum(case when f.is_anomaly then 1 else 0 end) over ()    as scope_anomalies
        from marts.fct_key_item_month as f
        left join marts.dim_items as d on f.hilist_code = d.hilist_code
        where f.setl_month = ?{where}
        order by rank""", [month, *params])


def anomalies(end_month: dt.date, months: int = 12, item_class: str = "all",
              scope: str = "all") -> pd.DataFrame:
    """The flagged item-months (is_anomaly) of the `months` months ending at end_month, newest first."""
    where, params = _filters(item_class, scope)
    return query(f"""
        select f.setl_month, f.hilist_code, f.hilist_name, f.item_class, d.item_class_zh,
               f.key_group, d.key_group_zh, f.inclusion_reason,
               f.spend, f.spend_yoy_growth, f.trailing_median_spend, f.spend_robust_z,
               f.is_spend_spike, f.is_yoy_surge, f.anomaly_reason
        from marts.fct_key_item_month as f
        left join marts.dim_items as d on f.hilist_code = d.hilist_code
        where f.is_anomaly
          and f.setl_month <= ?
          and f.setl_month > ? - to_months(?){where}
        order by f.setl_month desc, f.spend desc, f.hilist_code""",
                 [end_month, end_month, months, *params])


def item_trend(hilist_code: str) -> pd.DataFrame:
    """The item's months (first use to the end of the data) with the catalogue attributes repeated
    on every row: class, 甲乙类, restriction, price cap, key-item group and reason."""
    return query("""
        select f.setl_month, f.hilist_code, f.hilist_name, f.item_class, d.item_class_zh,
               f.inclusion_reason, f.spend_rank_in_class, f.key_group, d.key_group_zh,
               d.key_item_name, d.key_item_reason, d.chrgitm_lv_name_zh, d.is_restricted,
               d.lmt_usescp, d.price_cap, d.price_cap_as_of_date,
               f.spend, f.quantity, f.avg_unit_price, f.n_patients, f.n_institutions,
               f.spend_mom_growth, f.spend_yoy_growth, f.quantity_yoy_growth,
               f.is_anomaly, f.anomaly_reason
        from marts.fct_key_item_month as f
        left join marts.dim_items as d on f.hilist_code = d.hilist_code
        where f.hilist_code = ?
        order by f.setl_month""", [hilist_code])


def top_institutions(hilist_code: str, month: dt.date, limit: int = 10) -> pd.DataFrame:
    """The institutions that billed the item most in the month (fct_key_item_institution_month):
    spend, quantity, patients and share of the item's spend, largest first."""
    return query("""
        select fixmedins_code, fixmedins_name, inst_type_zh, level_grade_zh,
               spend, quantity, n_patients, share_of_item_spend
        from marts.fct_key_item_institution_month
        where hilist_code = ? and setl_month = ?
        order by spend desc, fixmedins_code
        limit ?""", [hilist_code, month, limit])
