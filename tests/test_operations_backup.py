"""`make backup` and `make restore` round-trip: back up, drop, restore, and every observation, area and user is back;
a damaged dump is refused and the live database keeps every row.

Uses its own database (the test database's name + "_backup") on the test server, through the real commands.
"""
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]

FINGERPRINTS = {
    "observations": "SELECT count(*), md5(string_agg(concat_ws('|', id, client_uuid, postcode_area_id, subject, "
    "occurrences, observed_on, reporter_id), ',' ORDER BY id)) FROM observations_observation",
    "areas": "SELECT count(*), md5(string_agg(postcode || encode(ST_AsEWKB(geom), 'hex'), ',' ORDER BY postcode)) "
    "FROM areas_postcodearea",
    "users": "SELECT count(*), md5(string_agg(username || password, ',' ORDER BY username)) FROM auth_user",
}


@pytest.fixture
def round_trip_db():
    db = settings.DATABASES["default"]
    name = f"{db['TEST'].get('NAME') or 'test_' + db['NAME']}_backup"
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    url = f"postgis://{credentials}@{db['HOST']}:{db['PORT']}/{name}"
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL_FILE"}
    env.update(DATABASE_URL=url, DJANGO_SECRET_KEY="backup-test-" + uuid.uuid4().hex * 2)
    psql_env = {**env, "PGHOST": db["HOST"], "PGPORT": str(db["PORT"]), "PGUSER": db["USER"]}
    if db.get("PASSWORD"):
        psql_env["PGPASSWORD"] = db["PASSWORD"]
    drop = ["psql", "-q", "-d", "postgres"]
    for database in (name, f"{name}_restoring", f"{name}_previous"):
        drop += ["-c", f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)']
    subprocess.run(drop, env=psql_env, check=True, capture_output=True)
    subprocess.run(["psql", "-q", "-d", "postgres", "-c", f'CREATE DATABASE "{name}"'], env=psql_env, check=True)
    yield {"name": name, "env": env, "psql_env": psql_env}
    subprocess.run(drop, env=psql_env, capture_output=True)


def manage(env, *args):
    result = subprocess.run(
        [sys.executable, "manage.py", *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def fingerprints(db, name=None):
    return {
        what: subprocess.run(
            ["psql", "-At", "-d", name or db["name"], "-c", sql], env=db["psql_env"], check=True, capture_output=True, text=True
        ).stdout.strip()
        for what, sql in FINGERPRINTS.items()
    }


def test_backup_drop_restore_keeps_every_observation_area_and_user(round_trip_db, tmp_path):
    env = round_trip_db["env"]
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "load_demo", "--observations", "150")
    before = fingerprints(round_trip_db)
    assert before["observations"].startswith("150|")
    assert before["areas"].startswith("278|")

    dump = Path(manage(env, "backup", "--dir", str(tmp_path)).strip().splitlines()[-1])
    assert dump.parent == tmp_path and dump.suffix == ".dump"
    assert oct(dump.stat().st_mode & 0o777) == "0o600"

    subprocess.run(
        ["psql", "-q", "-d", "postgres", "-c", f'DROP DATABASE "{round_trip_db["name"]}" WITH (FORCE)'],
        env=round_trip_db["psql_env"], check=True,
    )
    manage(env, "restore", str(dump))
    assert fingerprints(round_trip_db) == before


def test_restore_refuses_to_overwrite_an_existing_database(round_trip_db, tmp_path):
    env = round_trip_db["env"]
    manage(env, "migrate", "--noinput", "-v0")
    dump = Path(manage(env, "backup", "--dir", str(tmp_path)).strip())
    result = subprocess.run(
        [sys.executable, "manage.py", "restore", str(dump)], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "--replace" in result.stderr
    manage(env, "restore", "--replace", str(dump))


def databases(db):
    return subprocess.run(
        ["psql", "-At", "-d", "postgres", "-c", f"SELECT datname FROM pg_database WHERE datname LIKE '{db['name']}%' "
         "ORDER BY 1"], env=db["psql_env"], check=True, capture_output=True, text=True,
    ).stdout.split()


def test_a_damaged_dump_is_refused_and_the_live_database_keeps_every_row(round_trip_db, tmp_path):
    """It was dropped first: 4,455 -> 0 observations, and the app served the empty database."""
    env = round_trip_db["env"]
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "load_demo", "--observations", "60")
    before = fingerprints(round_trip_db)
    assert before["observations"].startswith("60|")
    dump = Path(manage(env, "backup", "--dir", str(tmp_path)).strip().splitlines()[-1])
    damaged = tmp_path / "damaged.dump"
    damaged.write_bytes(dump.read_bytes()[: dump.stat().st_size // 2])

    for replace in ([], ["--replace"]):
        result = subprocess.run([sys.executable, "manage.py", "restore", *replace, str(damaged)], env=env, cwd=ROOT,
                                capture_output=True, text=True, timeout=600)
        assert result.returncode != 0
    assert "live database is unchanged" in result.stderr and "Traceback" not in result.stderr
    assert fingerprints(round_trip_db) == before
    assert databases(round_trip_db) == [round_trip_db["name"]]  # the half-restored copy is gone


def test_restore_swaps_a_verified_copy_in_and_keeps_the_previous_database(round_trip_db, tmp_path):
    env = round_trip_db["env"]
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "load_demo", "--observations", "40")
    before = fingerprints(round_trip_db)
    dump = Path(manage(env, "backup", "--dir", str(tmp_path)).strip().splitlines()[-1])
    subprocess.run(["psql", "-q", "-d", round_trip_db["name"], "-c", "DELETE FROM observations_observation"],
                   env=round_trip_db["psql_env"], check=True)

    out = manage(env, "restore", "--replace", str(dump))
    assert "observations_observation 40" in out
    assert fingerprints(round_trip_db) == before
    name = round_trip_db["name"]
    assert databases(round_trip_db) == [name, f"{name}_previous"]
    assert fingerprints(round_trip_db, f"{name}_previous")["observations"].startswith("0|")


def test_a_backup_without_this_versions_migrations_is_refused(round_trip_db, tmp_path):
    env = round_trip_db["env"]
    manage(env, "migrate", "--noinput", "-v0")
    subprocess.run(["psql", "-q", "-d", round_trip_db["name"], "-c",
                    "DELETE FROM django_migrations WHERE app = 'observations' AND name = '0001_initial'"],
                   env=round_trip_db["psql_env"], check=True)
    dump = Path(manage(env, "backup", "--dir", str(tmp_path)).strip().splitlines()[-1])
    result = subprocess.run([sys.executable, "manage.py", "restore", "--replace", str(dump)], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode != 0
    assert "observations.0001_initial" in result.stderr and "--allow-older" in result.stderr
    manage(env, "restore", "--replace", "--allow-older", str(dump))
