"""SQLite storage through sqlite-utils: every SQL statement of the bot, with its numbered migrations."""

from core.storage.migrations import migrations
from core.storage.store import Store

__all__ = ["Store", "migrations"]
