"""Mid/long-term actuarial projection of the pooled funds (cohort-component, 低/中/高 scenarios).

    load_base(warehouse) -> BaseData           scenario(name, **overrides) -> Assumptions
    project(base, assumptions) -> Projection   simulate(base, assumptions, n=1000, seed=0) -> Simulation
    sensitivity(base, assumptions) -> DataFrame
    save_run(projection, root) -> Run, list_runs(root), load_run(run_id, root), attribute(previous, current)

Method, assumptions and validation: docs/actuarial-projection.md.
"""

from analytics.projection.assumptions import SCENARIOS, Assumptions, scenario
from analytics.projection.attribution import attribute
from analytics.projection.base import BaseData, EmployeeFund, ResidentFund, build_base
from analytics.projection.engine import Projection, project
from analytics.projection.runs import Run, list_runs, load_run, save_run
from analytics.projection.sensitivity import sensitivity
from analytics.projection.stochastic import Simulation, simulate
from analytics.projection.warehouse import load_base

__all__ = ["SCENARIOS", "Assumptions", "BaseData", "EmployeeFund", "Projection", "ResidentFund", "Run",
           "Simulation", "attribute", "build_base", "list_runs", "load_base", "load_run", "project",
           "save_run", "scenario", "sensitivity", "simulate"]
