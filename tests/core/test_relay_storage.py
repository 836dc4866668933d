"""The relay's tables: an old database upgrades in place, and one page is stored all or nothing."""

import sqlite3

import pytest
from sqlite_utils import Database

from core.storage import Store, migrations

RECORD = {"mdr_id": "mdr2-" + "a" * 32, "at": "2026-01-01T00:00:00.000000Z", "from_number": "12065559876",
          "to_number": "12065550100", "to_alias": None, "body": "hi", "is_mms": 1, "channels": 1}
OUTBOX = {"mdr_id": RECORD["mdr_id"], "channel_id": "C0OPS", "at": RECORD["at"], "route": "number"}


def test_a_database_from_before_the_relay_is_upgraded_and_keeps_its_subscriptions(tmp_path):
    path = str(tmp_path / "old.db")
    with sqlite3.connect(path) as conn:
        migrations.apply(Database(conn), stop_before="m005_relay")
    old = Store(path)
    old.save_subscription("12065550100", "C0OPS", "U0ADMIN")
    store = Store(path)
    store.migrate()
    assert [(s["number"], s["channel_id"]) for s in store.get_subscriptions()] == [("12065550100", "C0OPS")]
    assert store.save_inbound([RECORD], [OUTBOX], []) == 1
    assert store.get_relay_counts() == {"pending": 1, "delivered": 0, "failed": 0, "unrouted": 0}


def test_a_page_is_saved_in_one_transaction_and_ids_only_once(tmp_path):
    store = Store(str(tmp_path / "r.db"))
    store.migrate()
    broken_media = [{"mdr_id": RECORD["mdr_id"], "position": 0}]  # missing columns: the insert fails
    with pytest.raises(sqlite3.ProgrammingError):
        store.save_inbound([RECORD], [OUTBOX], broken_media)
    assert store.get_known_ids([RECORD["mdr_id"]]) == set() and store.get_pending_outbox() == []

    media = [{"mdr_id": RECORD["mdr_id"], "position": 0, "file_name": "a.png", "mime_type": "image/png",
              "size": 3, "content": b"abc", "error": None}]
    assert store.save_inbound([RECORD], [OUTBOX], media) == 1
    assert store.save_inbound([RECORD], [OUTBOX], media) == 0
    assert len(store.get_pending_outbox()) == 1
    store.mark_attempt(RECORD["mdr_id"], "C0OPS")
    [row] = store.get_pending_outbox()
    assert row["attempts"] == 1 and row["in_flight"] == 1 and row["attempted_at"] > 0
    store.mark_delivered(RECORD["mdr_id"], "C0OPS", "1700000000.000100")
    assert [m["kept"] for m in store.get_media(RECORD["mdr_id"])] == [0]  # bytes dropped once delivered
