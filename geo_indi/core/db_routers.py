"""Reads off the primary: which database alias each query of a request uses.

With DATABASE_REPLICA_URL set (settings.py), the `replica` alias is a streaming replica of
`default` (the primary), `ReplicaReadsMiddleware` is installed and `PrimaryReplicaRouter`
routes. The decision is per request, not per model:

- GET/HEAD requests to the read-only views (settings.DATABASE_REPLICA_VIEW_MODULES: maps and their reports
  and exports, layer downloads, OGC API) read from the replica;
- everything else reads from the primary: writes, the admin, the field worker's own list,
  the API, and in every request the models that decide who may do what
  (settings.DATABASE_PRIMARY_ONLY_APPS: users, sessions, tokens, memberships, login lockouts, audit), so a
  revoked role or token is never honoured from a replica that has not caught up;
- read-your-writes: a user who wrote in the last DATABASE_REPLICA_STICKY_SECONDS reads from
  the primary (a signed cookie for browser sessions; a cache entry per user for every
  client, tokens included — shared between server processes only with a shared cache);
- a request that has written data, or a read inside a transaction on the primary, stays on
  the primary;
- a replica that cannot be reached is skipped for DATABASE_RETRY_AFTER_SECONDS: reads go to
  the primary and the request succeeds (no 503).

Raw SQL that reads for these views uses `read_connection` instead of `django.db.connection`.
See docs/operations.md ("Read replica") and docs/scaling.md.
"""
import logging
import time
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.signals import request_finished
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.dispatch import receiver
from django.http import HttpRequest

logger = logging.getLogger("geo_indi.database")

PRIMARY = DEFAULT_DB_ALIAS
REPLICA = "replica"


def primary_only_apps() -> frozenset[str]:
    """App labels always read from the primary (settings.DATABASE_PRIMARY_ONLY_APPS)."""
    return frozenset(getattr(settings, "DATABASE_PRIMARY_ONLY_APPS", ()))


def replica_view_modules() -> frozenset[str]:
    """Modules whose views read from the replica on GET/HEAD (settings.DATABASE_REPLICA_VIEW_MODULES)."""
    return frozenset(getattr(settings, "DATABASE_REPLICA_VIEW_MODULES", ()))


READ_METHODS = frozenset({"GET", "HEAD"})
WROTE_COOKIE = "geo_indi_wrote"


@dataclass
class RequestReads:
    request: HttpRequest
    replica_eligible: bool = False
    wrote: bool = False
    alias: str | None = None  # decided at the request's first read from an eligible view


_current = ContextVar("geo_indi_request_reads", default=None)
_replica_down_until = 0.0


def sticky_seconds():
    return settings.DATABASE_REPLICA_STICKY_SECONDS


def _wrote_key(user_id):
    return f"geo_indi:wrote:{user_id}"


def remember_write(request, response):
    """Send this user's reads to the primary for the next sticky_seconds()."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return
    cache.set(_wrote_key(user.pk), True, sticky_seconds())
    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        response.set_signed_cookie(
            WROTE_COOKIE, "1", max_age=sticky_seconds(), secure=settings.SESSION_COOKIE_SECURE,
            httponly=True, samesite="Lax",
        )


def wrote_recently(request):
    if request.get_signed_cookie(WROTE_COOKIE, default=None, max_age=sticky_seconds()) is not None:
        return True
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and cache.get(_wrote_key(user.pk)))


def replica_available():
    """Whether the replica answers; after a failure it is not tried again for DATABASE_RETRY_AFTER_SECONDS."""
    global _replica_down_until
    if time.monotonic() < _replica_down_until:
        return False
    replica = connections[REPLICA]
    try:
        replica.close_if_health_check_failed()
        replica.ensure_connection()
    except DatabaseError as exc:
        _replica_down_until = time.monotonic() + settings.DATABASE_RETRY_AFTER_SECONDS
        logger.warning("replica unavailable (%s): reads go to the primary for %s s",
                       type(exc).__name__, settings.DATABASE_RETRY_AFTER_SECONDS)
        return False
    return True


def read_alias():
    """The database alias this request's reads of data go to."""
    state = _current.get()
    if state is None or not state.replica_eligible or state.wrote or connections[PRIMARY].in_atomic_block:
        return PRIMARY
    if state.alias is None:
        state.alias = REPLICA if not wrote_recently(state.request) and replica_available() else PRIMARY
    return state.alias


class ReadConnection:
    """`django.db.connection` for raw SQL that reads: the connection `read_alias()` names."""

    def __getattr__(self, name):
        return getattr(connections[read_alias()], name)


read_connection = ReadConnection()


class PrimaryReplicaRouter:
    def db_for_read(self, model, **hints):
        if model._meta.app_label in primary_only_apps():
            return PRIMARY
        return read_alias()

    def db_for_write(self, model, **hints):
        state = _current.get()
        if state is not None and model._meta.app_label not in primary_only_apps():
            state.wrote = True
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        return True  # one database, two copies

    def allow_migrate(self, db, app_label, **hints):
        return db == PRIMARY


def reads_from_replica(request, view_func):
    view_module = getattr(view_func, "view_class", view_func).__module__
    return request.method in READ_METHODS and view_module in replica_view_modules()


class ReplicaReadsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Not reset when the view returns: a streamed body is read after this (request_finished resets it).
        _current.set(RequestReads(request))
        response = self.get_response(request)
        if request.method not in READ_METHODS and request.method != "OPTIONS" and response.status_code < 400:
            remember_write(request, response)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        state = _current.get()
        if state is not None:
            state.replica_eligible = reads_from_replica(request, view_func)


@receiver(request_finished)
def _forget_request(**kwargs):
    _current.set(None)
