"""The daily digest's table: which day's digest was claimed and posted."""

from __future__ import annotations

from blocks.text import iso_utc
from core.storage.tables import Tables


class DigestTables(Tables):
    def claim_digest(self, day: str, covers: str, channel_id: str) -> bool:
        """Record `day`'s digest once; True only for the first caller, who then posts it."""
        return self._execute("INSERT OR IGNORE INTO digests (day, covers, channel_id, claimed_at) VALUES (?, ?, ?, ?)",
                             [day, covers, channel_id, iso_utc()]) == 1

    def mark_digest_posted(self, day: str, slack_ts: str | None) -> None:
        self._execute("UPDATE digests SET posted_at = ?, slack_ts = ? WHERE day = ?", [iso_utc(), slack_ts, day])

    def release_digest(self, day: str) -> None:
        """Forget a claim whose post Slack refused, so the next run tries again."""
        self._execute("DELETE FROM digests WHERE day = ? AND posted_at IS NULL", [day])

    def get_digests(self) -> list[dict]:
        return self._rows("SELECT * FROM digests ORDER BY day", [])
