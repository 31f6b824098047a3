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


def restore_database(dump, *, replace=False):
    """Restore a dump made by backup_database into the configured database.

    The database is created; an existing one is dropped first only with replace=True.
    """
    dump = Path(dump)
    if not dump.is_file():
        raise BackupError(f"no backup file at {dump}")
    name = settings.DATABASES["default"]["NAME"]
    connections.close_all()
    with connections["default"]._nodb_cursor() as cur:
        quoted = connections["default"].ops.quote_name(name)
        if database_exists(name):
            if not replace:
                raise BackupError(f"database {name} exists: restore with --replace to drop it first")
            cur.execute(f"DROP DATABASE {quoted} WITH (FORCE)")
        cur.execute(f"CREATE DATABASE {quoted}")
    _run([_tool("pg_restore"), "--no-owner", "--exit-on-error", f"--dbname={name}", str(dump)], _libpq_env())
