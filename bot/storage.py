"""SQLite storage through sqlite-utils: numbered migrations, WAL, and a connection per unit of work.

Bolt listeners and APScheduler jobs run on worker threads and sqlite3 connections are bound to the
thread that made them, so every function here opens its own short-lived connection.
"""

from __future__ import annotations

import json
import sqlite3
import time
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


@migrations()
def m005_relay(db: Database) -> None:
    # Inbound records the relay has taken in (its seen ids); channels = 0 means there was nowhere to post.
    db["inbound"].create(
        {"mdr_id": str, "at": str, "from_number": str, "to_number": str, "to_alias": str, "body": str,
         "is_mms": int, "channels": int, "seen_at": str},
        pk="mdr_id",
        not_null={"at"},
    )
    db["inbound"].create_index(["channels"])
    # One row per (record, channel): pending until Slack answered ok, or failed with a permanent error.
    # in_flight = a Slack call that may have taken effect got no clear answer (check Slack before resending).
    db["outbox"].create(
        {"mdr_id": str, "channel_id": str, "at": str, "route": str, "status": str, "attempts": int,
         "in_flight": int, "attempted_at": float, "next_attempt_at": float, "last_error": str, "slack_ts": str,
         "file_ids": str, "created_at": str, "delivered_at": str},
        pk=("mdr_id", "channel_id"),
        not_null={"at", "status"},
        defaults={"status": "pending", "attempts": 0, "in_flight": 0, "next_attempt_at": 0},
    )
    db["outbox"].create_index(["status", "channel_id", "at", "mdr_id"])
    # MMS media fetched at ingest (Flowroute's links expire); content is dropped once nothing waits for it.
    db["media"].create(
        {"mdr_id": str, "position": int, "file_name": str, "mime_type": str, "size": int, "content": bytes,
         "error": str},
        pk=("mdr_id", "position"),
    )
    db["relay_channels"].create({"channel_id": str, "last_error": str, "last_error_at": str}, pk="channel_id")


