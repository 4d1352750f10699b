"""The vault index's schema: a new index, migrations in order, a newer or damaged index, a failed
migration, two openings at once (pure sqlite, no keyring). Files written by older versions are
opened in test_old_vaults.py."""

from __future__ import annotations

import pytest

from tokendesk.core.errors import VaultCorrupt, VaultError
from tokendesk.core.vault import Client
from tokendesk.core.vault.index import Index


def test_a_new_index_is_at_the_current_schema(tmp_path):
    from tokendesk.core.vault.index import SCHEMA_VERSION

    index = Index(tmp_path / "v.sqlite3")
    assert index.version == SCHEMA_VERSION
    index.close()


def test_migrations_run_in_order_and_keep_the_data(tmp_path):
    from tokendesk.core.vault.index import MIGRATIONS

    path = tmp_path / "v.sqlite3"
    first = Index(path)
    first.add_client(Client("dev", "https://op/", "c", uid="u1", created_at=1.0))
    first.close()

    def add_column(db):
        db.execute("ALTER TABLE clients ADD COLUMN color TEXT NOT NULL DEFAULT ''")

    upgraded = Index(path, migrations=[*MIGRATIONS, add_column])
    assert upgraded.version == len(MIGRATIONS) + 1
    assert upgraded.db.execute("SELECT name, color FROM clients").fetchall() == [("dev", "")]
    upgraded.close()


def test_a_newer_index_is_refused(tmp_path):
    import sqlite3

    path = tmp_path / "v.sqlite3"
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version = 99")
    db.close()
    with pytest.raises(VaultError, match="newer than this Tokendesk knows"):
        Index(path)


def test_a_damaged_index_is_reported(tmp_path):
    path = tmp_path / "v.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(VaultCorrupt, match="cannot be read"):
        Index(path)


def test_a_failed_migration_rolls_back(tmp_path):
    from tokendesk.core.vault.index import MIGRATIONS

    def broken(db):
        db.execute("CREATE TABLE half (x)")
        raise RuntimeError("boom")

    path = tmp_path / "v.sqlite3"
    with pytest.raises(RuntimeError):
        Index(path, migrations=[*MIGRATIONS, broken])
    again = Index(path)
    assert again.version == len(MIGRATIONS)
    assert again.db.execute("SELECT name FROM sqlite_master WHERE name='half'").fetchall() == []
    again.close()


def test_stored_client_preferences_of_the_wrong_type_are_dropped():
    assert Client.prefs_from({"warn_minutes": "ten", "refresh_lifetime": 3600,
                              "refresh_lifetime_kind": "forever", "clock_skew": True}) == {
        "refresh_lifetime": 3600.0}
    assert Client.prefs_from(["not", "an", "object"]) == {}


def test_two_openings_of_a_new_index_at_once_both_succeed(tmp_path):
    """Two windows (or a window and a script) creating the index at the same moment: the
    second must not run the migrations again (it failed with 'duplicate column')."""
    from tests.helpers.threads import run_at_once

    path = tmp_path / "race.sqlite3"

    def open_it():
        index = Index(path)
        try:
            return index.version
        finally:
            index.close()

    from tokendesk.core.vault.index import SCHEMA_VERSION

    results, errors = run_at_once(open_it, 4)
    assert errors == [] and results == [SCHEMA_VERSION] * 4
