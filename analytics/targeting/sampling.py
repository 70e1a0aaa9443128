"""双随机 draws: a reproducible stratified random sample of institutions to inspect and a random
team of inspectors for each, recorded so that anyone can re-run the draw and get the same result.

The 2019 notice asks for spot checks of at least 10 % of institutions, drawn at random
(随机抽取检查对象) and checked by randomly chosen inspectors (随机选派执法检查人员), with the
result made public (一公开). A draw here is fully determined by the population (its fingerprint
is recorded), the parameters and the seed; the seed is drawn from the operating system when not
given and recorded with the draw.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import secrets
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from analytics.errors import AnalyticsError


@dataclass(frozen=True)
class Draw:
    """One recorded draw: what was drawn, from what, how."""
    draw_id: str
    drawn_at: str                 # ISO time
    seed: int
    share: float
    min_per_stratum: int
    strata: tuple[str, ...]
    weight_column: str | None
    team_size: int
    population_fingerprint: str
    population_size: int
    institutions: pd.DataFrame    # the sampled institutions with their stratum and team
    source: dict = field(default_factory=dict)   # where the population came from (table, period, file)

    def record(self) -> dict:
        """The draw as the JSON the audit trail keeps."""
        return {
            "draw_id": self.draw_id, "drawn_at": self.drawn_at, "seed": self.seed, "share": self.share,
            "min_per_stratum": self.min_per_stratum, "strata": list(self.strata),
            "weight_column": self.weight_column, "team_size": self.team_size,
            "population_fingerprint": self.population_fingerprint, "population_size": self.population_size,
            "source": self.source,
            "institutions": json.loads(self.institutions.to_json(orient="records", force_ascii=False)),
        }


def fingerprint(frame: pd.DataFrame) -> str:
    """SHA-256 of the rows in a canonical order: the same population gives the same value."""
    canonical = frame.sort_values(list(frame.columns)).to_csv(index=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def draw(population: pd.DataFrame, *, share: float = 0.10, strata: tuple[str, ...] = (),
         min_per_stratum: int = 1, weight_column: str | None = None,
         inspectors: pd.DataFrame | None = None, team_size: int = 2, seed: int | None = None,
         now: dt.datetime | None = None, source: dict | None = None) -> Draw:
    """Sample ⌈share × N⌉ institutions (at least min_per_stratum) in each stratum, without
    replacement, with probability proportional to weight_column when given (e.g. a risk score;
    floored so that every institution keeps a chance),
    and give each a random team of team_size inspectors from the roster, no inspector on an
    institution of their own unit (回避) and the workload spread as evenly as the roster allows.

    population: one row per institution with fixmedins_code and the strata columns.
    inspectors: one row per inspector with inspector_id, name and optionally unit_code.
    source: where the population came from (e.g. {"table": ..., "period": "2024"}), kept in the
    record so the draw can be re-run on the same list.
    """
    _check(population, share, strata, min_per_stratum, weight_column, inspectors, team_size)
    seed = secrets.randbits(63) if seed is None else int(seed)
    rng = np.random.default_rng(seed)
    columns = ["fixmedins_code", *strata, *([weight_column] if weight_column else [])]
    population = population[columns].sort_values("fixmedins_code", ignore_index=True)
    chosen = []
    for key, group in population.groupby(list(strata), sort=True) if strata else [((), population)]:
        n = min(len(group), max(min_per_stratum, math.ceil(share * len(group))))
        weights = _probabilities(group[weight_column].to_numpy(dtype=float)) if weight_column else None
        picked = rng.choice(len(group), size=n, replace=False, p=weights)
        chosen.append(group.iloc[np.sort(picked)].assign(stratum_size=len(group), stratum_drawn=n))
    sample = pd.concat(chosen, ignore_index=True)
    if inspectors is not None:
        sample = sample.assign(inspectors=_teams(sample, inspectors, team_size, rng))
    drawn_at = (now or dt.datetime.now()).isoformat(timespec="seconds")
    fp = fingerprint(population)
    return Draw(draw_id=f"{drawn_at.replace(':', '').replace('-', '')}-{seed % 10**8:08d}", drawn_at=drawn_at,
                seed=seed, share=share, min_per_stratum=min_per_stratum, strata=tuple(strata),
                weight_column=weight_column, team_size=team_size if inspectors is not None else 0,
                population_fingerprint=fp, population_size=len(population), institutions=sample,
                source=dict(source or {}))


def _probabilities(weights: np.ndarray) -> np.ndarray | None:
    """Selection probabilities ∝ weight, with every institution kept at ≥ 1 % of the mean weight
    so a zero score never rules an institution out of a random draw."""
    if weights.sum() <= 0:
        return None
    floored = np.maximum(weights, 0.01 * weights.mean())
    return floored / floored.sum()


def _teams(sample: pd.DataFrame, inspectors: pd.DataFrame, team_size: int, rng: np.random.Generator) -> list[str]:
    """A team per sampled institution: inspectors not of its unit, least-loaded first, ties at random."""
    roster = inspectors.sort_values("inspector_id", ignore_index=True)
    units = roster["unit_code"].fillna("").to_numpy() if "unit_code" in roster else np.full(len(roster), "")
    load = np.zeros(len(roster), dtype=int)
    teams = []
    for code in sample["fixmedins_code"]:
        eligible = np.flatnonzero(units != code)
        if len(eligible) < team_size:
            raise AnalyticsError(f"Only {len(eligible)} inspectors may check {code} (the others are of its "
                                 f"unit); a team needs {team_size}.")
        order = eligible[np.lexsort((rng.random(len(eligible)), load[eligible]))][:team_size]
        load[order] += 1
        teams.append("；".join(f"{roster.at[i, 'name']}（{roster.at[i, 'inspector_id']}）" for i in sorted(order)))
    return teams


def _check(population, share, strata, min_per_stratum, weight_column, inspectors, team_size) -> None:
    missing = [c for c in ("fixmedins_code", *strata, *([weight_column] if weight_column else []))
               if c not in population.columns]
    if missing:
        raise AnalyticsError(f"The institution list lacks the column(s) {', '.join(missing)}.")
    if population.empty:
        raise AnalyticsError("The institution list is empty: nothing to draw from.")
    if population["fixmedins_code"].duplicated().any():
        dup = population.loc[population["fixmedins_code"].duplicated(), "fixmedins_code"].iloc[0]
        raise AnalyticsError(f"Institution {dup} appears more than once in the list.")
    if not 0 < share <= 1:
        raise AnalyticsError(f"share must be in (0, 1], got {share}.")
    if min_per_stratum < 0:
        raise AnalyticsError(f"min_per_stratum must be ≥ 0, got {min_per_stratum}.")
    if weight_column and (population[weight_column].isna().any() or (population[weight_column] < 0).any()):
        raise AnalyticsError(f"Weights in {weight_column} must be present and non-negative.")
    if inspectors is not None:
        for column in ("inspector_id", "name"):
            if column not in inspectors.columns:
                raise AnalyticsError(f"The inspector roster lacks the column {column}.")
        if team_size < 1:
            raise AnalyticsError(f"team_size must be ≥ 1, got {team_size}.")


def redraw(record: dict, population: pd.DataFrame, inspectors: pd.DataFrame | None = None) -> Draw:
    """Re-run a recorded draw on the given population; refuses a population that is not the one
    the draw was made from (its fingerprint differs)."""
    strata = tuple(record["strata"])
    columns = ["fixmedins_code", *strata, *([record["weight_column"]] if record["weight_column"] else [])]
    if fingerprint(population[columns].sort_values("fixmedins_code", ignore_index=True)) != \
            record["population_fingerprint"]:
        raise AnalyticsError(f"Draw {record['draw_id']} was made from another institution list (fingerprint "
                             f"{record['population_fingerprint'][:12]}…); re-run it on the list of that day.")
    return draw(population, share=record["share"], strata=strata, min_per_stratum=record["min_per_stratum"],
                weight_column=record["weight_column"], inspectors=inspectors,
                team_size=record["team_size"] or 2, seed=record["seed"],
                now=dt.datetime.fromisoformat(record["drawn_at"]), source=record.get("source"))


def save(result: Draw, root: Path | str) -> Path:
    """Write the draw's record once (never overwritten) and return its path."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    path = root / f"{result.draw_id}.json"
    try:
        with path.open("x", encoding="utf-8") as handle:
            json.dump(result.record(), handle, ensure_ascii=False, indent=2)
    except FileExistsError:
        raise AnalyticsError(f"{path} exists: a recorded draw is never overwritten.") from None
    return path
