"""The approvals table: one row per request, each status change one conditional UPDATE (first caller wins)."""

from __future__ import annotations

from blocks.text import iso_utc
from core.storage.tables import Tables


class ApprovalTables(Tables):
    def save_approval(self, row: dict) -> bool:
        """Insert a new open request; False when this id exists (a double click on the confirmation)."""
        now = iso_utc()
        return self._execute(
            "INSERT OR IGNORE INTO approvals (id, command, value, what, cost, requester, channel_id, status, "
            "created_at, expires_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?)",
            [row["id"], row["command"], row["value"], row["what"], row.get("cost"), row["requester"],
             row.get("channel_id"), now, row["expires_at"], now],
        ) == 1

    def get_approval(self, approval_id: str) -> dict | None:
        rows = self._rows("SELECT * FROM approvals WHERE id = ?", [approval_id])
        return rows[0] if rows else None

    def get_approvals(self, status: str) -> list[dict]:
        return self._rows("SELECT * FROM approvals WHERE status = ? ORDER BY created_at", [status])

    def move_approval(self, approval_id: str, before: str, after: str, **fields) -> bool:
        """Change the status from `before` to `after` (with `fields`) only if it is still `before`.

        An open request also needs to be unexpired to move to anything but `expired`.
        """
        assignments = "".join(f", {name} = ?" for name in fields)
        sql = f"UPDATE approvals SET status = ?, updated_at = ?{assignments} WHERE id = ? AND status = ?"
        params = [after, iso_utc(), *fields.values(), approval_id, before]
        if before == "open":
            sql += " AND expires_at > ?" if after != "expired" else " AND expires_at <= ?"
            params.append(iso_utc())
        return self._execute(sql, params) == 1

    def place_approval(self, approval_id: str, channel_id: str, message_ts: str) -> None:
        """Where the request message is, once known (posted by chat.postMessage, or seen in a click)."""
        self._execute("UPDATE approvals SET channel_id = ?, message_ts = ? WHERE id = ? AND message_ts IS NULL",
                      [channel_id, message_ts, approval_id])

    def get_expired_approvals(self) -> list[dict]:
        return self._rows("SELECT * FROM approvals WHERE status = 'open' AND expires_at <= ?", [iso_utc()])

    def set_approval_expiry(self, approval_id: str, expires_at: str) -> None:
        """Tests and the console: move a request's expiry (to play out the 24 hours)."""
        self._execute("UPDATE approvals SET expires_at = ? WHERE id = ?", [expires_at, approval_id])
