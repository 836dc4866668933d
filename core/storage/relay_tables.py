"""The relay's tables: inbound records (its seen ids), the outbox, MMS media and per-channel errors."""

from __future__ import annotations

import json
import time

from blocks.text import iso_utc
from core.storage.tables import Tables


class RelayTables(Tables):
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
        now = iso_utc()
        with self.db() as db, db.atomic():
            before = db.conn.total_changes
            db.conn.executemany(
                "INSERT OR IGNORE INTO inbound (mdr_id, at, from_number, to_number, to_alias, body, is_mms, "
                "channels, seen_at) VALUES (:mdr_id, :at, :from_number, :to_number, :to_alias, :body, :is_mms, "
                ":channels, :seen_at)",
                [{**record, "seen_at": now} for record in records],
            )
            added = db.conn.total_changes - before
            self._queue(db, outbox, media, now)
        return added

    def save_recovered(self, posts: list[dict]) -> None:
        """Record deliveries found in Slack (after a lost database) so they are never posted again."""
        now = iso_utc()
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
            [slack_ts, iso_utc()],
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

    def set_outbox_thread(self, mdr_id: str, channel_id: str, thread_ts: str | None) -> None:
        """Before a relay post: the thread it goes to (None: it starts one), where to look if no answer comes."""
        self._execute("UPDATE outbox SET thread_ts = ? WHERE mdr_id = ? AND channel_id = ?",
                      [thread_ts, mdr_id, channel_id])

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
                [channel_id, error, iso_utc()],
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
