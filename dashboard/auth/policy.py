"""The role policy: which pages, columns and actions each role may use. One table each, read by
the web guard, the navigation, the tables and exports, and the pages' own checks."""

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
    "/enforcement": frozenset({"leadership", "inspector"}),
    "/disclosure": frozenset({PUBLIC, *ROLES}),
    "/status": frozenset({"admin", "auditor", "leadership"}),
    "/audit": frozenset({"auditor"}),
}

#: Columns that not every role of their page may see: column → roles that may. Any other column
#: is seen by whoever may open its page. A case line's patient (who, sex, age, diagnosis) is for
#: the inspectors who work cases; leadership reviews the leads without them. Names, ID numbers,
#: phones and addresses are also masked for inspectors unless on the case (access.may_unmask).
PATIENT_COLUMNS = ("psn_no", "psn_name", "certno", "tel", "addr", "gend_zh", "age_at_hit",
                   "dscg_maindiag_code", "dscg_maindiag_name")
COLUMN_ROLES: dict[str, frozenset[str]] = {column: frozenset({"inspector"}) for column in PATIENT_COLUMNS}

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


def can_see_column(role: str, column: str) -> bool:
    roles = COLUMN_ROLES.get(column)
    return roles is None or role in roles


def can(role: str, action: str) -> bool:
    return role in ACTION_ROLES.get(action, frozenset())


def home(role: str) -> str:
    """The first page the role may open (the navigation's order)."""
    return next((path for path in PAGE_ROLES if can_view(role, path)), PUBLIC_HOME)
