"""Login and the access guard of the web app (Flask-Login on Dash's Flask server).

- /login, /logout and /password (set a new password; forced after a one-time password) are plain
  server-rendered forms; the session is Flask's signed cookie (HttpOnly, SameSite=Lax) with a
  secret kept in settings.auth_dir().
- Every page request is checked against policy.PAGE_ROLES: a visitor without login may open the
  disclosure only (any other page sends them to /login), a user without the role gets 403.
- Every Dash callback request is checked too, so a page's data cannot be fetched by posting to
  /_dash-update-component: the page router by the path asked for, other callbacks by the page
  that owns their outputs (a page's component ids start with its PAGE prefix).
- Logins, failed logins and logouts go to the audit log; passwords never do.
"""

from __future__ import annotations

import secrets
import sys
from dataclasses import dataclass

import dash
import flask
from flask_login import LoginManager, current_user, login_user, logout_user

from dashboard.auth import audit, policy, store
from ingest import settings

PUBLIC_PREFIXES = ("/_dash-component-suites/", "/assets/", "/_dash-layout", "/_dash-dependencies",
                   "/_favicon.ico", "/_reload-hash", "/login", "/logout", "/password")
CALLBACK_PATH = "/_dash-update-component"
ROUTER_OUTPUT = "_pages_content"


@dataclass(frozen=True)
class Viewer:
    name: str
    role: str


PUBLIC_VIEWER = Viewer("public", policy.PUBLIC)


def viewer() -> Viewer:
    """Who is asking: the logged-in user, or the public outside a login (and outside requests)."""
    if flask.has_request_context() and current_user.is_authenticated:
        return Viewer(current_user.username, current_user.role)
    return PUBLIC_VIEWER


def _secret_key() -> str:
    path = settings.auth_dir() / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32), encoding="ascii")
        path.chmod(0o600)
    return path.read_text(encoding="ascii").strip()


FORM = """<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{{ title }} · 医保基金数据集市</title>
<style>body{font-family:'Noto Sans CJK SC','Microsoft YaHei',sans-serif;max-width:420px;margin:80px auto;color:#222}
label{display:block;margin:12px 0 4px}input{width:100%;padding:6px;box-sizing:border-box}
button{margin-top:16px;padding:6px 20px}.error{color:#b00020}</style></head><body>
<h1>{{ title }}</h1>{% if message %}<p class="error" id="auth-message">{{ message }}</p>{% endif %}
<form method="post" id="auth-form">{% for name, label, kind in fields %}
<label for="{{ name }}">{{ label }}</label><input id="{{ name }}" name="{{ name }}" type="{{ kind }}" required>
{% endfor %}<button type="submit" id="auth-submit">{{ button }}</button></form>
{% if public %}<p><a href="{{ public }}">不登录，查看信息公开</a></p>{% endif %}</body></html>"""
LOGIN_FIELDS = [("username", "用户名", "text"), ("password", "密码", "password")]
PASSWORD_FIELDS = [("password", "新密码（至少 10 位）", "password"), ("confirm", "再次输入新密码", "password")]


def _safe_next(target: str | None) -> str:
    """Only local paths: a login never redirects off-site."""
    return target if target and target.startswith("/") and not target.startswith("//") else "/"


def _page_prefixes() -> dict[str, str]:
    """Component-id prefix → page path: each page module's ID_PREFIXES, else its PAGE."""
    found = {}
    for page in dash.page_registry.values():
        module = sys.modules.get(page["module"])
        prefix = getattr(module, "PAGE", None)
        for item in getattr(module, "ID_PREFIXES", (prefix,) if prefix else ()):
            found[item] = page["path"]
    return found


def _id_root(component_id) -> str:
    if isinstance(component_id, dict):
        return str(component_id.get("table") or component_id.get("page") or "")
    return str(component_id).split(".")[0]


