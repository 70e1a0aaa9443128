"""Generate the dbt sources file (`dbt_project/models/staging/_sources.yml`) from the contract.

The contract (`ingest.contracts`) is the one place raw tables and columns are declared; the
dbt source `raw` is derived from it so the two cannot drift (tests/test_dbt.py compares the
committed file with a fresh rendering).

    python -m ingest.dbt_sources            # rewrite the file
    python -m ingest.dbt_sources --check    # exit 1 if the file is out of date
"""

from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path

import yaml

from ingest.contracts import TABLES, Column, Table
from ingest.schema import BATCH_COLUMN

SOURCES_PATH = (Path(__file__).resolve().parents[1]
                / "dbt_project" / "models" / "staging" / "_sources.yml")

# DuckDB attaches the landing as database `landing`; Spark has no databases above schemas (a
# relation's database must equal its schema), and its `raw` schema holds views over the Parquet.
SOURCE_DATABASE = "{{ 'landing' if target.type == 'duckdb' else 'raw' }}"

# Freshness of tables delivered by period (only those whose period column is a date/timestamp;
# year-keyed tables such as budgets are annual and carry no load clock).
FRESHNESS = {"warn_after": {"count": 45, "period": "day"},
             "error_after": {"count": 100, "period": "day"}}

HEADER = """\
# GENERATED from ingest/contracts.py by `python -m ingest.dbt_sources` -- do not edit by hand.
# tests/test_dbt.py fails when this file and the contract disagree.
"""


def _column_description(col: Column) -> str:
    parts = [f"{col.label_zh} ({col.duckdb_type})"]
    if col.not_null:
        parts.append("never null")
    if col.allowed:
        parts.append("codes: " + ", ".join(col.allowed))
    elif col.pattern:
        parts.append(f"pattern {col.pattern}")
    if col.nonneg:
        parts.append("negative only on refund rows")
    if not col.required:
        parts.append("optional in deliveries")
    return "; ".join(parts) + "."


def _loaded_at_field(table: Table) -> str | None:
    if table.period is None:
        return None
    col = table.column(table.period)
    if col.type == "timestamp":
        return col.name
    if col.type == "date":
        return f"cast({col.name} as timestamp)"
    return None


def _table(table: Table) -> dict:
    desc = f"{table.label_zh}. {table.description}".strip()
    desc += f" Key: {', '.join(table.key)}."
    if table.period:
        desc += (f" Delivered by period of `{table.period}`: a re-delivery replaces the landed"
                 " rows of its periods.")
    else:
        desc += " Snapshot table: rows are upserted by key."
    if table.identities:
        desc += " Amount identities: " + "; ".join(i.describe() for i in table.identities) + "."
    out: dict = {"name": table.name, "description": desc}
    config: dict = {"meta": {"label_zh": table.label_zh, "key": list(table.key),
                             "period": table.period}}
    loaded_at = _loaded_at_field(table)
    if loaded_at:
        config["loaded_at_field"] = loaded_at
        config["freshness"] = copy.deepcopy(FRESHNESS)  # no YAML anchors
    out["config"] = config
    cols = [{"name": c.name, "description": _column_description(c), "data_type": c.duckdb_type}
            for c in table.columns]
    cols.append({"name": BATCH_COLUMN,
                 "description": "Load batch id (meta.batches.batch_id); sortable, later loads sort"
                                " later.",
                 "data_type": "VARCHAR"})
    out["columns"] = cols
    return out


def render() -> str:
    """The text of `_sources.yml` for the current contract."""
    doc = {
        "version": 2,
        "sources": [{
            "name": "raw",
            "description": ("Landing database written by `python -m ingest` (schema raw, one"
                            " table per contract table, typed per ingest.contracts.DUCKDB_TYPES)."
                            " Attached read-only as database `landing`: dbt never writes upstream."
                            " On Spark, views raw.<table> over the Parquet export of the landing"
                            " (`python -m ingest export-parquet`; macro spark_landing_views)."),
            "database": SOURCE_DATABASE,
            "schema": "raw",
            "tables": [_table(t) for t in TABLES.values()],
        }],
    }
    body = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=1000,
                          default_flow_style=False)
    return HEADER + body


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write dbt sources from ingest/contracts.py.")
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 if the committed file is out of date")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = SOURCES_PATH.read_text(encoding="utf-8") if SOURCES_PATH.exists() else ""
        if current != text:
            print(f"{SOURCES_PATH} is out of date; run `python -m ingest.dbt_sources`.",
                  file=sys.stderr)
            return 1
        return 0
    SOURCES_PATH.write_text(text, encoding="utf-8")
    print(f"wrote {SOURCES_PATH}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
