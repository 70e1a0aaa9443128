"""The Spark target (profiles.yml `spark`, local pyspark): from the Parquet export of the demo
landing it builds the staging models, the core marts and their seeds, every dbt test included,
with the same rows as the DuckDB build of the same landing (the session's demo_warehouse).

Spark writes its tables as Parquet under its warehouse directory (<schema>.db/<table>/), so the
comparison reads them with DuckDB; no second Spark session is needed. Needs Java 17 (Makefile
DEBIAN_PACKAGES) and the test extras (dbt-spark[session], pyspark).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import duckdb
import pytest

from ingest.contracts import TABLES
from ingest.parquet import export_parquet
from tests.conftest import DBT, ROOT, dbt_env

pytestmark = pytest.mark.slow

# Staging, the core marts and what they are built from (their seeds); tests only when every
# model they read is built (cautious), so no test reaches into intermediate or other marts.
SELECTION = ["--select", "staging", "+marts.core", "--indirect-selection", "cautious"]
CORE_MARTS = ("dim_calendar", "dim_institutions")
CORE_SEEDS = ("hosp_lv_grades", "institution_types", "spring_festival")


def run_spark_dbt(args: list[str], parquet: Path, spark_warehouse: Path,
                  target: Path) -> subprocess.CompletedProcess:
    """dbt on the spark target, reading the landing from `parquet`, keeping its tables in
    `spark_warehouse`."""
    env = {**dbt_env(parquet / "unused.duckdb", spark_warehouse / "unused.duckdb"),
           "YIBAO_LANDING_PARQUET": str(parquet), "YIBAO_SPARK_WAREHOUSE": str(spark_warehouse),
           "YIBAO_SPARK_DRIVER_MEMORY": "2g"}
    return subprocess.run([DBT, *args, "--target", "spark", "--target-path", str(target),
                           "--log-path", str(target / "logs")],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def spark_warehouse(demo_landing, tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("spark")
    export_parquet(demo_landing, work / "parquet")
    warehouse = work / "warehouse"
    result = run_spark_dbt(["build", *SELECTION], work / "parquet", warehouse, work / "target")
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    return warehouse


def _tables(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    staging = [r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = 'duck' AND schema_name = 'staging'"
        " ORDER BY 1").fetchall()]
    return ([("staging", t) for t in staging] + [("marts", t) for t in CORE_MARTS]
            + [("seeds", t) for t in CORE_SEEDS])


def _columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[tuple[str, str]]:
    return [(name, dtype) for name, dtype, *_ in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()]


def _spark_select(columns: list[tuple[str, str]], relation: str) -> str:
    """Spark's table as DuckDB types: Spark writes its session-zone (UTC) timestamps as UTC
    instants, which DuckDB reads as TIMESTAMP WITH TIME ZONE; the wall-clock values are the
    landed ones."""
    cols = [f'cast("{name}" as timestamp) as "{name}"' if dtype == "TIMESTAMP WITH TIME ZONE"
            else f'"{name}"' for name, dtype in columns]
    return f"SELECT {', '.join(cols)} FROM {relation}"


def test_spark_builds_staging_and_core_with_the_rows_of_the_duckdb_build(spark_warehouse, demo_warehouse):
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("ATTACH ? AS duck (READ_ONLY)", [str(demo_warehouse)])
    tables = _tables(con)
    assert len(tables) == len(TABLES) + len(CORE_MARTS) + len(CORE_SEEDS)   # one staging model per raw table
    problems = []
    for schema, table in tables:
        files = spark_warehouse / f"{schema}.db" / table
        spark_columns = _columns(con, f"read_parquet('{files}/*.parquet')")
        duck_columns = _columns(con, f"duck.{schema}.{table}")
        as_duck = [(n, "TIMESTAMP" if t == "TIMESTAMP WITH TIME ZONE" else t) for n, t in spark_columns]
        if as_duck != duck_columns:
            problems.append(f"{schema}.{table}: columns differ\n  spark  {as_duck}\n  duckdb {duck_columns}")
            continue
        spark = _spark_select(spark_columns, f"read_parquet('{files}/*.parquet')")
        duck = f"SELECT * FROM duck.{schema}.{table}"
        (n_spark,), (n_duck,) = (con.execute(f"SELECT count(*) FROM ({q})").fetchone() for q in (spark, duck))
        only_spark = con.execute(f"({spark}) EXCEPT ALL ({duck}) LIMIT 3").fetchall()
        only_duck = con.execute(f"({duck}) EXCEPT ALL ({spark}) LIMIT 3").fetchall()
        if n_spark != n_duck or only_spark or only_duck:
            problems.append(f"{schema}.{table}: {n_spark} rows on Spark, {n_duck} on DuckDB\n"
                            f"  only on Spark  {only_spark}\n  only on DuckDB {only_duck}")
        assert n_duck > 0, f"{schema}.{table} is empty: nothing was compared"
    assert not problems, "\n".join(problems)


def test_missing_parquet_folder_stops_the_spark_build_naming_the_folder(demo_landing, tmp_path):
    parquet = tmp_path / "parquet"
    export_parquet(demo_landing, parquet)
    for file in (parquet / "fixmedins_b").iterdir():
        file.unlink()
    (parquet / "fixmedins_b").rmdir()
    result = run_spark_dbt(["build", "--select", "stg_fixmedins_b"], parquet, tmp_path / "warehouse",
                           tmp_path / "target")
    assert result.returncode != 0
    assert "Path does not exist" in result.stdout and f"{parquet}/fixmedins_b" in result.stdout, \
        result.stdout[-3000:]
    assert "START sql table model" not in result.stdout, "a model ran before the hook stopped"