@migrations()
def m006_conversations(db: Database) -> None:
    # One Slack thread per conversation (channel, one of our numbers, one remote number) and quiet period.
    db["threads"].create(
        {"channel_id": str, "thread_ts": str, "our_number": str, "remote_number": str, "started_at": str,
         "last_at": str},
        pk=("channel_id", "thread_ts"),
        not_null={"our_number", "remote_number", "last_at"},
    )
    db["threads"].create_index(["channel_id", "our_number", "remote_number", "last_at"])
    # The thread an outbox row was last attempted in (NULL: a new thread), where to look after no answer.
    db["outbox"].add_column("thread_ts", str)
    # Thread replies typed in Slack, one row per message (channel, ts), inserted before anything is sent.
    db["replies"].create(
        {"channel_id": str, "ts": str, "thread_ts": str, "user_id": str, "from_number": str, "to_number": str,
         "body": str, "kind": str, "status": str, "mdr_id": str, "error": str, "created_at": str,
         "updated_at": float, "accepted_reacted": int, "delivered_at": str, "checks": int, "checked_at": float},
        pk=("channel_id", "ts"),
        not_null={"status"},
        defaults={"accepted_reacted": 0, "checks": 0, "checked_at": 0},
    )
    db["replies"].create_index(["status", "checked_at"])
    # Images of MMS replies, served to Flowroute at /media/<token> until expires_at; only the token's hash is kept.
    db["reply_media"].create(
        {"token_hash": str, "channel_id": str, "ts": str, "mime_type": str, "content": bytes, "expires_at": float},
        pk="token_hash",
    )


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

    # relay: inbound records, outbox, media ------------------------------------------------------------
    def get_known_ids(self, mdr_ids: list[str]) -> set[str]:
        """The ids among `mdr_ids` the relay has already taken in."""
        return {row["mdr_id"] for row in self._rows_in("SELECT mdr_id FROM inbound", "mdr_id", mdr_ids)}

    def get_outbox_pairs(self, mdr_ids: list[str]) -> set[tuple[str, str]]:
        """(mdr_id, channel_id) outbox rows that exist for `mdr_ids` (recovered deliveries, for instance)."""
        rows = self._rows_in("SELECT mdr_id, channel_id FROM outbox", "mdr_id", mdr_ids)
        return {(row["mdr_id"], row["channel_id"]) for row in rows}

    def _rows_in(self, select: str, column: str, values: list[str]) -> list[dict]:
        rows: list[dict] = []
        with self.db() as db:
            for start in range(0, len(values), 500):
                chunk = list(values[start:start + 500])
                marks = ",".join("?" * len(chunk))
                rows.extend(db.query(f"{select} WHERE {column} IN ({marks})", chunk))
        return rows

    def save_inbound(self, records: list[dict], outbox: list[dict], media: list[dict]) -> int:
        """Store new inbound records with their outbox rows and media in one transaction; returns new records."""
        now = utc_now()
        with self.db() as db, db.atomic():
            before = db.conn.total_changes
            db.conn.executemany(
                "INSERT OR IGNORE INTO inbound (mdr_id, at, from_number, to_number, to_alias, body, is_mms, "
                "channels, seen_at) VALUES (:mdr_id, :at, :from_number, :to_number, :to_alias, :body, :is_mms, "
                ":channels, :seen_at)",
                [{**record, "seen_at": now} for record in records],
            )
            added = db.conn.total_changes - before
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
        return added

    def save_recovered(self, posts: list[dict]) -> None:
        """Record deliveries found in Slack (after a lost database) so they are never posted again."""
        now = utc_now()
        with self.db() as db, db.atomic():
            db.conn.executemany(
                "INSERT OR IGNORE INTO outbox (mdr_id, channel_id, at, route, status, slack_ts, created_at, "
                "delivered_at) VALUES (:mdr_id, :channel_id, :at, :route, 'delivered', :slack_ts, :now, :now)",
                [{**post, "now": now} for post in posts],
            )

    def get_pending_outbox(self) -> list[dict]:
        """Every pending outbox row with its record, per channel in message-time order."""
        with self.db() as db:
            return list(db.query(
                "SELECT o.*, i.from_number, i.to_number, i.to_alias, i.body, i.is_mms FROM outbox o "
                "JOIN inbound i ON i.mdr_id = o.mdr_id WHERE o.status = 'pending' "
                "ORDER BY o.channel_id, o.at, o.mdr_id"
            ))

    def get_media(self, mdr_id: str, *, with_content: bool = False) -> list[dict]:
        columns = "*" if with_content else (
            "mdr_id, position, file_name, mime_type, size, error, content IS NOT NULL AS kept")
        with self.db() as db:
            return list(db.query(f"SELECT {columns} FROM media WHERE mdr_id = ? ORDER BY position", [mdr_id]))

    def mark_attempt(self, mdr_id: str, channel_id: str) -> None:
        """Committed before a Slack call that posts: if no answer comes back, the next try checks Slack first."""
        self._update_outbox(mdr_id, channel_id, "attempts = attempts + 1, in_flight = 1, attempted_at = ?",
                            [time.time()])

    def mark_files_attempt(self, mdr_id: str, channel_id: str, file_ids: list[str]) -> None:
        self._update_outbox(mdr_id, channel_id, "in_flight = 1, file_ids = ?", [json.dumps(file_ids)])

    def mark_not_in_flight(self, mdr_id: str, channel_id: str) -> None:
        """Slack answered clearly that nothing was posted (an error or a 429)."""
        self._update_outbox(mdr_id, channel_id, "in_flight = 0", [])

    def mark_posted(self, mdr_id: str, channel_id: str, slack_ts: str) -> None:
        """The text is in Slack; the media files still have to follow."""
        self._update_outbox(mdr_id, channel_id, "in_flight = 0, slack_ts = ?, file_ids = NULL", [slack_ts])

    def mark_delivered(self, mdr_id: str, channel_id: str, slack_ts: str, *, has_media: bool = True) -> None:
        self._update_outbox(
            mdr_id, channel_id,
            "status = 'delivered', in_flight = 0, slack_ts = ?, delivered_at = ?, last_error = NULL",
            [slack_ts, utc_now()],
        )
        if has_media:
            self._drop_media_if_done(mdr_id)

    def mark_retry(self, mdr_id: str, channel_id: str, *, error: str, next_attempt_at: float | None = None) -> None:
        if next_attempt_at is None:
            self._update_outbox(mdr_id, channel_id, "last_error = ?", [error])
        else:
            self._update_outbox(mdr_id, channel_id, "last_error = ?, next_attempt_at = ?", [error, next_attempt_at])

    def mark_failed(self, mdr_id: str, channel_id: str, error: str) -> None:
        self._update_outbox(mdr_id, channel_id, "status = 'failed', in_flight = 0, last_error = ?", [error])
        self._drop_media_if_done(mdr_id)

    def mark_channel_failed(self, channel_id: str, error: str) -> list[str]:
        """Fail every pending row of a channel Slack refuses for good; returns their record ids."""
        with self.db() as db, db.atomic():
            ids = [row["mdr_id"] for row in db.query(
                "SELECT mdr_id FROM outbox WHERE channel_id = ? AND status = 'pending'", [channel_id])]
            db.execute("UPDATE outbox SET status = 'failed', in_flight = 0, last_error = ? "
                       "WHERE channel_id = ? AND status = 'pending'", [error, channel_id])
        for mdr_id in ids:
            self._drop_media_if_done(mdr_id)
        return ids

    def _update_outbox(self, mdr_id: str, channel_id: str, assignments: str, params: list) -> None:
        with self.db() as db:
            db.execute(f"UPDATE outbox SET {assignments} WHERE mdr_id = ? AND channel_id = ?",
                       [*params, mdr_id, channel_id])

    def _drop_media_if_done(self, mdr_id: str) -> None:
        with self.db() as db:
            db.execute(
                "UPDATE media SET content = NULL WHERE mdr_id = ? AND content IS NOT NULL AND NOT EXISTS "
                "(SELECT 1 FROM outbox WHERE mdr_id = ? AND status = 'pending')",
                [mdr_id, mdr_id],
            )

    def save_channel_error(self, channel_id: str, error: str) -> None:
        with self.db() as db:
            db.execute(
                "INSERT INTO relay_channels (channel_id, last_error, last_error_at) VALUES (?, ?, ?) "
                "ON CONFLICT(channel_id) DO UPDATE SET last_error = excluded.last_error, "
                "last_error_at = excluded.last_error_at",
                [channel_id, error, utc_now()],
            )

    def get_channel_errors(self) -> list[dict]:
        with self.db() as db:
            return list(db.query("SELECT * FROM relay_channels ORDER BY last_error_at DESC"))

    def get_failing_channels(self) -> list[dict]:
        """Channels with messages still waiting after a failed post: channel_id, pending, last_error."""
        with self.db() as db:
            return list(db.query(
                "SELECT channel_id, count(*) AS pending, "
                "(SELECT last_error FROM outbox AS o WHERE o.channel_id = outbox.channel_id "
                "AND o.status = 'pending' AND o.last_error IS NOT NULL ORDER BY o.attempted_at DESC LIMIT 1) "
                "AS last_error FROM outbox WHERE status = 'pending' GROUP BY channel_id "
                "HAVING max(last_error IS NOT NULL) = 1 ORDER BY channel_id"))

    def get_relay_counts(self) -> dict[str, int]:
        """Outbox rows by status, plus inbound records that had nowhere to go."""
        with self.db() as db:
            counts = {"pending": 0, "delivered": 0, "failed": 0}
            counts.update({row["status"]: row["n"] for row in db.query(
                "SELECT status, count(*) AS n FROM outbox GROUP BY status")})
            counts["unrouted"] = next(db.query("SELECT count(*) AS n FROM inbound WHERE channels = 0"))["n"]
            return counts
