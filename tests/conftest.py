"""Session fixtures: one small generated delivery, loaded once and built once for every test."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DBT = str(Path(sys.executable).parent / "dbt")


def dbt_env(landing: Path, warehouse: Path) -> dict[str, str]:
    return {**os.environ, "YIBAO_LANDING": str(landing), "YIBAO_WAREHOUSE": str(warehouse),
            "DBT_PROFILES_DIR": str(ROOT)}


def run_dbt(args: list[str], landing: Path, warehouse: Path, target: Path) -> subprocess.CompletedProcess:
    """Run a dbt command from the repo root against the given landing and warehouse files."""
    return subprocess.run([DBT, *args, "--target-path", str(target), "--log-path", str(target / "logs")],
                          cwd=ROOT, env=dbt_env(landing, warehouse), capture_output=True, text=True)


@pytest.fixture(scope="session")
def demo_delivery(tmp_path_factory) -> Path:
    """A generated delivery: 3,000 persons over two years, CSV, with ground truth."""
    from ingest.generate import generate

    out = tmp_path_factory.mktemp("delivery")
    generate(out, persons=3_000, years=2, start_year=2023, seed=7, fmt="csv")
    return out


@pytest.fixture(scope="session")
def demo_landing(demo_delivery, tmp_path_factory) -> Path:
    from ingest.land import load_directory

    landing = tmp_path_factory.mktemp("landing") / "landing.duckdb"
    load_directory(demo_delivery, landing)
    return landing


@pytest.fixture(scope="session")
def demo_warehouse(demo_landing, tmp_path_factory) -> Path:
    """The demo landing built by `dbt build` (seeds, models and every dbt test)."""
    work = tmp_path_factory.mktemp("warehouse")
    warehouse = work / "yibao.duckdb"
    result = run_dbt(["build"], demo_landing, warehouse, work / "target")
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
    return warehouse


@pytest.fixture(autouse=True)
def auth_dir(tmp_path, monkeypatch) -> Path:
    """Every test gets its own users, session secret and audit log."""
    folder = tmp_path / "auth"
    monkeypatch.setenv("YIBAO_AUTH", str(folder))
    return folder
