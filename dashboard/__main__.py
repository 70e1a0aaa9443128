"""`python -m dashboard [--host H --port P --workers N --threads T]`: serve the app under
gunicorn; `python -m dashboard export …`: write the dashboard's exports to files; `users`,
`audit`: accounts and the audit log."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False,
                  help="Serve the yibao-mart dashboard (no command), or write its exports (export).")
export_app = typer.Typer(add_completion=False, no_args_is_help=True, help="Write the dashboard's exports to files.")
app.add_typer(export_app, name="export")
users_app = typer.Typer(add_completion=False, no_args_is_help=True,
                        help="Manage dashboard users, roles and case assignments (run on the server).")
app.add_typer(users_app, name="users")


@app.callback(invoke_without_command=True)
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8050,
    workers: Annotated[int, typer.Option(min=1, help="gunicorn worker processes.")] = 2,
    threads: Annotated[int, typer.Option(min=1, help="Threads per worker.")] = 8,
    debug: Annotated[bool, typer.Option(help="Flask's development server with Dash debug mode and hot "
                                              "reload instead of gunicorn.")] = False,
):
    """Serve the dashboard over the built warehouse, under gunicorn."""
    if ctx.invoked_subcommand is not None:
        return
    first_admin()
    if debug:
        from dashboard.app import create_app

        create_app().run(host=host, port=port, debug=True)
        return
    from dashboard.server import serve as serve_gunicorn

    serve_gunicorn(f"[{host}]:{port}" if ":" in host else f"{host}:{port}", workers, threads)


def first_admin() -> None:
    """On the first start (no user yet) create `admin` and print its one-time password once."""
    from dashboard.auth import store
    from dashboard.auth.access import actor
    from dashboard.auth.audit import record

    created = store.ensure_admin()
    if created:
        name, password = created
        record("user_admin", *actor(), action="add", username=name, granted_role="admin")
        typer.echo(f"首次启动：已创建管理员 {name}，一次性密码（只显示这一次，首次登录后须修改）：{password}\n"
                   f"First start: created {name}; one-time password (shown once, change it at first login): "
                   f"{password}")


@export_app.command("cases")
def export_cases(
    institution: Annotated[str, typer.Option(help="定点医药机构编号 (fixmedins_code) of the institution.")],
    period: Annotated[str, typer.Option(help="Year of the hits, YYYY.")],
    out: Annotated[Path, typer.Option(help="Folder to write the XLSX into (created if missing).")],
    debug: Annotated[bool, typer.Option(help="Show tracebacks on errors.")] = False,
):
    """Write the institution's case list (案件线索清单, personal data masked) for the period as XLSX."""
    from dashboard.exports.cases import write_case_list

    path = _run_export(lambda: write_case_list(institution, period, out), debug)
    typer.echo(f"案件线索 case list: {path}")


@export_app.command("disclosure")
def export_disclosure(
    period: Annotated[str, typer.Option(help="Finalised period: a year 2024, a quarter 2024Q3 or a month 2024-07.")],
    out: Annotated[Path, typer.Option(help="Folder to write into (created if missing).")],
    scope: Annotated[str, typer.Option(help="fund (基金收支), institutions (定点机构) or all.")] = "all",
    format: Annotated[str, typer.Option("--format", help="Comma-separated: html, pdf, xlsx.")] = "html,pdf,xlsx",
    debug: Annotated[bool, typer.Option(help="Show tracebacks on errors.")] = False,
):
    """Write the public disclosure (信息公开) of the period: static HTML site, PDF, XLSX."""
    from dashboard.exports.disclosure import write_disclosure

    def write():
        return write_disclosure(period, scope, format.split(","), out)

    for kind, path in _run_export(write, debug).items():
        typer.echo(f"{kind}: {path}")


def _run_export(write, debug: bool):
    """Run an export; a Chinese and English message and exit code 2 instead of a traceback."""
    from dashboard.data.db import WarehouseUnavailable
    from dashboard.exports import ExportError

    try:
        return write()
    except (ExportError, WarehouseUnavailable) as exc:
        if debug:
            raise
        hint = ("" if isinstance(exc, ExportError) else
                " The warehouse is missing or cannot be read: build it (make run) or set YIBAO_WAREHOUSE.")
        typer.echo(f"错误 error: {exc}{hint}", err=True)
        raise typer.Exit(2) from None


