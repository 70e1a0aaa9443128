"""Masking of personal data (姓名, 证件号, 电话, 地址) on its way out of the warehouse.

The warehouse keeps personal data unmasked (fct_inspection_case); every dashboard data function
and export that returns patients passes its frame through `mask_personal_columns`. The rules
(the 2019 notice §3.4 on protecting insured persons' data; issue 9 §1):

- 姓名: the first character kept, every other character a `*` (张三 → 张*, 欧阳娜娜 → 欧***);
  a one-character name becomes `*`.
- 证件号: the first 3 and last 4 characters kept, the rest `*` (110101199003071234 →
  110***********1234, 15-digit IDs alike); shorter than 15 characters (passports, damaged
  values): all `*`, since 7 kept characters would show most of it.
- 电话: the first 3 and last 4 kept (13812345678 → 138****5678) when at least 11 characters;
  shorter numbers (local landlines): all `*`.
- 地址: kept up to the county-level unit (…区/县/旗/市, e.g. 安徽省六安市裕安区), the rest
  replaced by `****` (a fixed mask: the length of the street address is not shown); an address
  with no recognisable county is masked entirely.

Missing values stay missing. Masking never returns the original value or contains it.

`reveal=True` returns the columns unmasked: only for an inspector on a case of the institution
(dashboard.auth.access.may_unmask), and the caller records the view in the audit log.
"""

from __future__ import annotations

import pandas as pd

MASK = "*"
ADDRESS_MASK = "****"

# Province (省, 自治区 or a municipality), then prefecture (市, 自治州, 盟, 地区), then the county-level
# unit (区, 县, 旗, 市); each part lazily matched and without nested unit characters, so the
# first county-level unit ends the kept prefix. 小区/社区/园区/校区/景区 are not counties.
_COUNTY_PREFIX = (
    r"^((?:[^省]{2,7}?省|[^区]{2,8}?自治区|北京市|天津市|上海市|重庆市)?"
    r"(?:[^市盟区县]{2,9}?(?:市|自治州|盟|地区))?"
    r"[^区县旗市]{1,9}?(?:(?<![小社园校景])区|县|旗|市))"
)


def _text(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The values as stripped strings, and where a value is present (not null, not blank)."""
    text = values.astype("string").str.strip()
    present = (text.str.len() > 0).fillna(False).astype(bool)
    return text, present


def _stars(counts: pd.Series) -> pd.Series:
    """A string of `*` per element, as many as the count (0 for missing counts)."""
    n = counts.fillna(0).clip(lower=0).astype(int)
    return n.map({k: MASK * k for k in n.unique()}).astype("string")


def _keep_ends(values: pd.Series, head: int, tail: int, min_len: int) -> pd.Series:
    """Keep `head` leading and `tail` trailing characters of values at least `min_len` long,
    a `*` for every other character; shorter values all `*`."""
    text, present = _text(values)
    length = text.str.len()
    long_enough = present & (length >= min_len).fillna(False).astype(bool)
    ends = text.str.slice(0, head) + _stars(length - head - tail) + text.str.slice(-tail)
    masked = ends.where(long_enough, _stars(length))
    return masked.astype(object).where(present, None)


def mask_name(values: pd.Series) -> pd.Series:
    """姓名 → first character and a `*` per other character (张三 → 张*); one character → `*`."""
    text, present = _text(values)
    length = text.str.len()
    masked = (text.str.slice(0, 1) + _stars(length - 1)).where((length > 1).fillna(False), MASK)
    return masked.astype(object).where(present, None)


def mask_certno(values: pd.Series) -> pd.Series:
    """证件号 → first 3 and last 4 kept (110***********1234); under 15 characters all `*`."""
    return _keep_ends(values, head=3, tail=4, min_len=15)


def mask_phone(values: pd.Series) -> pd.Series:
    """电话 → first 3 and last 4 kept (138****5678); under 11 characters all `*`."""
    return _keep_ends(values, head=3, tail=4, min_len=11)


def mask_address(values: pd.Series) -> pd.Series:
    """地址 → up to the county-level unit, then `****` (安徽省六安市裕安区****); no county: `****`."""
    text, present = _text(values)
    county = text.str.extract(_COUNTY_PREFIX, expand=False)
    masked = county.fillna("") + ADDRESS_MASK
    return masked.astype(object).where(present, None)


#: Personal columns and their masks, by the column names of the marts (stg_psn_info_b).
MASKS = {"psn_name": mask_name, "certno": mask_certno, "tel": mask_phone, "addr": mask_address}


def mask_personal_columns(frame: pd.DataFrame, reveal: bool = False) -> pd.DataFrame:
    """A copy of `frame` with every personal column present (psn_name, certno, tel, addr) masked.

    reveal=True keeps them unmasked (an inspector on a case; the caller audits it).
    """
    if reveal:
        return frame.copy()
    out = frame.copy()
    for column, mask in MASKS.items():
        if column in out:
            out[column] = mask(out[column])
    return out
