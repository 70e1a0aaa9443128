"""Projection assumptions: the three scenarios of data/scenarios.yaml and user overrides."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

from analytics.errors import AnalyticsError
from analytics.projection.retirement import POLICIES

SCENARIOS = ("low_cost", "intermediate", "high_cost")
SCENARIO_NAMES_ZH = {"low_cost": "低成本", "intermediate": "中间", "high_cost": "高成本"}
_ALIASES = {"低": "low_cost", "low": "low_cost", "中": "intermediate", "mid": "intermediate",
            "高": "high_cost", "high": "high_cost", **{s: s for s in SCENARIOS}}
# assumptions a rate check applies to: (lowest, highest) allowed
_RANGES = {
    "horizon": (1, 100), "wage_growth": (-0.2, 0.3), "price_growth": (-0.2, 0.3),
    "utilisation_growth": (-0.2, 0.3), "utilisation_growth_ultimate": (-0.2, 0.3),
    "convergence_years": (0, 100), "interest_rate": (-0.05, 0.2), "contribution_rate": (0.0, 0.5),
    "pool_share": (0.0, 1.0), "retiree_contribution": (0.0, 1e6), "retiree_account_transfer": (0.0, 1e6),
    "resident_individual_growth": (-0.2, 0.5), "resident_subsidy_growth": (-0.2, 0.5),
    "reimbursement_change_employee": (-1.0, 1.0), "reimbursement_change_resident": (-1.0, 1.0),
    "mortality_improvement": (-0.05, 0.1), "tfr": (0.0, 5.0), "newborn_participation": (0.0, 1.0),
    "net_migration_rate": (-0.1, 0.1), "employee_coverage_trend": (-0.2, 0.2),
    "resident_participation_change": (-0.2, 0.2), "extra_retirement_delay_months": (0, 120),
    "female_early_retirement_share": (0.0, 1.0),
}


@dataclass(frozen=True)
class Assumptions:
    """One full set of assumptions (meaning, unit and source of each: data/scenarios.yaml)."""
    scenario: str
    horizon: int
    wage_growth: float
    price_growth: float
    utilisation_growth: float
    utilisation_growth_ultimate: float
    convergence_years: int
    interest_rate: float
    contribution_rate: float | None
    pool_share: float
    retiree_contribution: float
    retiree_account_transfer: float
    resident_individual_growth: float
    resident_subsidy_growth: float
    reimbursement_change_employee: float
    reimbursement_change_resident: float
    mortality_improvement: float
    tfr: float
    newborn_participation: float
    net_migration_rate: float
    employee_coverage_trend: float
    resident_participation_change: float
    retirement_policy: str
    extra_retirement_delay_months: int
    female_early_retirement_share: float | None

    def __post_init__(self):
        for name, (lo, hi) in _RANGES.items():
            value = getattr(self, name)
            if value is None and name in ("contribution_rate", "female_early_retirement_share"):
                continue
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not lo <= value <= hi:
                raise AnalyticsError(f"Assumption {name}={value!r} is outside the allowed range {lo}…{hi}.")
        if self.retirement_policy not in POLICIES:
            raise AnalyticsError(f"retirement_policy must be one of {', '.join(POLICIES)}, "
                                 f"not {self.retirement_policy!r}.")
        for name in ("horizon", "convergence_years", "extra_retirement_delay_months"):
            object.__setattr__(self, name, int(getattr(self, name)))

    def replace(self, **overrides) -> Assumptions:
        """A copy with some assumptions changed; unknown names are an error."""
        unknown = sorted(set(overrides) - set(assumption_names()) - {"scenario"})
        if unknown:
            raise AnalyticsError(f"Unknown assumption {', '.join(unknown)}; known: {', '.join(assumption_names())}.")
        return dataclasses.replace(self, **overrides)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Assumptions:
        return cls(**{f.name: data[f.name] for f in dataclasses.fields(cls)})


def assumption_names() -> tuple[str, ...]:
    """Every assumption an override can set (all fields but the scenario name)."""
    return tuple(f.name for f in dataclasses.fields(Assumptions) if f.name != "scenario")


@lru_cache(maxsize=1)
def scenario_table() -> dict[str, dict]:
    """The parsed data/scenarios.yaml: assumption → {label_zh, low_cost, …, source}."""
    text = resources.files("analytics.projection").joinpath("data/scenarios.yaml").read_text("utf-8")
    table = yaml.safe_load(text)
    missing = set(assumption_names()) - set(table)
    if missing:
        raise AnalyticsError(f"data/scenarios.yaml lacks {', '.join(sorted(missing))}.")
    return table


def scenario_name(name: str) -> str:
    """Canonical scenario name from low_cost/intermediate/high_cost, low/mid/high or 低/中/高."""
    try:
        return _ALIASES[name.strip()]
    except KeyError:
        raise AnalyticsError(f"Unknown scenario {name!r}; use low_cost, intermediate or high_cost "
                             f"(低/中/高).") from None


def scenario(name: str = "intermediate", **overrides) -> Assumptions:
    """The assumptions of a scenario (低/中/高), with any assumption overridden by keyword."""
    canonical = scenario_name(name)
    values = {key: spec[canonical] for key, spec in scenario_table().items() if key in assumption_names()}
    return Assumptions(scenario=canonical, **values).replace(**overrides)