def _account(change, debug: bool = False):
    from dashboard.auth.store import AccountError

    try:
        return change()
    except AccountError as exc:
        if debug:
            raise
        typer.echo(f"错误 error: {exc}", err=True)
        raise typer.Exit(2) from None


def _audit_user_admin(action: str, **detail) -> None:
    from dashboard.auth.access import actor
    from dashboard.auth.audit import record

    record("user_admin", *actor(), action=action, **detail)


@users_app.command("add")
def users_add(username: str, role: Annotated[str, typer.Option(help="leadership, planner, budget, inspector, "
                                                                      "auditor or admin.")]):
    """Create a user; prints a one-time password once (it must be changed at first login)."""
    from dashboard.auth import store

    password = _account(lambda: store.add(username, role))
    _audit_user_admin("add", username=username, granted_role=role)
    typer.echo(f"已创建 {username}（{role}）。一次性密码（只显示这一次）：{password}")


@users_app.command("list")
def users_list():
    """List users with role, state and case assignments."""
    from dashboard.auth import store

    for user in store.users():
        state = "停用" if user.disabled else ("待改密码" if user.must_change_password else "正常")
        cases = ",".join(sorted(store.assignments(user.username))) or "-"
        typer.echo(f"{user.username}\t{user.role}\t{state}\t{cases}")


@users_app.command("set-role")
def users_set_role(username: str, role: str):
    """Change a user's role."""
    from dashboard.auth import store

    _account(lambda: store.set_role(username, role))
    _audit_user_admin("set-role", username=username, granted_role=role)
    typer.echo(f"{username} 的角色已改为 {role}。")


@users_app.command("disable")
def users_disable(username: str, enable: Annotated[bool, typer.Option(help="Re-enable instead.")] = False):
    """Disable (or re-enable) a user; a disabled user cannot log in."""
    from dashboard.auth import store

    _account(lambda: store.set_disabled(username, not enable))
    _audit_user_admin("enable" if enable else "disable", username=username)
    typer.echo(f"{username} 已{'启用' if enable else '停用'}。")


@users_app.command("reset-password")
def users_reset_password(username: str):
    """Give a user a new one-time password (printed once)."""
    from dashboard.auth import store

    password = _account(lambda: store.reset_password(username))
    _audit_user_admin("reset-password", username=username)
    typer.echo(f"{username} 的一次性密码（只显示这一次）：{password}")


@users_app.command("assign")
def users_assign(username: str, institution: Annotated[str, typer.Option(help="fixmedins_code of the case.")],
                 remove: Annotated[bool, typer.Option(help="Take the inspector off the case.")] = False):
    """Put an inspector on (or off) a case of an institution: unmasked personal data there."""
    from dashboard.auth import store

    _account(lambda: (store.unassign if remove else store.assign)(username, institution))
    _audit_user_admin("unassign" if remove else "assign", username=username, fixmedins_code=institution)
    typer.echo(f"{username} {'已撤出' if remove else '已承办'} {institution} 的案件。")


@app.command("audit")
def audit_show(event: Annotated[str | None, typer.Option(help="Only this event (login, unmask, export …).")] = None,
               limit: Annotated[int, typer.Option(help="Newest this many.")] = 50):
    """Print the audit log (newest first) and whether its hash chain is intact."""
    from dashboard.auth import audit

    for row in audit.entries(event, limit):
        typer.echo(f"{row['seq']}\t{row['at']}\t{row['actor']}\t{row['role']}\t{row['event']}\t{row['detail']}")
    broken = audit.verify()
    typer.echo("哈希链完整 chain intact" if broken is None else f"哈希链自第 {broken} 条起断开 chain broken at {broken}")
    if broken is not None:
        raise typer.Exit(1)


if __name__ == "__main__":
    app()
