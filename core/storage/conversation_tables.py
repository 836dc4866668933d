"""The conversations' tables: one Slack thread per conversation, thread replies sent as SMS, reply media."""

from __future__ import annotations

import time

from blocks.text import iso_utc
from core.storage.tables import Tables

UNFINISHED = ("received", "sending")  # statuses a live sender leaves within seconds


class ConversationTables(Tables):
    # threads
    def get_current_thread(self, channel_id: str, our_number: str, remote_number: str) -> dict | None:
        rows = self._rows("SELECT * FROM threads WHERE channel_id = ? AND our_number = ? AND remote_number = ? "
                          "ORDER BY last_at DESC LIMIT 1", [channel_id, our_number, remote_number])
        return rows[0] if rows else None

    def get_thread(self, channel_id: str, thread_ts: str) -> dict | None:
        rows = self._rows("SELECT * FROM threads WHERE channel_id = ? AND thread_ts = ?", [channel_id, thread_ts])
        return rows[0] if rows else None

    def save_threads(self, threads: list[dict]) -> None:
        """New or recovered threads; a known thread's last activity only moves forward."""
        with self.db() as db, db.atomic():
            db.conn.executemany(
                "INSERT INTO threads (channel_id, thread_ts, our_number, remote_number, started_at, last_at) "
                "VALUES (:channel_id, :thread_ts, :our_number, :remote_number, :started_at, :last_at) "
                "ON CONFLICT(channel_id, thread_ts) DO UPDATE SET last_at = max(last_at, excluded.last_at)",
                threads,
            )

    def touch_thread(self, channel_id: str, thread_ts: str, at: str) -> None:
        self._execute("UPDATE threads SET last_at = max(last_at, ?) WHERE channel_id = ? AND thread_ts = ?",
                      [at, channel_id, thread_ts])

    def forget_thread(self, channel_id: str, thread_ts: str) -> None:
        self._execute("DELETE FROM threads WHERE channel_id = ? AND thread_ts = ?", [channel_id, thread_ts])

    # replies
    def claim_reply(self, reply: dict) -> bool:
        """Insert the reply's row; False when it exists (a retry, a duplicate event, a restart)."""
        now = time.time()
        return self._execute(
            "INSERT OR IGNORE INTO replies (channel_id, ts, thread_ts, user_id, from_number, to_number, status, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'received', ?, ?)",
            [reply["channel_id"], reply["ts"], reply["thread_ts"], reply["user_id"], reply["from_number"],
             reply["to_number"], iso_utc(), now],
        ) == 1

    def mark_reply(self, channel_id: str, ts: str, *, only_if: str | None = None, **fields) -> bool:
        """Update a reply's row (only while its status is `only_if`, when given); True if a row changed."""
        assignments = ", ".join(f"{name} = ?" for name in fields)
        sql = f"UPDATE replies SET {assignments}, updated_at = ? WHERE channel_id = ? AND ts = ?"
        params = [*fields.values(), time.time(), channel_id, ts]
        if only_if is not None:
            sql, params = sql + " AND status = ?", [*params, only_if]
        return self._execute(sql, params) == 1

    def get_reply(self, channel_id: str, ts: str) -> dict | None:
        rows = self._rows("SELECT * FROM replies WHERE channel_id = ? AND ts = ?", [channel_id, ts])
        return rows[0] if rows else None

    def get_unfinished_replies(self, before: float) -> list[dict]:
        return self._rows("SELECT * FROM replies WHERE status IN (?, ?) AND updated_at < ? ORDER BY updated_at",
                          [*UNFINISHED, before])

    def get_unreacted_replies(self, limit: int) -> list[dict]:
        return self._rows("SELECT * FROM replies WHERE status = 'accepted' AND accepted_reacted = 0 "
                          "ORDER BY updated_at LIMIT ?", [limit])

    def get_replies_to_check(self, since: str, limit: int) -> list[dict]:
        """Accepted replies not yet seen delivered, least recently checked first."""
        return self._rows("SELECT * FROM replies WHERE status = 'accepted' AND mdr_id IS NOT NULL AND "
                          "delivered_at IS NULL AND created_at >= ? ORDER BY checked_at, created_at LIMIT ?",
                          [since, limit])

    def mark_checked(self, channel_id: str, ts: str) -> None:
        self._execute("UPDATE replies SET checks = checks + 1, checked_at = ? WHERE channel_id = ? AND ts = ?",
                      [time.time(), channel_id, ts])

    # media
    def save_reply_media(self, token_hash: str, reply: dict, mime_type: str, content: bytes, expires_at: float) -> None:
        self._execute("INSERT INTO reply_media (token_hash, channel_id, ts, mime_type, content, expires_at) "
                      "VALUES (?, ?, ?, ?, ?, ?)",
                      [token_hash, reply["channel_id"], reply["ts"], mime_type, content, expires_at])

    def get_reply_media(self, token_hash: str, now: float) -> dict | None:
        rows = self._rows("SELECT mime_type, content FROM reply_media WHERE token_hash = ? AND expires_at > ?",
                          [token_hash, now])
        return rows[0] if rows else None

    def purge_reply_media(self, now: float) -> int:
        return self._execute("DELETE FROM reply_media WHERE expires_at <= ?", [now])
