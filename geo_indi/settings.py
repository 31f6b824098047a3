"""Settings from environment variables, strict about what they accept.

DATABASE_URL defaults to the project-local PostGIS cluster started by
scripts/db.sh (see README). Production settings: docs/operations.md.
"""
import os
import re
import sys
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONCE
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def refuse_to_start(message):
    sys.stderr.write(f"geo_indi refuses to start: {message}\n")
    raise SystemExit(1)


def env(name, default=None):
    """NAME from the environment, or the contents of the file named by NAME_FILE (for secrets)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        try:
            return Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            refuse_to_start(f"{name}_FILE={path}: {exc.strerror}")
    return os.environ.get(name, default)


def typed(name, default, parse, form):
    """The one way a setting is read: NAME parsed by `parse` (which raises ValueError on a bad value), or
    `default` when NAME is unset. A bad value stops the start (server, worker, `manage.py check`, any command)
    with one line naming the variable and the form it takes; no traceback."""
    value = env(name)
    if value is None:
        return default
    try:
        return parse(value.strip())
    except ValueError:
        refuse_to_start(f"{name}={value!r}: {form}")


def _bool(value):
    if value.lower() in TRUE_WORDS:
        return True
    if value.lower() in FALSE_WORDS:
        return False
    raise ValueError(value)


def _bounded(convert, minimum=None, maximum=None):
    def parse(value):
        number = convert(value)
        if number != number or (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
            raise ValueError(value)  # NaN, or outside the range
        return number

    return parse


def _range_text(minimum, maximum):
    if minimum is not None and maximum is not None:
        return f" from {minimum} to {maximum}"
    if minimum is not None:
        return f" of at least {minimum}"
    return ""


def env_bool(name, default=False):
    return typed(name, default, _bool, "use true or false")


def env_int(name, default, minimum=0, maximum=None):
    return typed(name, default, _bounded(int, minimum, maximum), f"use a whole number{_range_text(minimum, maximum)}")


def env_float(name, default, minimum=None, maximum=None):
    return typed(name, default, _bounded(float, minimum, maximum), f"use a number{_range_text(minimum, maximum)}")


def env_str(name, default):
    return typed(name, default, str, "")


def _name(value):
    if not value:
        raise ValueError(value)
    return value


def env_choice(name, default, choices):
    def parse(value):
        if value not in choices:
            raise ValueError(value)
        return value

    return typed(name, default, parse, "use one of " + ", ".join(choices))


def _extent(value):
    west, south, east, north = (float(part) for part in value.split(","))  # not four numbers: ValueError
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise ValueError(value)
    return (west, south, east, north)


def env_extent(name, default):
    return typed(name, default, _extent, "use west,south,east,north in degrees (lon/lat), west < east, south < north")


def _url(value):
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ValueError(value)
    return value


def env_url(name, default):
    return typed(name, default, _url, "use an http:// or https:// address")


# DRF reads the period's first letter; these are the spellings it is documented with.
RATE_PERIODS = {"s", "sec", "second", "m", "min", "minute", "h", "hour", "d", "day"}


def _rate(value):
    if value == "":
        return None  # the scope is off
    number, _slash, period = value.partition("/")
    if not number.isdigit() or int(number) < 1 or period not in RATE_PERIODS:
        raise ValueError(value)
    return value


def env_rate(name, default):
    return typed(name, default, _rate, "use N/second, N/minute, N/hour or N/day (N at least 1), or empty for no limit")


def env_list(name, default=""):
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)

# The local demo's own secret, made once by scripts/bootstrap.sh (git-ignored).
LOCAL_SECRET_KEY_FILE = BASE_DIR / "var" / "secret_key"
KNOWN_INSECURE_SECRET_KEYS = {"dev-only-insecure-key-change-me", "change-me", "secret"}
SECRET_KEY = env("DJANGO_SECRET_KEY")
if not SECRET_KEY and LOCAL_SECRET_KEY_FILE.is_file():
    SECRET_KEY = LOCAL_SECRET_KEY_FILE.read_text(encoding="utf-8").strip()
if not SECRET_KEY or SECRET_KEY in KNOWN_INSECURE_SECRET_KEYS or SECRET_KEY.startswith("django-insecure"):
    if not DEBUG:
        refuse_to_start(
            "DJANGO_SECRET_KEY (or DJANGO_SECRET_KEY_FILE) is missing or a known default; "
            "set it, or run `make setup` to make a local one in var/secret_key."
        )
    SECRET_KEY = SECRET_KEY or "dev-only-insecure-key-change-me"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
def _origins(value):
    origins = [item.strip() for item in value.split(",") if item.strip()]
    for origin in origins:
        if urlsplit(origin).scheme not in {"http", "https"} or not urlsplit(origin).netloc:
            raise ValueError(origin)
    return origins


CSRF_TRUSTED_ORIGINS = typed("DJANGO_CSRF_TRUSTED_ORIGINS", [], _origins,
                             "use https://host[:port] addresses separated by commas")

# Behind a TLS proxy (docs/operations.md): the proxy sets X-Forwarded-Proto; only trust it there.
if env_bool("DJANGO_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# DJANGO_HTTPS=true: the site is served only over HTTPS. It turns on the settings below unless each is set.
HTTPS = env_bool("DJANGO_HTTPS", False)
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", HTTPS)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31_536_000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", False)
# HTTP Basic (username + API token, for QGIS: accounts/tokens.py) over plain HTTP with DEBUG off is refused,
# since the token would cross the network readable; true allows it (a TLS proxy that does not say so).
GEO_INDI_BASIC_AUTH_OVER_HTTP = env_bool("GEO_INDI_BASIC_AUTH_OVER_HTTP", False)
# The health check answers plain HTTP from the machine itself (load balancer, compose).
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "rest_framework",
    "rest_framework.authtoken",
    "rest_framework_gis",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    # The job queue on PostgreSQL (geo_indi/jobs): its tables, admin pages and `manage.py procrastinate`.
    "procrastinate.contrib.django",
    "geo_indi.core",
    "geo_indi.backups",
    "geo_indi.audit",
    "geo_indi.areas",
    "geo_indi.accounts",
    "geo_indi.observations",
    "geo_indi.sharing",
    "geo_indi.publication",
    "geo_indi.field",
    "geo_indi.maps",
    "geo_indi.layers",
    "geo_indi.indicators",
    "geo_indi.alerts",
    "geo_indi.analysis",
    "geo_indi.questions",
    "geo_indi.initiatives",
    "geo_indi.research",
    "geo_indi.jobs",
]

MIDDLEWARE = [
    "geo_indi.core.middleware.RequestIDMiddleware",
    "geo_indi.core.middleware.APIErrorMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "geo_indi.observations.suppression.ViewerMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "geo_indi.audit.middleware.AuditContextMiddleware",
    "geo_indi.sharing.services.SharedReadsAuditMiddleware",
    "geo_indi.accounts.lockout.KnownDeviceMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "geo_indi.urls"
WSGI_APPLICATION = "geo_indi.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "geo_indi.core.context_processors.map_settings",
                "geo_indi.observations.suppression.words",
            ],
        },
    },
]

DEFAULT_DATABASE_URL = "postgis://postgres@127.0.0.1:%s/geo_indi" % env_int("GEO_INDI_PGPORT", 54329, 1, 65535)


DATABASE_CONNECT_TIMEOUT = env_int("DATABASE_CONNECT_TIMEOUT", 2)
# Web requests (and tests) get a short statement timeout: a hung database is a 503 within seconds.
# Management commands (the worker, publish_tables, load_demo, migrate, restore ...) run long statements
# on purpose: they use DATABASE_COMMAND_STATEMENT_TIMEOUT_SECONDS (0: no limit). docs/operations.md.
RUNNING_COMMAND = Path(sys.argv[0]).name == "manage.py" and len(sys.argv) > 1 and sys.argv[1] != "runserver"
DATABASE_WEB_STATEMENT_TIMEOUT_SECONDS = env_int("DATABASE_STATEMENT_TIMEOUT_SECONDS", 4)
DATABASE_COMMAND_STATEMENT_TIMEOUT_SECONDS = env_int("DATABASE_COMMAND_STATEMENT_TIMEOUT_SECONDS", 0)
DATABASE_STATEMENT_TIMEOUT_SECONDS = (
    DATABASE_COMMAND_STATEMENT_TIMEOUT_SECONDS if RUNNING_COMMAND else DATABASE_WEB_STATEMENT_TIMEOUT_SECONDS
)
DATABASE_KEEPALIVES_IDLE_SECONDS = env_int("DATABASE_KEEPALIVES_IDLE_SECONDS", 10)
DATABASE_KEEPALIVES_INTERVAL_SECONDS = env_int("DATABASE_KEEPALIVES_INTERVAL_SECONDS", 5)
DATABASE_KEEPALIVES_COUNT = env_int("DATABASE_KEEPALIVES_COUNT", 3)
DATABASE_TCP_USER_TIMEOUT_SECONDS = env_int("DATABASE_TCP_USER_TIMEOUT_SECONDS", 10)
# A frozen server cancels nothing and its kernel still acknowledges: the client's own deadlines
# (geo_indi/core/postgis): a statement may wait its statement timeout plus this margin for an answer, and the
# check Django runs before reusing a kept-alive connection this long (then a new connection: connect timeout).
DATABASE_ANSWER_MARGIN_SECONDS = env_int("DATABASE_ANSWER_MARGIN_SECONDS", 1)
DATABASE_HEALTH_CHECK_TIMEOUT_SECONDS = env_int("DATABASE_HEALTH_CHECK_TIMEOUT_SECONDS", 1, 1)


def database_settings(url):
    database = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    options = database.setdefault("OPTIONS", {})
    # An unreachable database answers 503 quickly instead of holding the worker (libpq's minimum is 2 s).
    options["connect_timeout"] = DATABASE_CONNECT_TIMEOUT
    # A database that accepts the connection but does not answer (a lock held, a stuck server) must not hold
    # the worker either: the server cancels a statement after the statement timeout (the request is a 503),
    # and TCP keepalives and the TCP user timeout drop a kept-alive connection whose peer has gone away.
    server_options = f"-c statement_timeout={DATABASE_STATEMENT_TIMEOUT_SECONDS * 1000}"
    options["options"] = f"{options['options']} {server_options}" if options.get("options") else server_options
    options.update(
        keepalives=1,
        keepalives_idle=DATABASE_KEEPALIVES_IDLE_SECONDS,
        keepalives_interval=DATABASE_KEEPALIVES_INTERVAL_SECONDS,
        keepalives_count=DATABASE_KEEPALIVES_COUNT,
        tcp_user_timeout=DATABASE_TCP_USER_TIMEOUT_SECONDS * 1000,
    )
    if database["ENGINE"] in {"django.db.backends.postgresql", "django.db.backends.postgresql_psycopg2",
                              "django.contrib.gis.db.backends.postgis"}:
        database["ENGINE"] = "geo_indi.core.postgis"  # PostGIS with client-side answer deadlines
    # Values travel apart from the SQL text (psycopg 3 server-side binding): a person's
    # fields never appear as literals in pg_stat_activity or in a logged statement.
    database["OPTIONS"]["server_side_binding"] = True
    return database


def _database_url(value):
    parts = urlsplit(value)
    if parts.scheme not in {"postgres", "postgresql", "postgis", "pgsql"} or not (parts.netloc or parts.path.strip("/")):
        raise ValueError(value)
    return value


def env_database_url(name, default):
    return typed(name, default, _database_url, "use postgis://user:password@host:port/name (or postgres://…)")


DATABASES = {"default": database_settings(env_database_url("DATABASE_URL", DEFAULT_DATABASE_URL))}
DATABASE_RETRY_AFTER_SECONDS = env_int("DATABASE_RETRY_AFTER_SECONDS", 10)
# Parallel test runs on one server each need their own test database.
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("GEO_INDI_TEST_DB") or None}
# Reads off the primary (core/db_routers.py, docs/operations.md): maps, layers, OGC API and
# reports read from this streaming replica; a user who wrote in the last
# DATABASE_REPLICA_STICKY_SECONDS reads from the primary. Unset: one database, no router.
DATABASE_REPLICA_URL = env_database_url("DATABASE_REPLICA_URL", None)
DATABASE_REPLICA_STICKY_SECONDS = env_int("DATABASE_REPLICA_STICKY_SECONDS", 10)
# What the router (geo_indi/core/db_routers.py) reads off the replica and what never: named here, at the top,
# so that core names no app above it. GET/HEAD requests to views of these modules read from the replica;
# the models of these apps (who may do what) are always read from the primary.
DATABASE_REPLICA_VIEW_MODULES = frozenset({
    "geo_indi.maps.views", "geo_indi.layers.api", "geo_indi.layers.ogc", "geo_indi.layers.ogc_openapi",
})
DATABASE_PRIMARY_ONLY_APPS = frozenset({"admin", "auth", "contenttypes", "sessions", "authtoken", "axes",
                                        "accounts", "audit", "jobs"})
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = database_settings(DATABASE_REPLICA_URL)
    # Under test the replica is the test database itself (Django's test mirror).
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["geo_indi.core.db_routers.PrimaryReplicaRouter"]
    MIDDLEWARE.append("geo_indi.core.db_routers.ReplicaReadsMiddleware")

# The shared cache (docs/operations.md): rate-limit counters, vector tiles, the count memo, hot spots and
# the replica's read-your-writes pins, seen alike by every server process and the worker. Default: the
# project-local Redis of scripts/redis.sh on 127.0.0.1:GEO_INDI_REDIS_PORT (63790).
DEFAULT_REDIS_URL = "redis://127.0.0.1:%s/0" % env_int("GEO_INDI_REDIS_PORT", 63790, 1, 65535)


def _redis_url(value):
    if not value.startswith(("redis://", "rediss://", "unix://")):
        raise ValueError(value)
    return value


REDIS_URL = typed("REDIS_URL", DEFAULT_REDIS_URL, _redis_url, "use redis://host:port/db, rediss://… or unix:///path")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env("CACHE_KEY_PREFIX", "geo_indi"),
        # Keys carry the database's name too (core/cache.py): two databases on one Redis never mix.
        "KEY_FUNCTION": "geo_indi.core.cache.make_key",
        # An unreachable cache fails a request in about a second instead of holding the worker.
        "OPTIONS": {
            "socket_connect_timeout": env_int("REDIS_CONNECT_TIMEOUT", 1),
            "socket_timeout": env_int("REDIS_TIMEOUT", 2),
        },
    }
}

# The job queue (geo_indi/jobs, docs/operations.md "Worker"): Procrastinate on the default database.
PROCRASTINATE_DATABASE_ALIAS = "default"
PROCRASTINATE_AUTODISCOVER_MODULE_NAME = "tasks"
# Periodic jobs: a cron line (UTC) each; JOB_SCHEDULE_<NAME>="" turns one off.
JOB_SCHEDULE_DEFAULTS = {
    "publish_tables": "*/10 * * * *",
    "evaluate_alerts": "*/15 * * * *",
    "remind_questions": "0 6 * * *",
    "request_initiative_reviews": "10 6 * * *",
    "purge_follow_up_notes": "30 1 * * *",
    "export_audit_log": "15 0 * * *",
    "check_counts": "0 2 * * 0",
    "prune_jobs": "45 1 * * *",
    "purge_report_pdfs": "20 * * * *",
}


def job_schedules():
    from croniter import croniter

    schedules = {}
    for name, default in JOB_SCHEDULE_DEFAULTS.items():
        variable = f"JOB_SCHEDULE_{name.upper()}"
        cron = (env(variable, default) or "").strip()
        if cron and not croniter.is_valid(cron):
            refuse_to_start(f"{variable}={cron!r}: use a cron line such as '*/10 * * * *', or empty to turn it off")
        schedules[name] = cron
    return schedules


JOB_SCHEDULES = job_schedules()
# Finished jobs (and their recorded failures) are kept this long, then deleted by the job prune_jobs.
JOB_RETENTION_DAYS = env_int("JOB_RETENTION_DAYS", 14, 1, 3650)
# The daily audit export (job export_audit_log) writes audit-YYYY-MM-DD.csv here.
AUDIT_EXPORT_DIR = Path(env("AUDIT_EXPORT_DIR", str(BASE_DIR / "var" / "audit")))

# `make backup` / `manage.py backup` writes here (git-ignored by default: var/).
BACKUP_DIR = Path(env("BACKUP_DIR", str(BASE_DIR / "var" / "backups")))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "fi"
LANGUAGES = [("fi", _("Finnish")), ("sv", _("Swedish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "geo_indi" / "locale"]
TIME_ZONE = "Europe/Helsinki"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
NODE_MODULES = BASE_DIR / "node_modules"
# Front-end packages from the npm registry (package.json), served by the app: no CDN.
STATICFILES_DIRS = [
    BASE_DIR / "geo_indi" / "static",
    ("vendor/leaflet", NODE_MODULES / "leaflet" / "dist"),
    ("vendor/leaflet.heat", NODE_MODULES / "leaflet.heat" / "dist"),
    ("vendor/leaflet.vectorgrid", NODE_MODULES / "leaflet.vectorgrid" / "dist"),
    ("vendor/chart.js", NODE_MODULES / "chart.js" / "dist"),
    ("vendor/ol", NODE_MODULES / "ol"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # gzip and Brotli copies made once by `collectstatic`; WhiteNoise picks them by Accept-Encoding.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Production serves what `collectstatic` gathered into STATIC_ROOT; only DEBUG looks into the sources.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

# Proxies in front of gunicorn that set X-Forwarded-For (0: none; the client is REMOTE_ADDR). core/client_address.py.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, 0, 5)
REST_FRAMEWORK = {
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,  # the rate limits tell clients apart by core/client_address.py's rule
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an unauthenticated call is a 401 with a WWW-Authenticate challenge.
        "geo_indi.accounts.tokens.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["geo_indi.core.throttling.RequestThrottle"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["geo_indi.core.api.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "geo_indi.core.api.LimitOffsetPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "geo_indi.core.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "geo_indi API",
    "DESCRIPTION": "Observations, layers and indicators of geo_indi.",
    "VERSION": "0.1.0",
    # Operation ids and tags from the path after /api/ (observations_create, tag "observations"),
    # whatever other DRF views (the OGC API's ReDoc page) the URLconf has.
    "SCHEMA_PATH_PREFIX": "/api/",
    "SERVE_INCLUDE_SCHEMA": False,
    # ReDoc from the drf-spectacular-sidecar package, served by core.schema.redoc_standalone with its one
    # outside address (the logo on cdn.redoc.ly) made inline: no CDN, no console error.
    "REDOC_DIST": "/api/docs/redoc",
}

def _dotted_path(value):
    if not re.fullmatch(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)+", value):
        raise ValueError(value)
    return value


def _address(value):
    if not re.fullmatch(r"[^@\s<>]+@[^@\s<>]+|[^<>]*<[^@\s<>]+@[^@\s<>]+>", value):
        raise ValueError(value)
    return value


EMAIL_BACKEND = typed("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend", _dotted_path,
                      "use a dotted Python path such as django.core.mail.backends.smtp.EmailBackend")
DEFAULT_FROM_EMAIL = typed("DEFAULT_FROM_EMAIL", "geo-indi@localhost", _address,
                           "use an e-mail address such as geo-indi@example.fi or Name <geo-indi@example.fi>")

# --- Product rules (see docs/architecture.md) ---
# Stored SRID of every geometry: ETRS-TM35FIN, metres.
GEO_INDI_STORAGE_SRID = 3067
# A person observation in a gap between areas snaps to the nearest area within this distance.
SNAP_GAP_TOLERANCE_M = env_int("SNAP_GAP_TOLERANCE_M", 2000)
# Where coverage can plausibly be (lon/lat, mainland Finland with a margin): recorded points
# outside it are refused, and the geography importer rejects areas that are not inside it.
COVERAGE_PLAUSIBLE_EXTENT = env_extent("COVERAGE_PLAUSIBLE_EXTENT", (19.0, 59.3, 31.7, 70.2))
# The importer refuses to shrink or grow an existing postcode area by more than this share
# (0.5 = 50 %) unless given --allow-shrink.
GEOGRAPHY_MAX_AREA_CHANGE = env_float("GEOGRAPHY_MAX_AREA_CHANGE", 0.5, 0)
# Areas with 1..k-1 observations are shown as "<k" outside the owning organisations.
SUPPRESSION_K = env_int("SUPPRESSION_K", 5, 1)
# Period comparison (maps/comparison.py): under this many observations in the two periods of an area
# together, the change test answers "too few to tell" whatever its p-value (docs/maps.md).
COMPARISON_MIN_COUNT = env_int("COMPARISON_MIN_COUNT", 10)
# Published tables may be this many seconds old before a view refreshes them in the background;
# 0: every view publishes the current data (and computes the suppression if it changed) itself.
PUBLICATION_REFRESH_SECONDS = env_int("PUBLICATION_REFRESH_SECONDS", 600)


def _days_or_never(value):
    return None if value.lower() == "never" else _bounded(int, 0)(value)


# A calendar year is closed this many days after 31 December: its release is then frozen (published once,
# republished only by an administrator with a logged reason: manage.py republish_release). "never": not frozen.
PUBLICATION_FREEZE_AFTER_DAYS = typed("PUBLICATION_FREEZE_AFTER_DAYS", 31, _days_or_never,
                                      "use a whole number of days of at least 0, or never")
# How long one process reuses a grouped count while no write has moved the data version (observations.summary).
COUNTS_CACHE_SECONDS = env_int("COUNTS_CACHE_SECONDS", 60)
# A decision on a suggested group (new phenomenon, merge, dismissal) may be undone for this many minutes.
GROUP_DECISION_UNDO_MINUTES = env_int("GROUP_DECISION_UNDO_MINUTES", 30)
# Hot spots (analysis/hotspots.py): an area needs at least this many observations of its own in the recent
# window to be shown (and alerted) as a hot spot; Gi* alone would flag an area of 1-2 beside a busy one.
HOT_SPOT_MIN_OBSERVATIONS = env_int("HOT_SPOT_MIN_OBSERVATIONS", 3)
# Questions to local actors: remind those who have not answered this many days before the closing date.
QUESTION_REMINDER_DAYS = env_int("QUESTION_REMINDER_DAYS", 3)
# Initiatives: the responsible organisations have this many days to answer a review's feedback request.
INITIATIVE_REVIEW_ANSWER_DAYS = env_int("INITIATIVE_REVIEW_ANSWER_DAYS", 14)
# Research extracts (research/services.py): where they are written, and their licence (a Data Package licence).
RESEARCH_EXTRACT_DIR = Path(env_str("RESEARCH_EXTRACT_DIR", str(BASE_DIR / "var" / "research")))
# Research requests (research/requests.py): the organisation that owns the data; its coordinators approve or
# refuse researchers' requests. The name of an organisation, as in the admin (default: the demo's county).
RESEARCH_DATA_OWNER_ORGANISATION = typed("RESEARCH_DATA_OWNER_ORGANISATION", "Lapin hyvinvointialue", _name,
                                         "use the name of an organisation (not empty)")
# An approved request's extract may be downloaded until its expiry date, at most this many days after the request.
RESEARCH_ACCESS_MAX_DAYS = env_int("RESEARCH_ACCESS_MAX_DAYS", 365, 1)
RESEARCH_EXTRACT_LICENCE = {
    "name": "other-closed",
    "title": "Research use only, under a data-sharing agreement with the data controller; no re-identification",
}
# How long a reporter may still edit or delete their own observation.
OBSERVATION_EDIT_WINDOW_HOURS = env_int("OBSERVATION_EDIT_WINDOW_HOURS", 72)
# Background tiles; outlines from our own data keep the map usable without them.
MAP_TILE_URL = env_url("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILE_ATTRIBUTION = env_str("MAP_TILE_ATTRIBUTION", "&copy; OpenStreetMap contributors")
# Statistics Finland's open WFS for Paavo postcode areas.
PAAVO_WFS_URL = env_url("PAAVO_WFS_URL", "https://geo.stat.fi/geoserver/postialue/wfs")
SOTKANET_API_URL = env_url("SOTKANET_API_URL", "https://sotkanet.fi/rest/1.1")
# Links in alert e-mails point here
SITE_URL = env_url("GEO_INDI_SITE_URL", "http://localhost:8000")

# One line per event with time, level and request id; LOG_FORMAT=json for JSON lines (core/logformat.py).
LOG_FORMAT = env_choice("LOG_FORMAT", "text", ("text", "json"))
LOG_LEVEL = env_choice("LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "geo_indi.core.logformat.RequestIDFilter"}},
    "formatters": {
        "text": {"()": "geo_indi.core.logformat.TextFormatter"},
        "json": {"()": "geo_indi.core.logformat.JSONFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # SQL parameters could carry a person's coordinates: never log them.
        "django.db.backends": {"level": "WARNING", "propagate": True},
        # Django's own handlers would print a second, multi-line copy of each event.
        "django": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # One line per periodic job at every start of every command is noise; the worker's own lines stay.
        "procrastinate.periodic": {"level": "WARNING"},
        "procrastinate.blueprints": {"level": "WARNING"},
    },
}

# --- Security (see docs/security.md) ---
# Requests per period ("N/second|minute|hour|day") for each throttle scope, anonymous and
# signed-in callers apart; an empty value turns the scope off. Counted in the default cache.
THROTTLE_RATES = {
    "api_anon": env_rate("THROTTLE_API_ANON", "120/minute"),
    "api_user": env_rate("THROTTLE_API_USER", "600/minute"),
    "downloads_anon": env_rate("THROTTLE_DOWNLOADS_ANON", "10/minute"),
    "downloads_user": env_rate("THROTTLE_DOWNLOADS_USER", "60/minute"),
    "ogc_anon": env_rate("THROTTLE_OGC_ANON", "60/minute"),
    "ogc_user": env_rate("THROTTLE_OGC_USER", "600/minute"),
    # Server-made PDF reports (maps/views.py report_pdf): seconds of CPU each.
    "pdf_anon": env_rate("THROTTLE_PDF_ANON", "2/minute"),
    "pdf_user": env_rate("THROTTLE_PDF_USER", "10/minute"),
}
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "geo_indi.accounts.lockout.UsernameBackoffBackend",
    "geo_indi.accounts.backends.CaseInsensitiveModelBackend",
]
# Login lockout (accounts/lockout.py, docs/security.md): per username a back-off across all addresses, which a
# browser that logged in as that user before (a signed known-device cookie) skips; per address a lock.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, 1, 100)
LOGIN_BACKOFF_SECONDS = env_int("LOGIN_BACKOFF_SECONDS", 15, 1, 3600)
LOGIN_BACKOFF_MAX_SECONDS = env_int("LOGIN_BACKOFF_MAX_SECONDS", 900, 1, 86400)
if LOGIN_BACKOFF_MAX_SECONDS < LOGIN_BACKOFF_SECONDS:
    refuse_to_start(f"LOGIN_BACKOFF_MAX_SECONDS={LOGIN_BACKOFF_MAX_SECONDS}: use at least LOGIN_BACKOFF_SECONDS "
                    f"({LOGIN_BACKOFF_SECONDS})")
LOGIN_KNOWN_DEVICE_DAYS = env_int("LOGIN_KNOWN_DEVICE_DAYS", 90, 1, 3650)
# API tokens expire (accounts/tokens.py); a new one is made on the profile page.
API_TOKEN_LIFETIME_DAYS = env_int("API_TOKEN_LIFETIME_DAYS", 365, 1, 3650)
AXES_CLIENT_IP_CALLABLE = "geo_indi.core.client_address.client_address"
AXES_FAILURE_LIMIT = env_int("LOGIN_ADDRESS_FAILURE_LIMIT", 20, 1, 10000)
AXES_COOLOFF_TIME = env_int("LOGIN_LOCKOUT_HOURS", 1) or None
AXES_LOCKOUT_PARAMETERS = ["ip_address"]
# A success does not reset an address's count: an attacker would log in to an account of its own to reset it.
AXES_RESET_ON_SUCCESS = False
# Attempts refused during a lock (either rule) are not counted: they neither lengthen a lock nor start one.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "geo_indi.accounts.lockout.locked_out"
AXES_USERNAME_CALLABLE = "geo_indi.accounts.lockout.lockout_username"
AXES_WHITELIST_CALLABLE = "geo_indi.accounts.lockout.is_known_device"
AXES_VERBOSE = False  # no start-up banner on every manage.py command
# Content-Security-Policy: scripts only from the app or with the request's nonce. Styles
# allow 'unsafe-inline' because Leaflet/folium popups and ReDoc write style attributes.
_tiles = urlsplit(MAP_TILE_URL)
MAP_TILE_ORIGIN = f"{_tiles.scheme}://{_tiles.netloc}".replace("{s}", "*")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", MAP_TILE_ORIGIN],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Follow-up notes (consented contact details) are emptied this many days after recording.
FOLLOW_UP_NOTE_RETENTION_DAYS = env_int("FOLLOW_UP_NOTE_RETENTION_DAYS", 365)

# Debian 12 ships GDAL 3.6; only administrators import geography files.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]
