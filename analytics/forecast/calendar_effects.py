"""Calendar regressors for monthly fund series: Spring Festival, working days, year-end.

The Spring Festival dates are the dbt seed `spring_festival` (read from the seed file, so
there is one list of dates). The holiday and working-day definitions are those of the mart
`dim_calendar`: the statutory holiday runs from the eve to the sixth day (除夕 … 初六), and a
working day is a weekday outside that holiday (other holidays are not modelled).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

from analytics.errors import AnalyticsError

SEED_FILE = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds" / "spring_festival.csv"
HOLIDAY_FIRST, HOLIDAY_LAST = -1, 6     # days from the festival: 除夕 … 初六


@lru_cache(maxsize=1)
def spring_festival_dates() -> dict[int, pd.Timestamp]:
    """Year → date of the Spring Festival (春节, 正月初一), from the dbt seed."""
    seed = pd.read_csv(SEED_FILE, usecols=["year", "festival_date"], parse_dates=["festival_date"])
    return dict(zip(seed["year"].astype(int), seed["festival_date"]))


def calendar_regressors(months: pd.DatetimeIndex) -> pd.DataFrame:
    """One row per month start: share of the Spring Festival holiday in the month, working
    days, and a December dummy for the year-end settlement (年终清算).

    Raises AnalyticsError for a year the seed has no Spring Festival date for.
    """
    festivals = spring_festival_dates()
    missing = sorted(set(months.year) - set(festivals))
    if missing:
        raise AnalyticsError(f"no Spring Festival date for {', '.join(map(str, missing))} in "
                             f"{SEED_FILE}; add the year to the seed to forecast with calendar effects.")
    days = pd.date_range(months.min(), months.max() + pd.offsets.MonthEnd(1), freq="D")
    festival = pd.DatetimeIndex([festivals[y] for y in days.year])
    offset = (days - festival).days
    holiday = (offset >= HOLIDAY_FIRST) & (offset <= HOLIDAY_LAST)
    working = (days.day_of_week < 5) & ~holiday
    month = days.to_period("M").to_timestamp()
    per_month = pd.DataFrame({"holiday": holiday, "working": working}, index=month).groupby(level=0).sum()
    per_month = per_month.reindex(months)
    return pd.DataFrame({
        "spring_festival": per_month["holiday"].to_numpy() / (HOLIDAY_LAST - HOLIDAY_FIRST + 1),
        "working_days": per_month["working"].to_numpy(dtype=float),
        "year_end": (months.month == 12).astype(float),
    }, index=months)
