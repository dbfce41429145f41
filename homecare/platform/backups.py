"""Backups and restores of the whole database, checked end to end (`make backup`, `make restore`).

SQLite (the embedded default): SQLite's online backup API copies a consistent snapshot while the
application keeps running, into a timestamped file under var/backups/. PostgreSQL: `pg_dump -Fc` (custom
format) from DATABASE_URL's database, taken inside an exported REPEATABLE READ snapshot so the row
counts written beside it describe exactly what was dumped.

Every backup has a manifest (`<file>.json`): engine, time, each table's row count and the audit chain's
head. A restore loads the file into a database, migrates it, verifies the audit chain and compares every
table's rows with the manifest; any difference fails the restore loudly.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.utils import load_backend
from django.utils import timezone

from homecare.platform import audit_log

SQLITE = "django.db.backends.sqlite3"
POSTGRESQL = "django.db.backends.postgresql"
# Tables whose rows a migrate may legitimately add to after a restore (a newer code version).
GROWS_ON_MIGRATE = frozenset({"django_migrations", "django_content_type", "auth_permission"})
CHECK_ALIAS = "restore_check"


class BackupError(Exception):
    """A backup or restore that did not complete, or whose result does not match its manifest."""


@dataclass
class RestoreReport:
    target: str
    tables: int = 0
    rows: int = 0
    audit_entries: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _engine(settings_dict: dict) -> str:
    engine = settings_dict["ENGINE"]
    if engine not in (SQLITE, POSTGRESQL):
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {engine}")
    return engine


def _stamp() -> str:
    return timezone.now().strftime("%Y%m%dT%H%M%SZ")


def manifest_path(backup: Path) -> Path:
    return backup.with_name(backup.name + ".json")


def read_manifest(backup: Path) -> dict:
    path = manifest_path(backup)
    if not path.exists():
        raise BackupError(f"{path} is missing: restore only backups made by `make backup`")
    return json.loads(path.read_text())


def latest_backup(directory: Path) -> Path:
    found = sorted(
        (p for p in directory.glob("homecare-*") if p.suffix in (".sqlite3", ".dump")),
        key=lambda p: p.name,
    )
    if not found:
        raise BackupError(f"There are no backups in {directory}: run `make backup` first")
    return found[-1]


# --- row counts -------------------------------------------------------------------------------------


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sqlite_counts(conn: sqlite3.Connection) -> dict[str, int]:
    names = [
        row[0]
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    # Table names come from the database's own catalogue, quoted; nothing here is user input.
    return {name: conn.execute(f"SELECT COUNT(*) FROM {_quote(name)}").fetchone()[0] for name in names}  # noqa: S608 # nosec B608


def _postgres_counts(cursor) -> dict[str, int]:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")
    names = [row[0] for row in cursor.fetchall()]
    counts = {}
    for name in names:
        cursor.execute(f"SELECT COUNT(*) FROM {_quote(name)}")  # noqa: S608 # nosec B608 - a catalogue name, quoted
        counts[name] = cursor.fetchone()[0]
    return counts


def _audit_head(fetch_one, counts: dict[str, int]) -> dict:
    """The audit chain's head as the backup holds it (sequence 0 for an empty or absent chain)."""
    row = (
        fetch_one("SELECT seq, hash FROM platform_auditchainhead WHERE id = 1")
        if "platform_auditchainhead" in counts
        else None
    )
    return {"seq": row[0], "hash": row[1]} if row else {"seq": 0, "hash": ""}


# --- backing up --------------------------------------------------------------------------------------


def backup(*, using: str = DEFAULT_DB_ALIAS, directory: Path, prefix: str = "homecare") -> Path:
    """Back the database up into `directory`; returns the file (its manifest lies beside it)."""
    wrapper = connections[using]
    engine = _engine(wrapper.settings_dict)
    directory.mkdir(parents=True, exist_ok=True)
    if engine == SQLITE:
        target = directory / f"{prefix}-{_stamp()}.sqlite3"
        manifest = _backup_sqlite(wrapper, target)
    else:
        target = directory / f"{prefix}-{_stamp()}.dump"
        manifest = _backup_postgres(wrapper, target)
    manifest |= {"engine": engine, "file": target.name, "created_at": timezone.now().isoformat()}
    manifest_path(target).write_text(json.dumps(manifest, indent=2, sort_keys=True))
    return target


def _backup_sqlite(wrapper, target: Path) -> dict:
    wrapper.ensure_connection()
    destination = sqlite3.connect(target)
    try:
        # Page by page from a consistent read snapshot; writers carry on (WAL) and are copied or not.
        wrapper.connection.backup(destination)
        # The copy inherits the live database's WAL mode; a backup is one self-contained file.
        destination.execute("PRAGMA journal_mode=DELETE")
        counts = _sqlite_counts(destination)
        head = _audit_head(lambda sql: destination.execute(sql).fetchone(), counts)
    finally:
        destination.close()
    return {"tables": counts, "audit": head}