def callback_page(payload: dict, prefixes: dict[str, str]) -> str | None:
    """The page a callback request belongs to: the router's requested path, or the page whose
    prefix starts the output ids; None when no page owns it."""
    outputs = payload.get("outputs")
    outputs = outputs if isinstance(outputs, list) else [outputs]
    roots = {_id_root(o.get("id")) for o in outputs if isinstance(o, dict)}
    if ROUTER_OUTPUT in roots:
        for item in payload.get("inputs", []):
            if isinstance(item, dict) and item.get("property") == "pathname":
                return str(item.get("value") or "/")
        return None
    pages = set()
    for root in roots:
        owner = [path for prefix, path in prefixes.items() if root == prefix or root.startswith(prefix + "-")]
        if not owner:
            return None
        pages.add(max(owner, key=len))
    return pages.pop() if len(pages) == 1 else None


def install(app: dash.Dash) -> None:
    server = app.server
    server.secret_key = _secret_key()
    server.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax")
    manager = LoginManager()
    manager.init_app(server)
    manager.user_loader(lambda username: store.get(username))
    prefixes: dict[str, str] = {}

    def render(title, fields, button, message=None, status=200):
        return flask.render_template_string(FORM, title=title, fields=fields, button=button, message=message,
                                            public=policy.PUBLIC_HOME), status

    @server.route("/login", methods=["GET", "POST"])
    def login():
        if flask.request.method == "GET":
            return render("登录", LOGIN_FIELDS, "登录")
        username = flask.request.form.get("username", "")[:64]
        user = store.authenticate(username, flask.request.form.get("password", ""))
        if user is None:
            audit.record("login_failed", store.USERNAME.match(username) and username or "?", policy.PUBLIC,
                         remote=flask.request.remote_addr)
            return render("登录", LOGIN_FIELDS, "登录", "用户名或密码错误，或账号已停用。", 401)
        login_user(user)
        audit.record("login", user.username, user.role, remote=flask.request.remote_addr)
        if user.must_change_password:
            return flask.redirect("/password")
        target = _safe_next(flask.request.args.get("next"))
        return flask.redirect(target if policy.can_view(user.role, target) else policy.home(user.role))

    @server.route("/password", methods=["GET", "POST"])
    def password():
        if not current_user.is_authenticated:
            return flask.redirect("/login")
        if flask.request.method == "GET":
            return render("设置新密码", PASSWORD_FIELDS, "保存")
        new, confirm = flask.request.form.get("password", ""), flask.request.form.get("confirm", "")
        if new != confirm:
            return render("设置新密码", PASSWORD_FIELDS, "保存", "两次输入的密码不一致。", 400)
        try:
            store.change_password(current_user.username, new)
        except store.AccountError as exc:
            return render("设置新密码", PASSWORD_FIELDS, "保存", str(exc), 400)
        audit.record("password_changed", current_user.username, current_user.role)
        login_user(store.get(current_user.username))
        return flask.redirect(policy.home(current_user.role))

    @server.route("/logout")
    def logout():
        if current_user.is_authenticated:
            audit.record("logout", current_user.username, current_user.role)
            logout_user()
        return flask.redirect("/login")

    @server.before_request
    def guard():
        path = flask.request.path
        if path.startswith(PUBLIC_PREFIXES):
            return None
        who = viewer()
        if current_user.is_authenticated and current_user.must_change_password:
            return _deny(who, "/password") if path == CALLBACK_PATH else flask.redirect("/password")
        if path == CALLBACK_PATH:
            if not prefixes:
                prefixes.update(_page_prefixes())
            page = callback_page(flask.request.get_json(silent=True) or {}, prefixes)
            if page is None or not policy.can_view(who.role, page.split("?")[0]):
                return _deny(who, page)
            return None
        if policy.can_view(who.role, path):
            return None
        if who.role == policy.PUBLIC:
            return flask.redirect(policy.PUBLIC_HOME if path == "/" else f"/login?next={path}")
        return _deny(who, path)


def _deny(who: Viewer, what: str | None):
    return flask.Response(f"无权访问 {what or '该内容'}（{policy.ROLE_ZH.get(who.role, who.role)}）。"
                          "Forbidden for this role.", status=403, mimetype="text/plain")
