"""What the last build produced: models per layer and their row counts."""

from __future__ import annotations

import pandas as pd

from dashboard.data.db import connect


def model_row_counts() -> pd.DataFrame:
    """One row per built model: its layer (schema), name and row count."""
    con = connect()
    try:
        tables = con.execute("""
            SELECT table_schema, table_name FROM information_schema.tables
            WHERE table_catalog = current_database() AND table_schema NOT IN ('information_schema')
            ORDER BY 1, 2""").fetchall()
        rows = [(schema, name, con.execute(f'SELECT count(*) FROM "{schema}"."{name}"').fetchone()[0])
                for schema, name in tables]
    finally:
        con.close()
    return pd.DataFrame(rows, columns=["layer", "model", "rows"])
