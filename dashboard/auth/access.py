"""The checks pages and exports make for the current viewer: which columns it sees, may personal
data of this institution be shown unmasked, may this action run — and the audit records they
imply. Outside a request (the CLI, run on the server by its operator) every column is shown."""

from __future__ import annotations

import getpass

import flask

from dashboard.auth import audit, policy, store
from dashboard.auth.web import viewer

CLI_ROLE = "cli"


def actor() -> tuple[str, str]:
    """(name, role) for the audit log: the logged-in user, the public, or the operator of a CLI."""
    if flask.has_request_context():
        who = viewer()
        return who.name, who.role
    return f"cli:{getpass.getuser()}", CLI_ROLE


def may(action: str) -> bool:
    return policy.can(viewer().role, action)


def visible_columns(columns: dict) -> dict:
    """The entries of `columns` (column → anything, e.g. its header) the viewer may see."""
    if not flask.has_request_context():
        return dict(columns)
    role = viewer().role
    return {column: value for column, value in columns.items() if policy.can_see_column(role, column)}


def may_unmask(fixmedins_code: str) -> bool:
    """Only an inspector on a case of the institution sees its patients unmasked."""
    who = viewer()
    return policy.can(who.role, "unmask") and fixmedins_code in store.assignments(who.name)


def record_unmasked(fixmedins_code: str, period: str, rows: int, where: str) -> None:
    name, role = actor()
    audit.record("unmask", name, role, fixmedins_code=fixmedins_code, period=period, rows=rows, where=where)


def record_export(kind: str, **detail) -> None:
    name, role = actor()
    audit.record("export", name, role, kind=kind, **detail)
