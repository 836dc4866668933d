"""The bot's Store: audit, claims, subscriptions and state, plus the tables of the relay, conversations,
callbacks, the digest, opt-outs and approvals."""

from __future__ import annotations

import json

from blocks.text import iso_utc
from core.storage.approval_tables import ApprovalTables
from core.storage.callback_tables import CallbackTables
from core.storage.conversation_tables import ConversationTables
from core.storage.digest_tables import DigestTables
from core.storage.optout_tables import OptOutTables
from core.storage.relay_tables import RelayTables


class Store(RelayTables, ConversationTables, CallbackTables, DigestTables, OptOutTables, ApprovalTables):
    """Every SQL statement of the bot, grouped by the tables it touches (one connection per call)."""

    # audit -----------------------------------------------------------------------------------------
    def save_audit(self, *, user_id: str, action: str, target: str, ok: bool, result: str) -> int:
        with self.db() as db:
            table = db["audit"].insert(
                {"at": iso_utc(), "user_id": user_id, "action": action, "target": target,
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
                "INSERT OR IGNORE INTO claims (key, at, user_id) VALUES (?, ?, ?)", [key, iso_utc(), user_id]
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
                [number, channel_id, user_id, iso_utc()],
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
                [key, json.dumps(value), iso_utc()],
            )
