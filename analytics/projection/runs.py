"""Saved projection runs: one directory per run with its assumptions, inputs and results.

    <root>/<run_id>/run.json         id, time, label, scenario, assumptions, inputs fingerprint, summary
    <root>/<run_id>/base.json        the BaseData the run started from (attribution re-projects it)
    <root>/<run_id>/years.parquet    Projection.years
    <root>/<run_id>/population.npy   Projection.population

The root is $YIBAO_PROJECTIONS, else $YIBAO_DATA/projections; runs never touch the warehouse.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from analytics.errors import AnalyticsError
from analytics.projection.assumptions import Assumptions
from analytics.projection.base import BaseData
from analytics.projection.engine import Projection


@dataclass(frozen=True)
class Run:
    """A saved projection."""
    run_id: str
    created_at: str           # ISO time, local
    label: str
    path: Path
    projection: Projection

    @property
    def base(self) -> BaseData:
        return self.projection.base

    @property
    def assumptions(self) -> Assumptions:
        return self.projection.assumptions


def runs_dir() -> Path:
    """Where runs are saved: $YIBAO_PROJECTIONS, else $YIBAO_DATA/projections (default data/)."""
    if os.environ.get("YIBAO_PROJECTIONS"):
        return Path(os.environ["YIBAO_PROJECTIONS"])
    return Path(os.environ.get("YIBAO_DATA", "data")) / "projections"


def save_run(projection: Projection, root: Path | str | None = None, *, label: str = "",
             now: dt.datetime | None = None) -> Run:
    """Save a projection under root (default runs_dir()) and return it as a Run."""
    root = Path(root) if root is not None else runs_dir()
    if root.suffix == ".duckdb":
        raise AnalyticsError(f"{root}: runs are saved in a directory, never into a DuckDB file.")
    now = now or dt.datetime.now()
    fingerprint = projection.base.fingerprint()
    run_id = f"{now:%Y%m%dT%H%M%S%f}-{fingerprint[:8]}"
    path = root / run_id
    try:
        path.mkdir(parents=True, exist_ok=False)
    except OSError as exc:
        raise AnalyticsError(f"{path}: cannot create the run directory ({exc.strerror or exc}).") from exc
    meta = {
        "run_id": run_id, "created_at": now.isoformat(timespec="seconds"), "label": label,
        "scenario": projection.assumptions.scenario, "assumptions": projection.assumptions.to_dict(),
        "inputs_fingerprint": fingerprint, "base_label": projection.base.label,
        "base_year": projection.base.base_year,
        "summary": json.loads(projection.summary.reset_index().to_json(orient="records")),
    }
    (path / "run.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
    (path / "base.json").write_text(json.dumps(projection.base.to_dict(), ensure_ascii=False), encoding="utf-8")
    projection.years.to_parquet(path / "years.parquet", index=False)
    np.save(path / "population.npy", projection.population)
    return Run(run_id=run_id, created_at=meta["created_at"], label=label, path=path, projection=projection)


def list_runs(root: Path | str | None = None) -> pd.DataFrame:
    """One row per saved run, oldest first: run_id, created_at, label, scenario, base_year,
    inputs_fingerprint, the depletion year of each fund and the run's path."""
    root = Path(root) if root is not None else runs_dir()
    rows = []
    for meta_path in sorted(root.glob("*/run.json")) if root.is_dir() else []:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        depletion = {f"{row['fund']}_depletion_year": row["depletion_year"] for row in meta["summary"]}
        rows.append({"run_id": meta["run_id"], "created_at": meta["created_at"], "label": meta["label"],
                     "scenario": meta["scenario"], "base_year": meta["base_year"],
                     "inputs_fingerprint": meta["inputs_fingerprint"], **depletion, "path": str(meta_path.parent)})
    columns = ["run_id", "created_at", "label", "scenario", "base_year", "inputs_fingerprint",
               "employee_depletion_year", "resident_depletion_year", "path"]
    return pd.DataFrame(rows, columns=columns).sort_values("run_id", ignore_index=True)


def load_run(run: str | Path, root: Path | str | None = None) -> Run:
    """A saved run by id (under root) or by its directory path."""
    path = Path(run)
    if not (path / "run.json").is_file():
        path = (Path(root) if root is not None else runs_dir()) / str(run)
    if not (path / "run.json").is_file():
        raise AnalyticsError(f"No saved projection run {run!r} (looked in {path}); list them with list_runs().")
    meta = json.loads((path / "run.json").read_text(encoding="utf-8"))
    base = BaseData.from_dict(json.loads((path / "base.json").read_text(encoding="utf-8")))
    summary = pd.DataFrame(meta["summary"]).set_index("fund")
    projection = Projection(base=base, assumptions=Assumptions.from_dict(meta["assumptions"]),
                            years=pd.read_parquet(path / "years.parquet"), summary=summary,
                            population=np.load(path / "population.npy"))
    return Run(run_id=meta["run_id"], created_at=meta["created_at"], label=meta["label"], path=path,
               projection=projection)


def previous_run(run: Run, root: Path | str | None = None) -> Run | None:
    """The latest run saved before `run` under root, if any."""
    earlier = list_runs(root)
    earlier = earlier[earlier["run_id"] < run.run_id]
    return load_run(earlier["path"].iloc[-1]) if len(earlier) else None
