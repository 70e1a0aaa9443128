"""Read-only queries against a test's DuckDB file, and DuckDB's rounding of the marts' ratios."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb

CENT, BASIS_POINT = Decimal("0.01"), Decimal("0.0001")


def query(path: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def safe_ratio(numerator, denominator, unit: Decimal = BASIS_POINT) -> Decimal | None:
    """The ratio as the safe_ratio macro gives it on DuckDB: the division runs in double
    precision and the cast to DECIMAL scales by 10^scale, then rounds half away from zero
    (149.925 → 14992.4999… → 149.92, 6777.775 → 677777.5 → 6777.78)."""
    if denominator is None or denominator <= 0:
        return None
    scaled = Decimal(float(numerator) / float(denominator) * float(1 / unit))
    return (scaled.quantize(Decimal(1), rounding=ROUND_HALF_UP) * unit).quantize(unit)
