"""The connection rule every table group follows: a short-lived connection per call.

Bolt listeners and APScheduler jobs run on worker threads and sqlite3 connections are bound to the
thread that made them, so nothing here keeps a connection open.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from sqlite_utils import Database

from core.storage.migrations import migrations


class Tables:
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

    def _rows(self, sql: str, params: list) -> list[dict]:
        with self.db() as db:
            return list(db.query(sql, params))

    def _execute(self, sql: str, params: list) -> int:
        with self.db() as db:
            return db.execute(sql, params).rowcount

    @staticmethod
    def _queue(db, outbox: list[dict], media: list[dict], now: str) -> None:
        """Inside the caller's transaction: the record's outbox rows and its media, each once."""
        db.conn.executemany(
            "INSERT OR IGNORE INTO outbox (mdr_id, channel_id, at, route, created_at) "
            "VALUES (:mdr_id, :channel_id, :at, :route, :created_at)",
            [{**row, "created_at": now} for row in outbox],
        )
        db.conn.executemany(
            "INSERT OR IGNORE INTO media (mdr_id, position, file_name, mime_type, size, content, error) "
            "VALUES (:mdr_id, :position, :file_name, :mime_type, :size, :content, :error)",
            media,
        )
