"""The role policy: which pages and which actions each role may use. One table, read by the web
guard, the navigation and the pages' own checks."""

from __future__ import annotations

from typing import Literal, get_args

Role = Literal["leadership", "planner", "budget", "inspector", "auditor", "admin"]
ROLES: tuple[str, ...] = get_args(Role)
PUBLIC = "public"
ROLE_ZH = {"leadership": "领导", "planner": "精算规划", "budget": "预算管理", "inspector": "稽核检查",
           "auditor": "审计", "admin": "系统管理", PUBLIC: "公众"}

#: Page path → roles that may open it (PUBLIC: without login).
PAGE_ROLES: dict[str, frozenset[str]] = {
    "/": frozenset({"leadership", "planner", "budget"}),
    "/budget": frozenset({"leadership", "budget"}),
    "/institution": frozenset({"leadership", "planner", "budget", "inspector"}),
    "/key-items": frozenset({"leadership", "planner", "budget", "inspector"}),
    "/actuarial": frozenset({"leadership", "planner"}),
    "/targeting": frozenset({"leadership", "inspector"}),
    "/disclosure": frozenset({PUBLIC, *ROLES}),
    "/status": frozenset({"admin", "auditor", "leadership"}),
    "/audit": frozenset({"auditor"}),
}

#: Action → roles that may perform it. `unmask` further needs an assignment to the institution.
ACTION_ROLES: dict[str, frozenset[str]] = {
    "export_disclosure": frozenset({"leadership", "budget"}),
    "export_cases": frozenset({"leadership", "inspector"}),
    "unmask": frozenset({"inspector"}),
    "read_audit": frozenset({"auditor"}),
}
#: Where a visitor without login lands.
PUBLIC_HOME = "/disclosure"


def can_view(role: str, path: str) -> bool:
    """May the role open the page? Unknown paths are allowed to no one."""
    return role in PAGE_ROLES.get(path.rstrip("/") or "/", frozenset())


def can(role: str, action: str) -> bool:
    return role in ACTION_ROLES.get(action, frozenset())


def home(role: str) -> str:
    """The first page the role may open (the navigation's order)."""
    return next((path for path in PAGE_ROLES if can_view(role, path)), PUBLIC_HOME)
