"""Rate limits: one mechanism, DRF throttles, for the REST API, layer downloads and OGC API.

A view names its scope with `throttle_scope` ("api" by default, "downloads", "ogc");
anonymous callers are counted per IP address, signed-in ones per user, each against
settings.THROTTLE_RATES["<scope>_anon" | "<scope>_user"]. Rates are read on every
request, so settings (and tests) can change them; an empty rate switches a scope off.
"""
import math
from types import SimpleNamespace

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

DEFAULT_SCOPE = "api"


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
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        user = request.user
        ident = f"user-{user.pk}" if user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


def seconds_to_wait(request, scope):
    """For views outside DRF: None if the request may go on, else whole seconds until it may."""
    throttle = RequestThrottle()
    if throttle.allow_request(request, SimpleNamespace(throttle_scope=scope)):
        return None
    return max(1, math.ceil(throttle.wait() or 1))
