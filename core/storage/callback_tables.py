"""Flowroute callbacks' tables: inbound records a callback brought, delivery receipts, per-day counts."""

from __future__ import annotations

import json

from blocks.text import iso_utc
from core.storage.tables import Tables

COUNTED = ("inbound", "receipts", "rejected")


class CallbackTables(Tables):
    def save_callback_inbound(self, record: dict, outbox: list[dict], media: list[dict]) -> bool:
        """Store a record a callback brought, with its outbox rows and media, in one transaction.

        True when it is new. A record the poll (or an earlier callback) already took in keeps its outbox
        rows: only `callback_at` is noted, so the poll's finds can be told from the callbacks'.
        """
        now = iso_utc()
        with self.db() as db, db.atomic():
            added = db.execute(
                "INSERT OR IGNORE INTO inbound (mdr_id, at, from_number, to_number, to_alias, body, is_mms, "
                "channels, seen_at, brought_by, callback_at) VALUES (:mdr_id, :at, :from_number, :to_number, "
                ":to_alias, :body, :is_mms, :channels, :now, 'callback', :now)",
                {**record, "now": now},
            ).rowcount == 1
            if not added:
                db.execute("UPDATE inbound SET callback_at = coalesce(callback_at, ?) WHERE mdr_id = ?",
                           [now, record["mdr_id"]])
                return False
            self._queue(db, outbox, media, now)
        return True

    def note_callback(self, mdr_id: str) -> None:
        """A callback brought a record already taken in (by the poll, or an earlier callback)."""
        self._execute("UPDATE inbound SET callback_at = coalesce(callback_at, ?) WHERE mdr_id = ?", [iso_utc(), mdr_id])

    def count_callback(self, kind: str, day: str) -> None:
        """One more `kind` (inbound, receipts, rejected) callback on `day` (YYYY-MM-DD, UTC)."""
        if kind not in COUNTED:
            raise ValueError(kind)
        with self.db() as db:
            db.execute(
                f"INSERT INTO callback_days (day, {kind}, last_at) VALUES (?, 1, ?) "
                f"ON CONFLICT(day) DO UPDATE SET {kind} = {kind} + 1, last_at = excluded.last_at",
                [day, iso_utc()],
            )

    def get_callback_day(self, day: str) -> dict:
        rows = self._rows("SELECT * FROM callback_days WHERE day = ?", [day])
        return rows[0] if rows else {"day": day, "inbound": 0, "receipts": 0, "rejected": 0, "last_at": None}

    def get_last_callback_at(self) -> str | None:
        rows = self._rows("SELECT max(last_at) AS at FROM callback_days", [])
        return rows[0]["at"] if rows else None

    def count_missed_callbacks(self, since: str) -> int:
        """Inbound records seen since `since` that the poll found and no callback brought, then or later."""
        rows = self._rows("SELECT count(*) AS n FROM inbound WHERE seen_at >= ? AND brought_by = 'poll' "
                          "AND callback_at IS NULL", [since])
        return rows[0]["n"]

    # --- delivery receipts --------------------------------------------------------------------------

    def save_receipt(self, receipt: dict) -> bool:
        """Keep one receipt (mdr_id, level, status, status_code, description, at); False if it was known."""
        with self.db() as db:
            return db.execute(
                "INSERT OR IGNORE INTO receipts (mdr_id, level, status, status_code, description, at, received_at) "
                "VALUES (:mdr_id, :level, :status, :status_code, :description, :at, :received_at)",
                {**receipt, "received_at": iso_utc()},
            ).rowcount == 1

    def get_receipts(self, mdr_id: str) -> list[dict]:
        return self._rows("SELECT * FROM receipts WHERE mdr_id = ? ORDER BY level", [mdr_id])

    def mark_receipts_applied(self, mdr_id: str) -> None:
        self._execute("UPDATE receipts SET applied = 1 WHERE mdr_id = ?", [mdr_id])

    def get_reply_by_mdr(self, mdr_id: str) -> dict | None:
        rows = self._rows("SELECT * FROM replies WHERE mdr_id = ?", [mdr_id])
        return rows[0] if rows else None

    def save_confirmation(self, mdr_id: str, response_url: str, message: dict, created_at: float) -> None:
        self._execute("INSERT OR REPLACE INTO sent_confirmations (mdr_id, response_url, message, created_at) "
                      "VALUES (?, ?, ?, ?)", [mdr_id, response_url, json.dumps(message), created_at])

    def get_confirmation(self, mdr_id: str) -> dict | None:
        rows = self._rows("SELECT * FROM sent_confirmations WHERE mdr_id = ?", [mdr_id])
        if not rows:
            return None
        return {**rows[0], "message": json.loads(rows[0]["message"])}

    def purge_confirmations(self, before: float) -> int:
        return self._execute("DELETE FROM sent_confirmations WHERE created_at < ?", [before])
