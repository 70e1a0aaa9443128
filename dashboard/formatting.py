"""Number formatting for the UI: money in 元/万元/亿元, percentages, months. The one helper."""

from __future__ import annotations

import math
from decimal import Decimal

Number = int | float | Decimal | None


def _missing(value: Number) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def money(value: Number, digits: int = 2) -> str:
    """Yuan as the unit a reader expects: ≥ 1 亿 in 亿元, ≥ 1 万 in 万元, else 元."""
    if _missing(value):
        return "—"
    amount = float(value)
    for unit, size in (("亿元", 1e8), ("万元", 1e4)):
        if abs(amount) >= size:
            return f"{amount / size:,.{digits}f} {unit}"
    return f"{amount:,.{digits}f} 元"


def money_in(value: Number, unit: str, digits: int = 2) -> str:
    """Yuan in a fixed unit (元, 万元 or 亿元), for tables and axes that must compare."""
    if _missing(value):
        return "—"
    size = {"元": 1, "万元": 1e4, "亿元": 1e8}[unit]
    return f"{float(value) / size:,.{digits}f}"


def percent(value: Number, digits: int = 1, signed: bool = False) -> str:
    """A ratio (0.153) as a percentage (15.3%); signed adds + to positive growth."""
    if _missing(value):
        return "—"
    sign = "+" if signed and float(value) > 0 else ""
    return f"{sign}{float(value) * 100:.{digits}f}%"


def months(value: Number) -> str:
    if _missing(value):
        return "—"
    return f"{float(value):.1f} 个月"


def count(value: Number) -> str:
    if _missing(value):
        return "—"
    return f"{int(value):,}"
