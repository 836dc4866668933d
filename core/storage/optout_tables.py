"""The opt-out table: per (our number, remote number), the state the last keyword message left."""

from __future__ import annotations

from blocks.text import iso_utc
from core.storage.tables import Tables


class OptOutTables(Tables):
    def get_optout(self, our_number: str, remote_number: str) -> dict | None:
        rows = self._rows("SELECT * FROM optouts WHERE our_number = ? AND remote_number = ?",
                          [our_number, remote_number])
        return rows[0] if rows else None

    def save_optout(self, row: dict) -> bool:
        """Insert or replace the pair's state unless a newer keyword message is already recorded."""
        return self._execute(
            "INSERT INTO optouts (our_number, remote_number, state, keyword, at, mdr_id, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(our_number, remote_number) DO UPDATE SET "
            "state = excluded.state, keyword = excluded.keyword, at = excluded.at, mdr_id = excluded.mdr_id, "
            "updated_at = excluded.updated_at WHERE excluded.at >= optouts.at",
            [row["our_number"], row["remote_number"], row["state"], row["keyword"], row["at"], row.get("mdr_id"),
             iso_utc()],
        ) == 1

    def get_optouts(self, number: str | None = None, *, blocking_only: bool = True) -> list[dict]:
        """Pairs that block sending (or every pair), optionally only those where `number` is ours or theirs."""
        where, params = [], []
        if blocking_only:
            where.append("state != 'opted_in'")
        if number:
            where.append("(our_number = ? OR remote_number = ?)")
            params += [number, number]
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        return self._rows(f"SELECT * FROM optouts{clause} ORDER BY at DESC, our_number, remote_number", params)
