"""Users, their roles and their case assignments, in a SQLite file under settings.auth_dir().

Passwords are hashed with werkzeug.security (scrypt, salted); the plain text is never stored,
logged or returned, except the one-time password a new or reset account gets, printed once by
the CLI. An account with a one-time password must set its own at first login.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from werkzeug.security import check_password_hash, generate_password_hash

from dashboard.auth.policy import ROLES
from ingest import settings

USERNAME = re.compile(r"^[A-Za-z0-9_.-]{2,32}$")
MIN_PASSWORD = 10

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    username TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    must_change_password INTEGER NOT NULL DEFAULT 1,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS assignments (
    username TEXT NOT NULL REFERENCES users(username),
    fixmedins_code TEXT NOT NULL,
    assigned_at TEXT NOT NULL,
    PRIMARY KEY (username, fixmedins_code)
);
"""


class AccountError(Exception):
    """A user-management request that cannot be done; the message says why (Chinese and English)."""


@dataclass(frozen=True)
class User:
    username: str
    role: str
    must_change_password: bool
    disabled: bool

    # Flask-Login's user interface
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return not self.disabled

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return self.username


@contextmanager
def _db() -> Iterator[sqlite3.Connection]:
    folder = settings.auth_dir()
    folder.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(folder / "users.sqlite")
    try:
        con.executescript(SCHEMA)
        with con:
            yield con
    finally:
        con.close()


def _now() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")


def _check_username(username: str) -> str:
    if not USERNAME.match(username or ""):
        raise AccountError(f"用户名 {username!r} 无效：2–32 位字母、数字、点、下划线或连字符。"
                           f"Username {username!r} is invalid: 2–32 letters, digits, '.', '_' or '-'.")
    return username


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise AccountError(f"角色 {role!r} 无效，可选：{', '.join(ROLES)}。Role {role!r} is not one of {', '.join(ROLES)}.")
    return role


def one_time_password() -> str:
    return secrets.token_urlsafe(12)


def get(username: str) -> User | None:
    with _db() as con:
        row = con.execute("SELECT username, role, must_change_password, disabled FROM users WHERE username = ?",
                          [username]).fetchone()
    return None if row is None else User(row[0], row[1], bool(row[2]), bool(row[3]))


def users() -> list[User]:
    with _db() as con:
        rows = con.execute("SELECT username, role, must_change_password, disabled FROM users ORDER BY username")
        return [User(r[0], r[1], bool(r[2]), bool(r[3])) for r in rows.fetchall()]


def add(username: str, role: str) -> str:
    """Create the account; returns its one-time password (to be shown once, never stored)."""
    _check_username(username), _check_role(role)
    password = one_time_password()
    with _db() as con:
        if con.execute("SELECT 1 FROM users WHERE username = ?", [username]).fetchone():
            raise AccountError(f"用户 {username} 已存在。User {username} already exists.")
        con.execute("INSERT INTO users VALUES (?, ?, ?, 1, 0, ?)",
                    [username, role, generate_password_hash(password), _now()])
    return password


def ensure_admin() -> tuple[str, str] | None:
    """On first start (no user at all) create `admin` and return (username, one-time password)."""
    with _db() as con:
        if con.execute("SELECT count(*) FROM users").fetchone()[0]:
            return None
    return "admin", add("admin", "admin")


def _existing(con: sqlite3.Connection, username: str) -> None:
    if not con.execute("SELECT 1 FROM users WHERE username = ?", [username]).fetchone():
        raise AccountError(f"用户 {username!r} 不存在。No user {username!r}.")


def set_role(username: str, role: str) -> None:
    _check_role(role)
    with _db() as con:
        _existing(con, username)
        con.execute("UPDATE users SET role = ? WHERE username = ?", [role, username])


def set_disabled(username: str, disabled: bool) -> None:
    with _db() as con:
        _existing(con, username)
        con.execute("UPDATE users SET disabled = ? WHERE username = ?", [int(disabled), username])


def reset_password(username: str) -> str:
    """A new one-time password for the account (it must set its own at next login)."""
    password = one_time_password()
    with _db() as con:
        _existing(con, username)
        con.execute("UPDATE users SET password_hash = ?, must_change_password = 1 WHERE username = ?",
                    [generate_password_hash(password), username])
    return password


def change_password(username: str, new_password: str) -> None:
    if len(new_password or "") < MIN_PASSWORD:
        raise AccountError(f"新密码至少 {MIN_PASSWORD} 位。The new password needs at least {MIN_PASSWORD} characters.")
    with _db() as con:
        _existing(con, username)
        con.execute("UPDATE users SET password_hash = ?, must_change_password = 0 WHERE username = ?",
                    [generate_password_hash(new_password), username])


def authenticate(username: str, password: str) -> User | None:
    """The active user whose password matches, or None (same answer for unknown user and wrong
    password)."""
    with _db() as con:
        row = con.execute("SELECT password_hash FROM users WHERE username = ? AND disabled = 0",
                          [username or ""]).fetchone()
    if row is None or not check_password_hash(row[0], password or ""):
        return None
    return get(username)


def assign(username: str, fixmedins_code: str) -> None:
    """Put the inspector on a case of the institution: they may see its patients unmasked."""
    with _db() as con:
        _existing(con, username)
        role = con.execute("SELECT role FROM users WHERE username = ?", [username]).fetchone()[0]
        if role != "inspector":
            raise AccountError(f"只有稽核检查角色可以分配案件，{username} 的角色是 {role}。"
                               f"Only inspectors take cases; {username} is {role}.")
        con.execute("INSERT OR IGNORE INTO assignments VALUES (?, ?, ?)", [username, fixmedins_code, _now()])


def unassign(username: str, fixmedins_code: str) -> None:
    with _db() as con:
        con.execute("DELETE FROM assignments WHERE username = ? AND fixmedins_code = ?", [username, fixmedins_code])


def assignments(username: str) -> set[str]:
    with _db() as con:
        rows = con.execute("SELECT fixmedins_code FROM assignments WHERE username = ?", [username]).fetchall()
    return {r[0] for r in rows}
