"""`python -m ingest build`: the served warehouse changes only by an atomic swap of a complete,
tested build; killed, interrupted, failing and concurrent builds leave it as it was.

Every scenario serves from the same folder, reads the same copy of the demo landing and shares
one dbt target folder, so that dbt's partial parse (keyed on the profile's paths) spares each
build after the first a full parse.
"""

from __future__ import annotations

import hashlib
import os
import re
import select
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow

SERVED_NAME = "yibao.duckdb"
MARTS_DIGEST = {
    "fct_fund_monthly": "count(*), sum(income_amt), sum(expenditure_amt), sum(cumulative_balance_amt)",
    "fct_institution_month": "count(*), sum(visits), sum(medfee_sumamt), sum(fund_pay_sumamt)",
    "fct_rule_hit": "count(*), sum(suspect_amt), count(DISTINCT rule_id)",
    "fct_budget_execution": "count(*), sum(budget_amt), sum(projected_year_end_amt)",
    "fct_institution_risk": "count(*), round(sum(risk_score), 6), sum(rule_hit_amt)",
}
CREATED = re.compile(r"OK created sql table model")
DBT_PID = re.compile(r"build: dbt \(pid (\d+)\)")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _digest(con: duckdb.DuckDBPyConnection) -> dict[str, tuple]:
    return {t: con.execute(f"SELECT {cols} FROM marts.{t}").fetchone() for t, cols in MARTS_DIGEST.items()}


def _file_digest(path: Path) -> dict[str, tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return _digest(con)
    finally:
        con.close()


def _temporaries(served: Path) -> list[str]:
    return sorted(p.name for p in served.parent.glob(served.name + ".build*"))


def _command(served: Path, landing: Path, target: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "ingest", "build", "--warehouse", str(served), "--landing", str(landing),
            "--target-path", str(target), *args]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("YIBAO_WAREHOUSE", "YIBAO_LANDING")}
    return {**env, "DBT_PROFILES_DIR": str(ROOT), "PYTHONUNBUFFERED": "1"}


def _run(command: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=600)


