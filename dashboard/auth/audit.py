"""The append-only audit log (审计日志): logins, unmasked views of personal data, exports and user
management, one row per event in a SQLite file under settings.auth_dir().

Append-only by construction: triggers abort every UPDATE and DELETE, and each row carries the
SHA-256 of the previous row's hash and its own content, so an edit made around the triggers
(with file access) breaks the chain and `verify()` names the first broken row. No code path edits
or deletes; auditors read it (the 审计日志 page, `python -m dashboard audit`), admins manage users
but have no access to the log in the app. Details never hold a password.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from ingest import settings

GENESIS = "0" * 64
SCHEMA = """
CREATE TABLE IF NOT EXISTS audit_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    role TEXT NOT NULL,
    event TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
"""
COLUMNS = ("seq", "at", "actor", "role", "event", "detail", "prev_hash", "hash")


@contextmanager
def _db() -> Iterator[sqlite3.Connection]:
    folder = settings.auth_dir()
    folder.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(folder / "audit.sqlite", timeout=30, isolation_level=None)
    try:
        con.executescript(SCHEMA)
        yield con
    finally:
        con.close()


def _digest(prev_hash: str, at: str, actor: str, role: str, event: str, detail: str) -> str:
    payload = json.dumps([prev_hash, at, actor, role, event, detail], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def record(event: str, actor: str, role: str, **detail) -> None:
    """Append one event (e.g. 'unmask', 'export', 'login'); detail values must be JSON-able."""
    text = json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str)
    at = dt.datetime.now().isoformat(timespec="milliseconds")
    with _db() as con:
        con.execute("BEGIN IMMEDIATE")          # one writer at a time: the chain stays linear
        try:
            row = con.execute("SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
            prev = row[0] if row else GENESIS
            con.execute("INSERT INTO audit_log (at, actor, role, event, detail, prev_hash, hash) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?)",
                        [at, actor, role, event, text, prev, _digest(prev, at, actor, role, event, text)])
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise


def entries(event: str | None = None, limit: int | None = None) -> list[dict]:
    """The log, newest first, optionally one event type."""
    sql = f"SELECT {', '.join(COLUMNS)} FROM audit_log"
    params: list = []
    if event:
        sql += " WHERE event = ?"
        params.append(event)
    sql += " ORDER BY seq DESC"
    if limit:
        sql += " LIMIT ?"
        params.append(int(limit))
    with _db() as con:
        rows = con.execute(sql, params).fetchall()
    return [dict(zip(COLUMNS, r, strict=True)) | {"detail": json.loads(r[5])} for r in rows]


def verify() -> int | None:
    """The seq of the first row whose chain is broken, or None when the log is intact."""
    with _db() as con:
        rows = con.execute(f"SELECT {', '.join(COLUMNS)} FROM audit_log ORDER BY seq").fetchall()
    prev = GENESIS
    for seq, at, actor, role, event, detail, prev_hash, digest in rows:
        if prev_hash != prev or digest != _digest(prev_hash, at, actor, role, event, detail):
            return seq
        prev = digest
    return None
