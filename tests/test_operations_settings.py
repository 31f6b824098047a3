"""Strict settings: odd values and unsafe combinations stop the start with one clear line; production is check --deploy clean."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STRONG_KEY = "x7#Lq" * 12

PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": STRONG_KEY,
    "DJANGO_ALLOWED_HOSTS": "hytu.example.fi",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://hytu.example.fi",
    "DJANGO_BEHIND_PROXY": "true",
    "DJANGO_HTTPS": "true",
    "DJANGO_HSTS_INCLUDE_SUBDOMAINS": "true",
    "DJANGO_HSTS_PRELOAD": "true",
}


def manage(*args, env=None, cwd=ROOT):
    """manage.py in a fresh process with only the given settings variables (no local secret file)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env={**base, **(env or {})}, cwd=cwd, capture_output=True, text=True, timeout=120,
    )


@pytest.fixture
def without_local_secret(tmp_path):
    """A copy of manage.py's view of the project without var/secret_key: the settings module from a temp BASE_DIR."""
    (tmp_path / "geo_indi").mkdir()
    for name in ("settings.py", "__init__.py"):
        (tmp_path / "geo_indi" / name).write_text((ROOT / "geo_indi" / name).read_text())
    return tmp_path


def load_settings(base_dir, env):
    code = "import geo_indi.settings as s; print(s.DEBUG, s.SECRET_KEY == %r)" % STRONG_KEY
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return subprocess.run(
        [sys.executable, "-c", code], env={**clean, **env, "PYTHONPATH": str(base_dir)},
        cwd=base_dir, capture_output=True, text=True, timeout=60,
    )


def test_production_settings_pass_check_deploy_without_warnings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_fails_without_the_https_settings():
    insecure = {**PRODUCTION, "DJANGO_HTTPS": "false"}
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=insecure)
    assert result.returncode != 0
    assert "security.W004" in result.stderr + result.stdout


def test_missing_secret_key_with_debug_off_refuses_in_one_line(without_local_secret):
    result = load_settings(without_local_secret, {"DJANGO_DEBUG": "false"})
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0
    assert "DJANGO_SECRET_KEY" in result.stderr and "refuses to start" in result.stderr


def test_known_default_secret_key_refuses(without_local_secret):
    result = load_settings(without_local_secret, {"DJANGO_SECRET_KEY": "dev-only-insecure-key-change-me"})
    assert result.returncode == 1
    assert "known default" in result.stderr


