"""Settings from environment variables, with safe local defaults.

DATABASE_URL defaults to the project-local PostGIS cluster started by
scripts/db.sh (see README).
"""
import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONCE
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    return os.environ.get(name, str(default)).lower() in {"1", "true", "yes", "on"}


def env_int(name, default):
    return int(os.environ.get(name, default))


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "dev-only-insecure-key-change-me")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

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
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "geo_indi.core",
    "geo_indi.audit",
    "geo_indi.areas",
    "geo_indi.accounts",
    "geo_indi.observations",
    "geo_indi.field",
    "geo_indi.maps",
    "geo_indi.layers",
    "geo_indi.indicators",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "geo_indi.audit.middleware.AuditContextMiddleware",
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
            ],
        },
    },
]

DEFAULT_DATABASE_URL = "postgis://postgres@127.0.0.1:%s/geo_indi" % os.environ.get("GEO_INDI_PGPORT", "54329")
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL), conn_max_age=60
    )
}
# Parallel test runs on one server each need their own test database.
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("GEO_INDI_TEST_DB") or None}
if DATABASES["default"]["ENGINE"] in {
    "django.db.backends.postgresql",
    "django.db.backends.postgresql_psycopg2",
}:
    DATABASES["default"]["ENGINE"] = "django.contrib.gis.db.backends.postgis"

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
    ("vendor/jquery", NODE_MODULES / "jquery" / "dist"),
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/fontawesome", NODE_MODULES / "@fortawesome" / "fontawesome-free"),
    ("vendor/awesome-markers", NODE_MODULES / "drmonty-leaflet-awesome-markers"),
    ("vendor/axe-core", NODE_MODULES / "axe-core"),
    ("vendor/chart.js", NODE_MODULES / "chart.js" / "dist"),
    ("vendor/ol", NODE_MODULES / "ol"),
]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "geo_indi.accounts.tokens.ApiTokenAuthentication",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["geo_indi.core.throttling.RequestThrottle"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "geo_indi.core.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "geo_indi API",
    "DESCRIPTION": "Observations, layers and indicators of geo_indi.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # ReDoc from the drf-spectacular-sidecar package under /static/: no CDN.
    "REDOC_DIST": "SIDECAR",
}

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "geo-indi@localhost")

# --- Product rules (see docs/architecture.md) ---
# Stored SRID of every geometry: ETRS-TM35FIN, metres.
GEO_INDI_STORAGE_SRID = 3067
# A person observation in a gap between areas snaps to the nearest area within this distance.
SNAP_GAP_TOLERANCE_M = env_int("SNAP_GAP_TOLERANCE_M", 2000)
# Areas with 1..k-1 observations are shown as "<k" outside the owning organisations.
SUPPRESSION_K = env_int("SUPPRESSION_K", 5)
# How long a reporter may still edit or delete their own observation.
OBSERVATION_EDIT_WINDOW_HOURS = env_int("OBSERVATION_EDIT_WINDOW_HOURS", 72)
# Background tiles; outlines from our own data keep the map usable without them.
MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILE_ATTRIBUTION = os.environ.get(
    "MAP_TILE_ATTRIBUTION", "&copy; OpenStreetMap contributors"
)
# Statistics Finland's open WFS for Paavo postcode areas.
PAAVO_WFS_URL = os.environ.get("PAAVO_WFS_URL", "https://geo.stat.fi/geoserver/postialue/wfs")
SOTKANET_API_URL = os.environ.get("SOTKANET_API_URL", "https://sotkanet.fi/rest/1.1")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # SQL parameters could carry a person's coordinates: never log them.
        "django.db.backends": {"level": "WARNING", "propagate": True},
    },
}

# --- Security (see docs/security.md) ---
# Requests per period ("N/second|minute|hour|day") for each throttle scope, anonymous and
# signed-in callers apart; an empty value turns the scope off. Counted in the default cache.
THROTTLE_RATES = {
    "api_anon": os.environ.get("THROTTLE_API_ANON", "120/minute"),
    "api_user": os.environ.get("THROTTLE_API_USER", "600/minute"),
    "downloads_anon": os.environ.get("THROTTLE_DOWNLOADS_ANON", "10/minute"),
    "downloads_user": os.environ.get("THROTTLE_DOWNLOADS_USER", "60/minute"),
    "ogc_anon": os.environ.get("THROTTLE_OGC_ANON", "60/minute"),
    "ogc_user": os.environ.get("THROTTLE_OGC_USER", "600/minute"),
}
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Login lockout: this many failures for one username from one IP address locks that pair.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("LOGIN_LOCKOUT_HOURS", 1) or None
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "geo_indi.accounts.lockout.locked_out"
AXES_USERNAME_CALLABLE = "geo_indi.accounts.lockout.lockout_username"
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
