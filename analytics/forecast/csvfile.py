"""Read a date/value series from a user's CSV, with errors that name the file, row and column.

Rows are numbered as in `ingest`: the first data row is row 1 (the header is not counted).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analytics.errors import AnalyticsError
from analytics.forecast.series import prepare
from ingest.errors import IngestError
from ingest.readers import detect_encoding


def _parse_dates(raw: pd.Series, freq: str) -> pd.Series:
    """Period starts; NaT where the text is not a date (a bare year is one for freq A)."""
    text = raw.str.strip()
    dates = pd.to_datetime(text, errors="coerce", format="mixed")
    if freq == "A":
        years = pd.to_numeric(text, errors="coerce")
        is_year = years.notna() & (years % 1 == 0) & years.between(1000, 9999)
        dates = dates.where(~is_year, pd.to_datetime(years.where(is_year).astype("Int64").astype(str),
                                                       format="%Y", errors="coerce"))
    return dates.dt.to_period("M" if freq == "M" else "Y").dt.to_timestamp()


def _parse_values(raw: pd.Series) -> pd.Series:
    """Numbers, allowing thousands separators and surrounding spaces; NaN where not a number."""
    return pd.to_numeric(raw.str.strip().str.replace(",", "", regex=False), errors="coerce")


def read_series_csv(path: Path, date_col: str, value_col: str, freq: str) -> pd.Series:
    """The value column indexed by period starts, sorted and checked by `series.prepare`.

    Raises AnalyticsError for a missing file or column, an empty, unparsable or duplicate date,
    an empty or non-numeric value (naming the file, the row and the column), a missing period
    or too short a history.
    """
    if not path.is_file():
        raise AnalyticsError(f"{path}: no such file.")
    try:
        encoding = detect_encoding(path)
    except IngestError as exc:
        raise AnalyticsError(str(exc)) from exc
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise AnalyticsError(f"{path}: not a readable CSV file ({exc}).") from exc
    columns = [c.strip() for c in table.columns]
    table.columns = columns
    for column in (date_col, value_col):
        if column not in columns:
            raise AnalyticsError(f"{path}: no column {column!r}; the columns are {', '.join(columns)}.")
    rows = pd.RangeIndex(1, len(table) + 1)
    raw_dates, raw_values = table[date_col].set_axis(rows), table[value_col].set_axis(rows)
    dates, values = _parse_dates(raw_dates, freq), _parse_values(raw_values)
    for row in dates.index[dates.isna()][:1]:
        what = "is empty" if not raw_dates[row].strip() else f"is not a date: {raw_dates[row]!r}"
        raise AnalyticsError(f"{path}: row {row}, column {date_col!r} {what}.")
    for row in values.index[values.isna()][:1]:
        what = "is empty" if not raw_values[row].strip() else f"is not a number: {raw_values[row]!r}"
        raise AnalyticsError(f"{path}: row {row}, column {value_col!r} {what}.")
    repeated = dates[dates.duplicated(keep=False)]
    if len(repeated):
        first = repeated.iloc[0]
        same = ", ".join(map(str, repeated.index[repeated == first]))
        unit, label = ("month", f"{first:%Y-%m}") if freq == "M" else ("year", f"{first:%Y}")
        raise AnalyticsError(f"{path}: rows {same} of column {date_col!r} are the same {unit} ({label}); "
                             f"each {unit} may appear once.")
    try:
        return prepare(pd.Series(values.to_numpy(), index=pd.DatetimeIndex(dates.to_numpy()), name=value_col), freq)
    except AnalyticsError as exc:
        raise AnalyticsError(f"{path}: {exc}") from exc