def _pg_environment(settings_dict: dict) -> tuple[list[str], dict[str, str]]:
    """Connection arguments for pg_dump/pg_restore, the password through the environment only."""
    args = []
    if settings_dict.get("HOST"):
        args += ["-h", str(settings_dict["HOST"])]
    if settings_dict.get("PORT"):
        args += ["-p", str(settings_dict["PORT"])]
    if settings_dict.get("USER"):
        args += ["-U", str(settings_dict["USER"])]
    env = dict(os.environ)
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    sslmode = (settings_dict.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = str(sslmode)
    return args, env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return path


def _backup_postgres(wrapper, target: Path) -> dict:
    raw = wrapper.get_new_connection(wrapper.get_connection_params())
    try:
        raw.autocommit = True
        with raw.cursor() as cursor:
            # One snapshot for the counts and the dump alike: what the manifest says is what was dumped.
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            counts = _postgres_counts(cursor)

            def one(sql):
                cursor.execute(sql)
                return cursor.fetchone()

            head = _audit_head(one, counts)
            args, env = _pg_environment(wrapper.settings_dict)
            done = subprocess.run(  # noqa: S603 - a fixed tool with our own arguments, no shell
                [_tool("pg_dump"), *args, "-Fc", f"--snapshot={snapshot}", "-f", str(target)]
                + ["-d", str(wrapper.settings_dict["NAME"])],
                env=env,
                capture_output=True,
                text=True,
            )
            cursor.execute("COMMIT")
    finally:
        raw.close()
    if done.returncode != 0:
        target.unlink(missing_ok=True)
        raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
    return {"tables": counts, "audit": head}


# --- restoring ---------------------------------------------------------------------------------------


def _restore_sqlite(source: Path, settings_dict: dict) -> None:
    name = str(settings_dict["NAME"])
    if name == ":memory:" or name.startswith("file:"):
        raise BackupError("Restore into a database file, not an in-memory database")
    Path(name).parent.mkdir(parents=True, exist_ok=True)
    origin = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    destination = sqlite3.connect(name)
    try:
        origin.backup(destination)  # replaces the whole target, atomically for its readers
    finally:
        destination.close()
        origin.close()


def _restore_postgres(source: Path, settings_dict: dict) -> None:
    args, env = _pg_environment(settings_dict)
    done = subprocess.run(  # noqa: S603 - a fixed tool with our own arguments, no shell
        [
            _tool("pg_restore"),
            *args,
            "--no-owner",
            "--no-acl",
            "--clean",
            "--if-exists",
            "--single-transaction",
        ]
        + ["--exit-on-error", "-d", str(settings_dict["NAME"]), str(source)],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed (nothing was changed): {done.stderr.strip()}")


def _same_database(a: dict, b: dict) -> bool:
    keys = ("ENGINE", "NAME", "HOST", "PORT")
    return all(str(a.get(k) or "") == str(b.get(k) or "") for k in keys)


@contextmanager
def database_alias(settings_dict: dict, alias: str = CHECK_ALIAS) -> Iterator[str]:
    """A Django connection to another database (the restored one) under `alias`, for this thread.

    The connection is made here and handed to the connection handler, not added to settings.DATABASES:
    it exists only while the checks run.
    """
    configured = connections.configure_settings(
        {DEFAULT_DB_ALIAS: dict(connections.settings[DEFAULT_DB_ALIAS]), alias: dict(settings_dict)}
    )[alias]
    wrapper = load_backend(configured["ENGINE"]).DatabaseWrapper(configured, alias)
    connections[alias] = wrapper
    try:
        yield alias
    finally:
        wrapper.close()
        del connections[alias]


def restore(*, source: Path, settings_dict: dict, chunk_size: int = 2000) -> RestoreReport:
    """Load `source` into the database `settings_dict` names, migrate it, verify the audit chain and
    compare every table's rows with the manifest. Stop the application's processes first when the
    target is the live database."""
    manifest = read_manifest(source)
    engine = _engine(settings_dict)
    if manifest["engine"] != engine:
        raise BackupError(f"{source.name} is a {manifest['engine']} backup; the target is {engine}")
    for wrapper in connections.all(initialized_only=True):
        if _same_database(wrapper.settings_dict, settings_dict):
            wrapper.close()  # nothing of ours holds the target open while it is replaced
    if engine == SQLITE:
        _restore_sqlite(source, settings_dict)
    else:
        _restore_postgres(source, settings_dict)
    report = RestoreReport(target=str(settings_dict["NAME"]))
    with database_alias(settings_dict) as alias:
        call_command("migrate", database=alias, interactive=False, verbosity=0)
        chain = audit_log.verify_chain(using=alias, chunk_size=chunk_size)
        report.audit_entries = chain.checked
        if not chain.intact:
            report.problems.append(f"Audit chain broken after restore. {chain.broken}")
        elif (chain.last_seq, chain.last_hash) != (manifest["audit"]["seq"], manifest["audit"]["hash"]):
            report.problems.append(
                f"The audit chain ends at {chain.last_seq}; "
                f"the backup's manifest says {manifest['audit']['seq']}"
            )
        wrapper = connections[alias]
        with wrapper.cursor() as cursor:
            if engine == SQLITE:
                counts = _sqlite_counts(wrapper.connection)
            else:
                counts = _postgres_counts(cursor)
    for table, expected in sorted(manifest["tables"].items()):
        found = counts.get(table)
        if found is None:
            report.problems.append(f"Table {table} is missing after restore")
        elif found != expected and not (table in GROWS_ON_MIGRATE and found > expected):
            report.problems.append(f"Table {table} has {found} rows; the backup had {expected}")
    report.tables = len(manifest["tables"])
    report.rows = sum(manifest["tables"].values())
    return report