def test_secret_key_is_read_from_a_file(without_local_secret, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text(STRONG_KEY + "\n")
    result = load_settings(without_local_secret, {"DJANGO_SECRET_KEY_FILE": str(secret)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True"]


def test_local_secret_file_is_used_when_nothing_is_set(without_local_secret):
    (without_local_secret / "var").mkdir()
    (without_local_secret / "var" / "secret_key").write_text(STRONG_KEY)
    result = load_settings(without_local_secret, {})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True"]


@pytest.mark.parametrize("value", ["maybe", "Tru", "2"])
def test_odd_boolean_value_is_refused(without_local_secret, value):
    result = load_settings(without_local_secret, {"DJANGO_SECRET_KEY": STRONG_KEY, "DJANGO_DEBUG": value})
    assert result.returncode == 1
    assert result.stderr.strip() == f"geo_indi refuses to start: DJANGO_DEBUG='{value}': use true or false"


def test_unreadable_secret_file_is_refused_in_one_line(without_local_secret, tmp_path):
    result = load_settings(without_local_secret, {"DJANGO_SECRET_KEY_FILE": str(tmp_path / "absent")})
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0
    assert "DJANGO_SECRET_KEY_FILE=" in result.stderr and "No such file" in result.stderr


@pytest.mark.parametrize(("value", "debug"), [("TRUE", "True"), ("off", "False"), ("0", "False")])
def test_boolean_words_are_understood(without_local_secret, value, debug):
    result = load_settings(without_local_secret, {"DJANGO_SECRET_KEY": STRONG_KEY, "DJANGO_DEBUG": value})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == debug


BAD_VALUES = [
    ("COVERAGE_PLAUSIBLE_EXTENT", "abc", "west,south,east,north"),  # was a traceback
    ("COVERAGE_PLAUSIBLE_EXTENT", "31.7,59.3,19.0,70.2", "west < east"),
    ("THROTTLE_DOWNLOADS_ANON", "ten/minute", "N/minute"),  # passed check, failed at the first request
    ("THROTTLE_API_USER", "100/fortnight", "N/minute"),
    ("THROTTLE_OGC_ANON", "0/minute", "N at least 1"),
    ("GEOGRAPHY_MAX_AREA_CHANGE", "half", "a number"),
    ("SUPPRESSION_K", "0", "at least 1"),
    ("DATABASE_STATEMENT_TIMEOUT_SECONDS", "5s", "whole number"),
    ("DATABASE_KEEPALIVES_IDLE_SECONDS", "-1", "at least 0"),
    ("LOG_FORMAT", "xml", "text, json"),
    ("LOG_LEVEL", "loud", "INFO"),
    ("MAP_TILE_URL", "tile.example.fi/{z}/{x}/{y}.png", "https://"),
    ("GEO_INDI_SITE_URL", "localhost:8000", "https://"),
    ("GEO_INDI_PGPORT", "port", "whole number"),
]


@pytest.mark.parametrize(("name", "value", "form"), BAD_VALUES)
def test_manage_check_refuses_a_bad_value_in_one_line_naming_it(name, value, form):
    result = manage("check", env={"DJANGO_SECRET_KEY": STRONG_KEY, name: value})
    assert result.returncode == 1
    assert result.stderr.strip() == result.stderr.strip().splitlines()[0]  # exactly one line, no traceback
    assert result.stderr.startswith(f"geo_indi refuses to start: {name}={value!r}: ") and form in result.stderr


def test_good_values_of_the_typed_settings_are_taken(without_local_secret):
    code = ("import geo_indi.settings as s; print(s.COVERAGE_PLAUSIBLE_EXTENT, s.THROTTLE_RATES['api_anon'], "
            "s.THROTTLE_RATES['ogc_user'], s.GEOGRAPHY_MAX_AREA_CHANGE)")
    env = {"DJANGO_SECRET_KEY": STRONG_KEY, "COVERAGE_PLAUSIBLE_EXTENT": " 20,60,30,70 ", "THROTTLE_API_ANON": "5/min",
           "THROTTLE_OGC_USER": "", "GEOGRAPHY_MAX_AREA_CHANGE": "0.25"}
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    result = subprocess.run([sys.executable, "-c", code], env={**clean, **env, "PYTHONPATH": str(without_local_secret)},
                            cwd=without_local_secret, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "(20.0, 60.0, 30.0, 70.0) 5/min None 0.25"


# Every variable settings.py reads, by how it is read: a bad value of each kind. Free-form ones (any text is a
# valid value: host names, paths, a cache prefix, display text, the secret) are listed apart with the reason.
SETTINGS_SOURCE = (ROOT / "geo_indi" / "settings.py").read_text()
BAD_BY_KIND = {"env_bool": "maybe", "env_int": "many", "env_float": "half", "env_choice": "nonesuch",
               "env_extent": "abc", "env_url": "example.fi/x", "env_rate": "ten/minute",
               "env_database_url": "mysql://db/x"}
BAD_BY_NAME = {"REDIS_URL": "localhost:6379", "DJANGO_CSRF_TRUSTED_ORIGINS": "hytu.example.fi",
               "EMAIL_BACKEND": "smtp backend", "DEFAULT_FROM_EMAIL": "nobody",
               "JOB_SCHEDULE_REMIND_QUESTIONS": "every morning", "RESEARCH_DATA_OWNER_ORGANISATION": " ",
               "PUBLICATION_FREEZE_AFTER_DAYS": "soon"}
FREE_FORM = {"DJANGO_SECRET_KEY",  # its own rule: missing or known default (tests above)
             "DJANGO_ALLOWED_HOSTS", "CACHE_KEY_PREFIX", "AUDIT_EXPORT_DIR", "BACKUP_DIR", "RESEARCH_EXTRACT_DIR",
             "MAP_TILE_ATTRIBUTION", "GEO_INDI_TEST_DB"}


def settings_variables() -> dict[str, str]:
    import re

    found = {name: kind for kind, name in re.findall(r'\b(env_\w+|env|typed)\(\s*"([A-Z][A-Z0-9_]+)"', SETTINGS_SOURCE)}
    found.update({name: "os.environ" for name in re.findall(r'os\.environ\.get\("([A-Z][A-Z0-9_]+)"', SETTINGS_SOURCE)})
    return found


def bad_value_cases():
    cases = []
    for name, kind in sorted(settings_variables().items()):
        if name in FREE_FORM:
            continue
        cases.append((name, BAD_BY_NAME.get(name) or BAD_BY_KIND.get(kind)))
    return cases + [("JOB_SCHEDULE_REMIND_QUESTIONS", BAD_BY_NAME["JOB_SCHEDULE_REMIND_QUESTIONS"])]


def test_every_variable_is_typed_or_declared_free_form():
    """A variable read around typed() (a raw env()/os.environ) that is not free-form text fails here."""
    untyped = {name for name, kind in settings_variables().items()
               if kind in {"env", "os.environ", "env_str", "env_list"} and name not in FREE_FORM}
    assert untyped == set()
    assert {name for name, value in bad_value_cases() if value is None} == set()


@pytest.mark.parametrize(("name", "value"), bad_value_cases())
def test_each_bad_setting_value_stops_check_with_one_line(name, value):
    result = manage("check", env={"DJANGO_SECRET_KEY": STRONG_KEY, name: value})
    assert result.returncode == 1, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr  # one line, no traceback
    assert result.stderr.startswith(f"geo_indi refuses to start: {name}={value!r}: use ")
