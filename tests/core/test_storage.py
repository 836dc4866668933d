import sqlite3
import threading

from sqlite_utils import Database

from core.storage import Store, migrations


def test_migrate_creates_tables_in_wal_mode_and_is_repeatable(tmp_path):
    store = Store(str(tmp_path / "a.db"))
    store.migrate()
    store.migrate()
    with store.db() as db:
        assert db.journal_mode == "wal"
        assert {"audit", "claims", "subscriptions", "state", "_sqlite_migrations"} <= set(db.table_names())
        applied = [row["name"] for row in db["_sqlite_migrations"].rows]
    assert applied[:4] == ["m001_audit", "m002_claims", "m003_subscriptions", "m004_state"]
    assert applied == sorted(applied)  # numbered, applied in order, each once


def test_old_database_file_is_upgraded(tmp_path):
    path = str(tmp_path / "old.db")
    with sqlite3.connect(path) as conn:
        migrations.apply(Database(conn), stop_before="m002_claims")
    store = Store(path)
    store.migrate()
    assert store.claim("k", "U1")


def test_claim_happens_once_even_from_many_threads(tmp_path):
    store = Store(str(tmp_path / "c.db"))
    store.migrate()
    results = []
    threads = [threading.Thread(target=lambda: results.append(store.claim("buy:1:abc", "U1"))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(True) == 1
    store.release_claim("buy:1:abc")
    assert store.claim("buy:1:abc", "U1")


def test_audit_state_and_subscriptions_round_trip(tmp_path):
    store = Store(str(tmp_path / "d.db"))
    store.migrate()
    store.save_audit(user_id="U1", action="numbers buy", target="12065550142", ok=True, result="done")
    store.save_audit(user_id="U1", action="routes delete", target="3", ok=False, result="Flowroute 403")
    assert [row["action"] for row in store.get_audit()] == ["routes delete", "numbers buy"]
    store.save_state("watermark", {"at": "2026-01-01T00:00:00+00:00"})
    assert store.get_state("watermark") == {"at": "2026-01-01T00:00:00+00:00"}
    assert store.get_state("missing", 5) == 5
    assert store.save_subscription("12065550100", "C0OPS", "U1")
    assert not store.save_subscription("12065550100", "C0OPS", "U1")
    assert store.get_subscriptions()[0]["channel_id"] == "C0OPS"
    assert store.delete_subscriptions("12065550100") == 1