def _start(command: list[str]) -> subprocess.Popen:
    return subprocess.Popen(command, cwd=ROOT, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def _read_until_models_written(proc: subprocess.Popen, models: int) -> tuple[int, list[str]]:
    """Read the build's output until dbt reports `models` tables created in the build file;
    return dbt's pid and the lines read."""
    lines, created, dbt_pid = [], 0, None
    for line in proc.stdout:
        lines.append(line)
        if match := DBT_PID.search(line):
            dbt_pid = int(match.group(1))
        created += bool(CREATED.search(line))
        if created >= models:
            break
    assert created >= models, "".join(lines[-30:]) + proc.stderr.read()
    assert dbt_pid is not None, "".join(lines[:5])
    return dbt_pid, lines


def _wait_for_exit(pid: int, timeout: float = 30) -> None:
    """Block until process `pid` (not our child) has ended."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return
    try:
        ready, _, _ = select.select([fd], [], [], timeout)
        assert ready, f"process {pid} still runs {timeout} s after its build was stopped"
    finally:
        os.close(fd)


def _reset(served: Path, source: Path) -> None:
    """Serve a copy of `source`, with no previous build and no temporary files."""
    for path in [served, served.with_name(served.name + ".previous"), *served.parent.glob(served.name + ".build*")]:
        path.unlink(missing_ok=True)
    shutil.copyfile(source, served)


@pytest.fixture(scope="module")
def serve_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("served")


@pytest.fixture(scope="module")
def target(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("dbt_target")


@pytest.fixture(scope="module")
def landing(tmp_path_factory, demo_landing) -> Path:
    """The demo landing, copied: the failing-test scenario alters it for one build."""
    path = tmp_path_factory.mktemp("landing") / "landing.duckdb"
    shutil.copyfile(demo_landing, path)
    return path


@pytest.fixture(scope="module")
def plain_digest(demo_warehouse) -> dict[str, tuple]:
    return _file_digest(demo_warehouse)


# --- a full build while a reader holds the old build --------------------------------------------

@pytest.fixture(scope="module")
def swapped(serve_dir, target, landing, demo_warehouse):
    """Serve the demo build plus a marker table; open a dashboard connection; run a full build
    with docs; open a second connection while the first is still open; then roll back."""
    from dashboard.data import db

    served = serve_dir / SERVED_NAME
    _reset(served, demo_warehouse)
    con = duckdb.connect(str(served))
    con.execute("CREATE TABLE main.build_marker AS SELECT 'old build' AS label")
    con.close()
    old_hash = _sha256(served)
    seen: dict = {"old_hash": old_hash}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("YIBAO_WAREHOUSE", str(served))
        before = db.connect()
        seen["before_marker"] = before.execute("SELECT label FROM main.build_marker").fetchone()[0]
        seen["result"] = _run(_command(served, landing, target, "--docs"))
        seen["files"] = sorted(p.name for p in serve_dir.iterdir())
        after = db.connect()                              # while `before` is still open
        seen["before_marker_after_swap"] = before.execute("SELECT label FROM main.build_marker").fetchone()[0]
        seen["after_has_marker"] = bool(after.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'build_marker'").fetchone()[0])
        seen["after_digest"] = _digest(after)
        before.close()
        after.close()
    seen["new_hash"] = _sha256(served)
    seen["previous_hash"] = _sha256(served.with_name(SERVED_NAME + ".previous"))
    seen["rollback"] = _run(_command(served, landing, target, "--rollback"))
    seen["rolled_back_hash"] = _sha256(served)
    seen["previous_after_rollback_hash"] = _sha256(served.with_name(SERVED_NAME + ".previous"))
    return seen


def test_build_swaps_in_a_warehouse_equal_to_the_plain_dbt_build(swapped, plain_digest):
    result = swapped["result"]
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-3000:]
    assert "swapped in:" in result.stdout
    assert swapped["after_digest"] == plain_digest
    assert swapped["new_hash"] != swapped["old_hash"]


def test_build_leaves_no_build_file_or_wal(swapped):
    assert swapped["files"] == [SERVED_NAME, SERVED_NAME + ".lock", SERVED_NAME + ".previous"]


def test_connection_opened_before_the_swap_keeps_the_old_build_and_one_opened_after_sees_the_new(swapped):
    assert swapped["before_marker"] == swapped["before_marker_after_swap"] == "old build"
    assert not swapped["after_has_marker"]


def test_docs_are_generated_from_the_new_build(swapped, target):
    import json

    catalog = json.loads((target / "catalog.json").read_text(encoding="utf-8"))
    node = catalog["nodes"]["model.yibao_mart.fct_fund_monthly"]
    assert node["metadata"]["database"] == "yibao" and node["metadata"]["schema"] == "marts"
    assert "model.yibao_mart.int_visits" in catalog["nodes"]


def test_rollback_swaps_the_previous_build_back_and_keeps_the_replaced_one(swapped):
    assert swapped["previous_hash"] == swapped["old_hash"]
    assert swapped["rollback"].returncode == 0, swapped["rollback"].stderr
    assert swapped["rolled_back_hash"] == swapped["old_hash"]
    assert swapped["previous_after_rollback_hash"] == swapped["new_hash"]


# --- a build killed midway, and a second build while it runs ------------------------------------

@pytest.fixture(scope="module")
def killed(serve_dir, target, landing, demo_warehouse):
    """Start a full build; once dbt has written three models, ask the dashboard, start a second
    build, SIGKILL the first; then ask again and build a small selection."""
    from dashboard.data.fund import fund_catalog

    served = serve_dir / SERVED_NAME
    _reset(served, demo_warehouse)
    seen: dict = {"hash_before": _sha256(served)}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("YIBAO_WAREHOUSE", str(served))
        seen["catalog_before"] = fund_catalog()
        proc = _start(_command(served, landing, target))
        try:
            dbt_pid, _ = _read_until_models_written(proc, models=3)
            seen["build_file_midway"] = (serve_dir / (SERVED_NAME + ".build")).stat().st_size
            seen["catalog_during"] = fund_catalog()
            seen["second"] = _run(_command(served, landing, target))
            seen["first_pid"] = proc.pid
        finally:
            proc.kill()                                  # SIGKILL: no handler runs
            proc.wait()
            proc.stdout.close()
            proc.stderr.close()
        _wait_for_exit(dbt_pid)                          # the kernel takes dbt down with it
        seen["hash_after_kill"] = _sha256(served)
        seen["left_after_kill"] = _temporaries(served)
        seen["catalog_after"] = fund_catalog()
        seen["next"] = _run(_command(served, landing, target, "--select", "stg_fixmedins_b"))
        seen["left_after_next"] = _temporaries(served)
        seen["catalog_after_next"] = fund_catalog()
    return seen


def test_killed_build_leaves_the_served_warehouse_byte_identical(killed):
    assert killed["build_file_midway"] > 0
    assert killed["hash_after_kill"] == killed["hash_before"]


def test_dashboard_answers_during_and_after_a_killed_build(killed):
    assert not killed["catalog_before"].empty
    assert killed["catalog_during"].equals(killed["catalog_before"])
    assert killed["catalog_after"].equals(killed["catalog_before"])


def test_second_concurrent_build_is_refused(killed):
    second = killed["second"]
    assert second.returncode == 2, second.stdout[-2000:] + second.stderr
    assert "another build" in second.stderr and f"pid {killed['first_pid']}" in second.stderr
    assert "dbt (pid" not in second.stdout                  # it never started dbt


def test_killed_build_leaves_only_its_build_file_which_the_next_build_removes(killed):
    assert SERVED_NAME + ".build" in killed["left_after_kill"]
    assert set(killed["left_after_kill"]) <= {SERVED_NAME + ".build", SERVED_NAME + ".build.wal"}
    nxt = killed["next"]
    assert nxt.returncode == 0, nxt.stdout[-4000:] + nxt.stderr[-3000:]
    assert f"removed {SERVED_NAME}.build, left by a build that was killed" in nxt.stdout
    assert killed["left_after_next"] == []
    assert killed["catalog_after_next"].equals(killed["catalog_before"])


# --- SIGTERM ---------------------------------------------------------------------------------------

def test_sigterm_stops_dbt_removes_the_partial_build_and_exits_non_zero(serve_dir, target, landing,
                                                                       demo_warehouse):
    served = serve_dir / SERVED_NAME
    _reset(served, demo_warehouse)
    before = _sha256(served)
    proc = _start(_command(served, landing, target))
    try:
        dbt_pid, _ = _read_until_models_written(proc, models=1)
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    _wait_for_exit(dbt_pid)
    assert proc.returncode == 128 + signal.SIGTERM, stderr
    assert "interrupted by SIGTERM" in stderr and "unchanged" in stderr
    assert _temporaries(served) == []
    assert _sha256(served) == before


# --- a build whose dbt tests fail -----------------------------------------------------------------

def test_build_with_a_failing_dbt_test_names_it_and_leaves_the_served_warehouse(serve_dir, target, landing,
                                                                               demo_landing, demo_warehouse):
    served = serve_dir / SERVED_NAME
    _reset(served, demo_warehouse)
    before = _sha256(served)
    con = duckdb.connect(str(landing))
    con.execute("UPDATE raw.fund_income SET income_amt = NULL "
                "WHERE rowid = (SELECT min(rowid) FROM raw.fund_income)")
    con.close()
    try:
        result = _run(_command(served, landing, target, "--select", "stg_fund_income"))
    finally:
        shutil.copyfile(demo_landing, landing)
    assert result.returncode == 1, result.stdout[-4000:] + result.stderr
    assert "test.yibao_mart.not_null_stg_fund_income_income_amt" in result.stderr
    assert "is unchanged" in result.stderr
    assert _temporaries(served) == []
    assert _sha256(served) == before
