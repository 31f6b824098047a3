"""Rate limits: one mechanism, DRF throttles, for the REST API, layer downloads and OGC API.

A view names its scope with `throttle_scope` ("api" by default, "downloads", "ogc");
anonymous callers are counted per IP address, signed-in ones per user, each against
settings.THROTTLE_RATES["<scope>_anon" | "<scope>_user"]. Rates are read on every
request, so settings (and tests) can change them; an empty rate switches a scope off.

Counted in the shared cache (Redis, settings.CACHES), so a limit holds across every server process.
DRF's own check reads the history, then writes it back: two processes that read at once both
let a request through. Here the check and the count are one Redis script (a sliding window kept
as a sorted set of request times), so N per period is N, whatever the number of workers.
"""
import functools
import math
import uuid
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from rest_framework.throttling import SimpleRateThrottle

from .errors import RequestError

DEFAULT_SCOPE = "api"

# KEYS[1] the caller's window; ARGV now, period (s), limit, a unique member. Returns {allowed, seconds to wait}.
SLIDING_WINDOW = """
local key, now, period, limit = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - period)
if redis.call('ZCARD', key) < limit then
  redis.call('ZADD', key, now, ARGV[4])
  redis.call('PEXPIRE', key, math.ceil(period * 1000))
  return {1, '0'}
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return {0, tostring(tonumber(oldest[2]) + period - now)}
"""


def _redis_client(key):
    """The Redis client behind Django's cache, or None with another cache backend."""
    backend = getattr(cache, "_cache", None)
    return backend.get_client(key, write=True) if hasattr(backend, "get_client") else None


class RequestThrottle(SimpleRateThrottle):
    def __init__(self):
        pass  # the rate depends on the caller and the view, so it is chosen in allow_request

    def allow_request(self, request, view):
        user = getattr(request, "user", None)
        kind = "user" if user is not None and user.is_authenticated else "anon"
        self.scope = f"{getattr(view, 'throttle_scope', None) or DEFAULT_SCOPE}_{kind}"
        self.rate = settings.THROTTLE_RATES.get(self.scope) or None
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        key = self.get_cache_key(request, view)
        client = _redis_client(key)
        if client is None:
            return super().allow_request(request, view)
        self.now = self.timer()
        allowed, wait = client.eval(SLIDING_WINDOW, 1, cache.make_key(key), self.now, self.duration,
                                    self.num_requests, f"{self.now}:{uuid.uuid4().hex}")
        self._wait = float(wait)
        return bool(allowed)

    def wait(self):
        if hasattr(self, "_wait"):
            return self._wait
        return super().wait()

    def get_cache_key(self, request, view):
        user = request.user
        ident = f"user-{user.pk}" if user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


def throttled(scope: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """A plain Django view counted under `scope` by the same RequestThrottle (and shared cache) as the API: over the
    rate it raises a 429 RequestError with Retry-After, in the client's shape (core/errors.py), before the view runs
    (so a refused request writes nothing)."""

    view_scope = SimpleNamespace(throttle_scope=scope)

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def counted(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            throttle = RequestThrottle()
            if not throttle.allow_request(request, view_scope):
                seconds = max(1, math.ceil(throttle.wait() or 1))
                raise RequestError(_("Too many requests. Try again in %(seconds)d seconds.") % {"seconds": seconds},
                                   status=429, headers={"Retry-After": str(seconds)})
            return view(request, *args, **kwargs)

        return counted

    return decorate
