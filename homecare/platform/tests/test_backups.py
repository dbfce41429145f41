"""Backups restore into a fresh database that migrates, keeps an intact audit chain and every row.

SQLite always (the embedded default; when the suite runs on PostgreSQL a SQLite database is made for it);
PostgreSQL (pg_dump -Fc / pg_restore) only when the suite runs on PostgreSQL.
"""

from __future__ import annotations

import io
import shutil
import sqlite3
import uuid
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import DEFAULT_DB_ALIAS, connection, connections

from homecare.accounts.models import Organisation
from homecare.platform import audit_log, backups
from homecare.platform.models import AuditEntry

SQLITE = "django.db.backends.sqlite3"


def _fill(using: str) -> None:
    """Rows in several tables and an audit chain, written the way the application writes them."""
    council = Organisation.objects.using(using).create(name=f"Council {uuid.uuid4().hex[:6]}", type="council")
    for n in range(5):
        Organisation.objects.using(using).create(name=f"Provider {n} {uuid.uuid4().hex[:6]}", type="provider")
        audit_log.append(
            action="test.backed_up",
            record_type="accounts.organisation",
            record_id=str(council.pk),
            summary=f"Row {n}",
            payload={"n": n},
            using=using,
        )


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory, django_db_blocker) -> Path:
    """An empty, migrated SQLite database file, made once (only needed when the suite runs on PostgreSQL)."""
    path = tmp_path_factory.mktemp("sqlite") / "migrated.sqlite3"
    with (
        django_db_blocker.unblock(),
        backups.database_alias({"ENGINE": SQLITE, "NAME": str(path)}, "template"),
    ):
        call_command("migrate", database="template", interactive=False, verbosity=0)
    return path


@pytest.fixture
def sqlite_source(tmp_path, request):
    """A filled SQLite database: the test database itself on SQLite, or a copy of a migrated one."""
    if connection.vendor == "sqlite":
        _fill(DEFAULT_DB_ALIAS)
        yield DEFAULT_DB_ALIAS
        return
    source = tmp_path / "source.sqlite3"
    shutil.copyfile(request.getfixturevalue("migrated_sqlite"), source)
    with backups.database_alias({"ENGINE": SQLITE, "NAME": str(source)}, "backup_source") as alias:
        _fill(alias)
        yield alias


def _rows(path: Path, table: str) -> int:
    with sqlite3.connect(path) as db:
        return db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]  # noqa: S608


@pytest.mark.django_db(transaction=True)
def test_a_sqlite_backup_restores_into_a_fresh_database_and_checks_out(sqlite_source, tmp_path):
    path = backups.backup(using=sqlite_source, directory=tmp_path / "backups")
    assert path.name.startswith("homecare-") and path.suffix == ".sqlite3"
    manifest = backups.read_manifest(path)
    assert manifest["tables"]["accounts_organisation"] >= 6
    assert manifest["audit"]["seq"] == AuditEntry.objects.using(sqlite_source).count() >= 5
    # Written after the backup: not in the restored copy.
    Organisation.objects.using(sqlite_source).create(name="After the backup", type="provider")

    restored = tmp_path / "restored" / "homecare.sqlite3"
    report = backups.restore(source=path, settings_dict={"ENGINE": SQLITE, "NAME": str(restored)})
    assert report.ok, report.problems
    assert report.audit_entries == manifest["audit"]["seq"]
    assert _rows(restored, "accounts_organisation") == manifest["tables"]["accounts_organisation"]
    assert _rows(restored, "django_migrations") >= manifest["tables"]["django_migrations"]


@pytest.mark.django_db(transaction=True)
def test_a_restore_that_differs_from_its_manifest_fails(sqlite_source, tmp_path):
    path = backups.backup(using=sqlite_source, directory=tmp_path)
    with sqlite3.connect(path) as db:
        db.execute("DELETE FROM accounts_organisation WHERE type = 'provider' AND name LIKE 'Provider 3%'")
        db.execute("UPDATE platform_auditentry SET summary = 'Rewritten' WHERE seq = 2")
    report = backups.restore(
        source=path, settings_dict={"ENGINE": SQLITE, "NAME": str(tmp_path / "r.sqlite3")}
    )
    assert not report.ok
    assert any("Audit chain broken after restore. Entry 2" in p for p in report.problems)
    assert any(p.startswith("Table accounts_organisation has") for p in report.problems)


@pytest.mark.django_db(transaction=True)
def test_the_commands_back_up_and_restore_the_newest_backup(sqlite_source, tmp_path, settings):
    settings.BACKUP_DIR = tmp_path / "backups"
    out = io.StringIO()
    if sqlite_source == DEFAULT_DB_ALIAS:
        call_command("backup_database", stdout=out)
    else:
        call_command("backup_database", database=sqlite_source, stdout=out)
    assert "Backed up" in out.getvalue()
    assert backups.latest_backup(settings.BACKUP_DIR).suffix == ".sqlite3"
    out = io.StringIO()
    target = tmp_path / "rehearsal.sqlite3"
    call_command("restore_database", target_url=f"sqlite:///{target}", stdout=out)
    assert "Restored and verified" in out.getvalue() and "audit chain intact" in out.getvalue()


def test_restore_explains_what_is_missing(tmp_path, settings):
    settings.BACKUP_DIR = tmp_path
    with pytest.raises(CommandError, match="There are no backups"):
        call_command("restore_database", target_url=f"sqlite:///{tmp_path / 'x.sqlite3'}")
    stray = tmp_path / "homecare-20260101T000000Z.sqlite3"
    stray.write_bytes(b"")
    with pytest.raises(CommandError, match="restore only backups made by `make backup`"):
        call_command("restore_database", str(stray), target_url=f"sqlite:///{tmp_path / 'x.sqlite3'}")
    with pytest.raises(CommandError, match="does not exist"):
        call_command("restore_database", str(tmp_path / "nope.dump"), target_url="sqlite:///x")


# --- PostgreSQL ---------------------------------------------------------------------------------------


@pytest.fixture
def fresh_postgres_database():
    """An empty database beside the test database, dropped afterwards."""
    name = f"{connection.settings_dict['NAME']}_restored"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield {**connection.settings_dict, "NAME": name}
    connections.close_all()
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.django_db(transaction=True)
def test_a_postgresql_backup_restores_into_a_fresh_database_and_checks_out(tmp_path, request):
    if connection.vendor != "postgresql":
        pytest.skip("pg_dump/pg_restore: runs when the suite runs on PostgreSQL")
    _fill(DEFAULT_DB_ALIAS)
    path = backups.backup(directory=tmp_path)
    assert path.suffix == ".dump" and path.read_bytes().startswith(b"PGDMP")  # pg_dump's custom format
    manifest = backups.read_manifest(path)
    Organisation.objects.create(name="After the backup", type="provider")
    target = request.getfixturevalue("fresh_postgres_database")
    report = backups.restore(source=path, settings_dict=target)
    assert report.ok, report.problems
    assert report.audit_entries == manifest["audit"]["seq"] >= 5
    assert report.rows == sum(manifest["tables"].values())
