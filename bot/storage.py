"""SQLite storage through sqlite-utils: numbered migrations, WAL, and a connection per unit of work.

Bolt listeners and APScheduler jobs run on worker threads and sqlite3 connections are bound to the
thread that made them, so every function here opens its own short-lived connection.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlite_utils import Database, Migrations

migrations = Migrations("flowroute_bot")


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@migrations()
def m001_audit(db: Database) -> None:
    db["audit"].create(
        {"id": int, "at": str, "user_id": str, "action": str, "target": str, "ok": int, "result": str},
        pk="id",
        not_null={"at", "user_id", "action"},
    )
    db["audit"].create_index(["at"])


@migrations()
def m002_claims(db: Database) -> None:
    # One row per confirmed action (a Buy click, an SMS send...): the primary key makes it happen once.
    db["claims"].create({"key": str, "at": str, "user_id": str}, pk="key")


@migrations()
def m003_subscriptions(db: Database) -> None:
    db["subscriptions"].create(
        {"number": str, "channel_id": str, "created_by": str, "created_at": str},
        pk=("number", "channel_id"),
    )


@migrations()
def m004_state(db: Database) -> None:
    db["state"].create({"key": str, "value": str, "updated_at": str}, pk="key")


class Store:
    """The bot's database file. Cheap to create; holds no open connection."""

    def __init__(self, path: str):
        self.path = path

    @contextmanager
    def db(self) -> Iterator[Database]:
        conn = sqlite3.connect(self.path, timeout=30)
        try:
            yield Database(conn)
        finally:
            conn.close()

    def migrate(self) -> None:
        with self.db() as db:
            if db.journal_mode != "wal":
                db.enable_wal()
            migrations.apply(db)

    # audit -----------------------------------------------------------------------------------------
    def save_audit(self, *, user_id: str, action: str, target: str, ok: bool, result: str) -> int:
        with self.db() as db:
            table = db["audit"].insert(
                {"at": utc_now(), "user_id": user_id, "action": action, "target": target,
                 "ok": int(ok), "result": result}
            )
            return table.last_pk

    def get_audit(self, limit: int = 20, offset: int = 0) -> list[dict]:
        with self.db() as db:
            return list(db["audit"].rows_where(order_by="id desc", limit=limit, offset=offset))

    # claims ----------------------------------------------------------------------------------------
    def claim(self, key: str, user_id: str) -> bool:
        """Record `key` once; True only for the first caller, so the action behind it runs once."""
        with self.db() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO claims (key, at, user_id) VALUES (?, ?, ?)", [key, utc_now(), user_id]
            )
            return cursor.rowcount == 1

    def release_claim(self, key: str) -> None:
        """Forget a claim whose action was refused before anything happened, so it can be retried."""
        with self.db() as db:
            db.execute("DELETE FROM claims WHERE key = ?", [key])

    # subscriptions ---------------------------------------------------------------------------------
    def save_subscription(self, number: str, channel_id: str, user_id: str) -> bool:
        with self.db() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO subscriptions (number, channel_id, created_by, created_at) "
                "VALUES (?, ?, ?, ?)",
                [number, channel_id, user_id, utc_now()],
            )
            return cursor.rowcount == 1

    def delete_subscriptions(self, number: str, channel_id: str | None = None) -> int:
        with self.db() as db:
            if channel_id is None:
                cursor = db.execute("DELETE FROM subscriptions WHERE number = ?", [number])
            else:
                cursor = db.execute(
                    "DELETE FROM subscriptions WHERE number = ? AND channel_id = ?", [number, channel_id]
                )
            return cursor.rowcount

    def get_subscriptions(self) -> list[dict]:
        with self.db() as db:
            return list(db["subscriptions"].rows_where(order_by="number, channel_id"))

    # state -----------------------------------------------------------------------------------------
    def get_state(self, key: str, default=None):
        with self.db() as db:
            rows = list(db.query("SELECT value FROM state WHERE key = ?", [key]))
            return json.loads(rows[0]["value"]) if rows else default

    def save_state(self, key: str, value) -> None:
        with self.db() as db:
            db.execute(
                "INSERT INTO state (key, value, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                [key, json.dumps(value), utc_now()],
            )
