"""The medical-insurance catalogue (hilist_b, hilist_lmtpric_d) and its lookup arrays."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from . import reference as R
from .util import const_str, dates, day_of, money

LV_INDEX = {"01": 0, "02": 1, "03": 2}


@dataclass
class Catalogue:
    entries: tuple[R.Entry, ...]
    code: pa.Array
    name: pa.Array
    list_type: pa.Array
    chrgitm_type: pa.Array
    lv_str: pa.Array
    lv: np.ndarray              # 0 甲, 1 乙, 2 丙
    price4: np.ndarray       # base price in 1/10000 yuan
    cap4: np.ndarray            # price cap in 1/10000 yuan, 0 = none
    selfpay_1e4: np.ndarray     # selfpay_prop × 10000
    is_item: np.ndarray         # list_type 201 (service item)
    is_drug: np.ndarray
    is_cons: np.ndarray
    pools: dict[str, np.ndarray]

    def pool(self, name: str) -> np.ndarray:
        return self.pools[name]

    def idx(self, code: str) -> int:
        return next(i for i, e in enumerate(self.entries) if e.code == code)


def build_catalogue() -> Catalogue:
    e = R.CATALOGUE
    pools: dict[str, list[int]] = {}
    for i, x in enumerate(e):
        pools.setdefault(x.pool, []).append(i)
    return Catalogue(
        entries=e,
        code=pa.array([x.code for x in e]), name=pa.array([x.name for x in e]),
        list_type=pa.array([x.list_type for x in e]), chrgitm_type=pa.array([x.chrgitm_type for x in e]),
        lv_str=pa.array([x.lv for x in e]),
        lv=np.array([LV_INDEX[x.lv] for x in e], dtype=np.int8),
        price4=np.array([round(x.price * 10000) for x in e], dtype=np.int64),
        cap4=np.array([round((x.cap or 0) * 10000) for x in e], dtype=np.int64),
        selfpay_1e4=np.array([round((x.selfpay_prop or 0) * 10000) for x in e], dtype=np.int64),
        is_item=np.array([x.list_type == "201" for x in e]),
        is_drug=np.array([x.list_type in ("101", "102", "103") for x in e]),
        is_cons=np.array([x.list_type == "301" for x in e]),
        pools={k: np.array(v, dtype=np.int64) for k, v in pools.items()},
    )


def hilist_table(cat: Catalogue, start_year: int) -> pa.Table:
    """hilist_b: one row per catalogue entry."""
    e = cat.entries
    n = len(e)
    restricted = np.array([x.lmt_usescp is not None for x in e])
    sp = np.array([x.selfpay_prop is not None for x in e])
    begin = np.full(n, day_of("2020-01-01"))
    # A few entries joined the catalogue during the period (new 谈判/集采 entries).
    late = np.array([x.pool in ("drug_onc_oral", "cons_ablation") for x in e])
    begin[late] = day_of(f"{start_year}-03-01")
    sel = money(np.where(sp, cat.selfpay_1e4, 0), 4)
    sel = pa.compute.if_else(pa.array(sp), sel, pa.scalar(None, sel.type))
    return pa.table({
        "hilist_code": cat.code, "hilist_name": cat.name, "list_type": cat.list_type,
        "med_chrgitm_type": cat.chrgitm_type, "chrgitm_lv": cat.lv_str,
        "lmt_used_flag": pa.array(["1" if r else "0" for r in restricted]),
        "lmt_usescp": pa.array([x.lmt_usescp for x in e], pa.string()),
        "selfpay_prop": sel, "begndate": dates(begin), "enddate": dates(np.full(n, day_of("2099-12-31"))),
        "vali_flag": const_str("1", n),
    })


def lmtpric_table(cat: Catalogue, start_year: int) -> pa.Table:
    """hilist_lmtpric_d: price caps; caps were revised once (lowered) at the start of the period."""
    idx = np.flatnonzero(cat.cap4 > 0)
    k = len(idx)
    # Previous cap (10 % higher, ended the day before the period) and the current one.
    old = np.round(cat.cap4[idx] * 1.1 / 100).astype(np.int64) * 100
    codes = cat.code.take(pa.array(np.concatenate([idx, idx])))
    amt = np.concatenate([old, cat.cap4[idx]])
    begin = np.concatenate([np.full(k, day_of("2019-01-01")), np.full(k, day_of(f"{start_year}-01-01"))])
    end = np.concatenate([np.full(k, day_of(f"{start_year - 1}-12-31")), np.full(k, day_of("2099-12-31"))])
    order = np.lexsort((begin, np.concatenate([idx, idx])))
    return pa.table({
        "hilist_code": codes.take(pa.array(order)),
        "hilist_lmtpric_type": const_str("1", 2 * k),
        "hilist_pric_uplmt_amt": money(amt[order], 4),
        "begndate": dates(begin[order]), "enddate": dates(end[order]), "vali_flag": const_str("1", 2 * k),
    })
