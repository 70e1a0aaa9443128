"""Where the project's data lives; every path can be moved with an environment variable."""

from __future__ import annotations

import os
from pathlib import Path


def data_dir() -> Path:
    return Path(os.environ.get("YIBAO_DATA", "data"))


def landing_path() -> Path:
    """The landing database: typed raw tables and load bookkeeping."""
    return Path(os.environ.get("YIBAO_LANDING", data_dir() / "landing" / "landing.duckdb"))


def landing_parquet_dir() -> Path:
    """The landed raw tables as Parquet (`python -m ingest export-parquet`), one folder per table,
    read by the Spark target of the dbt project."""
    return Path(os.environ.get("YIBAO_LANDING_PARQUET", data_dir() / "landing" / "parquet"))


def warehouse_path() -> Path:
    """The dbt warehouse the dashboard reads."""
    return Path(os.environ.get("YIBAO_WAREHOUSE", data_dir() / "warehouse" / "yibao.duckdb"))


def duckdb_memory_limit() -> str:
    """DuckDB's memory cap for loads and builds; above it DuckDB spills to disk."""
    return os.environ.get("YIBAO_DUCKDB_MEMORY", "4GB")


def auth_dir() -> Path:
    """Users, the session secret and the audit log of the dashboard (keep it out of backups
    that leave the office; the audit log is append-only)."""
    return Path(os.environ.get("YIBAO_AUTH", data_dir() / "auth"))
