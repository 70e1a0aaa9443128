"""A hand-built base for the projection tests: a county of about 40 万 insured (domain.md §6.4)."""

from __future__ import annotations

from analytics.projection.base import BaseData
from analytics.projection.stylised import Aggregates, stylised_base


def county_base(**changes) -> BaseData:
    """职工 in surplus with 18 months of reserve, 居民 about balanced: both deplete in every
    scenario's horizon only under cost pressure, so scenario order shows in the years."""
    figures = dict(base_year=2024, actives=40_000, retirees=17_000, residents=340_000,
                   employee_expenditure=1.9e8, employee_income=2.1e8, employee_balance=2.85e8,
                   resident_expenditure=3.9e8, resident_income=4.0e8, resident_balance=2.0e8,
                   label="hand-built county")
    return stylised_base(Aggregates(**{**figures, **changes}))
