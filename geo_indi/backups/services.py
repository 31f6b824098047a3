"""Backups of the project's database with PostgreSQL's own tools (custom-format pg_dump, pg_restore).

Connection details come from the Django database settings, so DATABASE_URL (or
DATABASE_URL_FILE) decides which server and database, as for the app itself.
"""
import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path

from django.conf import settings
from django.db import connections


class BackupError(Exception):
    pass


def _libpq_env(database=None):
    db = settings.DATABASES["default"]
    env = {**os.environ, "PGDATABASE": database or db["NAME"]}
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if db.get(key):
            env[var] = str(db[key])
    return env


def _tool(name):
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} not found: install postgresql-client (scripts/bootstrap.sh does)")
    return path


def _run(args, env):
    result = subprocess.run(args, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["no message"])[-1]
        raise BackupError(f"{Path(args[0]).name} failed: {last}")
    return result


def backup_database(directory):
    """Write a timestamped custom-format dump of the database into `directory`; returns its path."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    name = settings.DATABASES["default"]["NAME"]
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    target = directory / f"{name}-{stamp}.dump"
    partial = target.with_suffix(".part")
    # The dump holds person observations: readable by its owner only.
    partial.touch(mode=0o600)
    try:
        _run([_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={partial}"], _libpq_env())
    except BackupError:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(target)
    return target


def database_exists(name):
    with connections["default"]._nodb_cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cur.fetchone() is not None


# Tables a usable restore has; their row counts are reported (and must be readable).
KEY_TABLES = ("auth_user", "areas_municipality", "areas_postcodearea", "observations_observation")


def _nodb_execute(*statements):
    with connections["default"]._nodb_cursor() as cur:
        for sql in statements:
            cur.execute(sql)


def _quote(name):
    return connections["default"].ops.quote_name(name)


def verify_restored(name, *, allow_older=False):
    """Counts of the key tables in database `name`; BackupError when a table is missing or a migration that
    this code has is not applied there (a dump of another version, or a restore that stopped half-way)."""
    import psycopg
    from django.db.migrations.loader import MigrationLoader

    params = {**connections["default"].get_connection_params(), "dbname": name}
    params.pop("cursor_factory", None), params.pop("context", None)
    try:
        with psycopg.connect(**params) as conn:
            applied = set(conn.execute("SELECT app, name FROM django_migrations").fetchall())
            counts = {table: conn.execute(f"SELECT count(*) FROM {_quote(table)}").fetchone()[0] for table in KEY_TABLES}
    except psycopg.Error as exc:
        raise BackupError(f"the restored copy is not usable: {str(exc).strip().splitlines()[0]}") from None
    expected = set(MigrationLoader(None, ignore_no_migrations=True).graph.nodes)
    missing = sorted(expected - applied)
    if not applied:
        raise BackupError("the restored copy has no applied migrations: not a geo_indi backup")
    if missing and not allow_older:
        shown = ", ".join(f"{app}.{migration}" for app, migration in missing[:5])
        raise BackupError(f"the backup lacks {len(missing)} migration(s) of this version ({shown}): restore with --allow-older, then run migrate")
    return counts


def restore_database(dump, *, replace=False, allow_older=False):
    """Restore a dump made by backup_database as the configured database, never destroying the live one.

    The dump goes into a new database (<name>_restoring) in one transaction; that copy is verified (the key
    tables readable, every migration of this code applied) and only then swapped in by renaming: the live
    database becomes <name>_previous (an older _previous is dropped) and the copy takes its name. A damaged
    dump, or one that fails verification, stops before the swap and leaves the live database as it was.
    An existing database is replaced only with replace=True; a backup of an older version (migrations missing)
    only with allow_older=True (run migrate after). Returns the key tables' counts.
    """
    dump = Path(dump)
    if not dump.is_file():
        raise BackupError(f"no backup file at {dump}")
    name = settings.DATABASES["default"]["NAME"]
    staging, previous = f"{name}_restoring", f"{name}_previous"
    live_exists = database_exists(name)
    if live_exists and not replace:
        raise BackupError(f"database {name} exists: restore with --replace to swap the restored copy in")
    connections.close_all()
    _nodb_execute(f"DROP DATABASE IF EXISTS {_quote(staging)} WITH (FORCE)", f"CREATE DATABASE {_quote(staging)}")
    try:
        _run([_tool("pg_restore"), "--no-owner", "--exit-on-error", "--single-transaction", f"--dbname={staging}",
              str(dump)], _libpq_env(staging))
        counts = verify_restored(staging, allow_older=allow_older)
    except BackupError:
        _nodb_execute(f"DROP DATABASE IF EXISTS {_quote(staging)} WITH (FORCE)")
        raise
    statements = []
    if live_exists:
        # No new sessions on the live database while it is renamed; those open are ended (they see a 503 and
        # reconnect to the restored copy under the same name).
        statements += [
            f"DROP DATABASE IF EXISTS {_quote(previous)} WITH (FORCE)",
            f"ALTER DATABASE {_quote(name)} WITH ALLOW_CONNECTIONS false",
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()",
            f"ALTER DATABASE {_quote(name)} RENAME TO {_quote(previous)}",
            f"ALTER DATABASE {_quote(previous)} WITH ALLOW_CONNECTIONS true",
        ]
    statements.append(f"ALTER DATABASE {_quote(staging)} RENAME TO {_quote(name)}")
    _nodb_execute(*statements)
    return counts
