"""Login lockout that an attacker cannot turn against a user (docs/security.md "Login lockout").

Two rules, each declared once here:

- **Per username, a back-off across all addresses** (this module, in the shared cache): after
  LOGIN_FAILURE_LIMIT failures for one username, each further attempt waits a delay that doubles from
  LOGIN_BACKOFF_SECONDS up to LOGIN_BACKOFF_MAX_SECONDS. An attempt inside the wait is refused (429) and
  neither counts nor lengthens it. A browser that has logged in as that user before carries a signed
  *known device* cookie and is not subject to the back-off (its own failures are counted per device: after
  LOGIN_FAILURE_LIMIT of them the cookie is no longer trusted), so an attacker guessing from many addresses
  slows down the guessing, never the user at their own browser.
- **Per address, a lock** (django-axes, AXES_LOCKOUT_PARAMETERS = ["ip_address"]): LOGIN_ADDRESS_FAILURE_LIMIT
  failures from one client address, whatever the usernames, lock that address for LOGIN_LOCKOUT_HOURS. The
  address is core/client_address.py's (TRUSTED_PROXY_COUNT). A known device is not locked by its address either.

The username back-off is counted before the password is checked (one Redis script checks the wait and
counts the attempt), so parallel guesses cannot slip in between a check and its count; a success clears it.
"""
from __future__ import annotations

import json
import math
import secrets
import time
import unicodedata
from typing import Any

from django.conf import settings
from django.contrib.auth import user_logged_in, user_login_failed
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.db.models import Max
from django.dispatch import receiver
from django.forms.utils import ErrorDict
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from geo_indi.core.client_address import client_address

KNOWN_DEVICE_COOKIE = "geo_indi_device"
KNOWN_DEVICE_SALT = "geo_indi.accounts.known_device"
# The usernames one browser is known for (a shared office computer): the newest few.
KNOWN_DEVICE_USERNAMES = 5
# A username's failures are forgotten this long after its last attempt.
FORGET_SECONDS = 24 * 3600

# KEYS[1] the username's state; ARGV now, free failures, base delay, max delay, ttl.
# Returns {1, wait set for the next attempt} when this attempt may go on (and is counted), {0, seconds left} if not.
RESERVE_ATTEMPT = """
local key, now = KEYS[1], tonumber(ARGV[1])
local free, base, cap, ttl = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local wait_until = tonumber(redis.call('HGET', key, 'until') or '0')
if now < wait_until then
  return {0, tostring(wait_until - now)}
end
local failures = tonumber(redis.call('HGET', key, 'failures') or '0') + 1
local wait = 0
if failures >= free then
  wait = math.min(base * 2 ^ (failures - free), cap)
end
redis.call('HSET', key, 'failures', failures, 'until', now + wait)
redis.call('EXPIRE', key, math.max(ttl, math.ceil(wait)))
return {1, tostring(wait)}
"""


def normalised_username(username: str) -> str:
    return unicodedata.normalize("NFKC", username).strip().casefold()


def lockout_username(request: HttpRequest, credentials: dict | None = None) -> str:
    """The username failures are counted under: "Admin", "ADMIN " and "admin" are one, whatever login accepts."""
    field = getattr(settings, "AXES_USERNAME_FORM_FIELD", "username")
    return normalised_username((credentials or {}).get(field) or request.POST.get(field) or "")


def _redis():
    backend = getattr(cache, "_cache", None)
    if not hasattr(backend, "get_client"):
        raise RuntimeError("the login back-off needs the shared Redis cache (settings.CACHES)")
    return backend.get_client(None, write=True)


def _username_key(username: str) -> str:
    return cache.make_key(f"login-backoff:{username}")


def _device_key(device: str) -> str:
    return cache.make_key(f"login-device-failures:{device}")


# --- the known device cookie -------------------------------------------------------------------

def _read_device(request: HttpRequest) -> dict[str, Any] | None:
    raw = request.get_signed_cookie(KNOWN_DEVICE_COOKIE, default=None, salt=KNOWN_DEVICE_SALT,
                                    max_age=settings.LOGIN_KNOWN_DEVICE_DAYS * 86400)
    if raw is None:
        return None
    try:
        device = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(device, dict) or not isinstance(device.get("id"), str) or not isinstance(device.get("u"), list):
        return None
    return device


def known_device(request: HttpRequest, username: str) -> str | None:
    """The id of this browser's known-device cookie if it logged in as `username` before and has not failed
    LOGIN_FAILURE_LIMIT times since; else None."""
    device = _read_device(request)
    if device is None or username not in device["u"]:
        return None
    failures = int(_redis().get(_device_key(device["id"])) or 0)
    return device["id"] if failures < settings.LOGIN_FAILURE_LIMIT else None


def is_known_device(request: HttpRequest, credentials: dict | None = None) -> bool:
    """django-axes' AXES_WHITELIST_CALLABLE: a known device is not locked (nor counted) by its address."""
    return known_device(request, lockout_username(request, credentials)) is not None


# --- the username back-off -------------------------------------------------------------------------

def reserve_attempt(username: str, now: float | None = None) -> float | None:
    """Count one login attempt for `username` unless it falls inside the back-off: None when it may go on,
    else the seconds still to wait (nothing counted)."""
    allowed, wait = _redis().eval(
        RESERVE_ATTEMPT, 1, _username_key(username), time.time() if now is None else now,
        settings.LOGIN_FAILURE_LIMIT, settings.LOGIN_BACKOFF_SECONDS, settings.LOGIN_BACKOFF_MAX_SECONDS,
        FORGET_SECONDS)
    return None if int(allowed) else float(wait)


def clear_backoff(username: str) -> None:
    _redis().delete(_username_key(username))


class UsernameBackoffBackend:
    """First in AUTHENTICATION_BACKENDS after django-axes: refuses an attempt inside its username's wait.

    The refusal is flagged as django-axes' own (request.axes_locked_out), so django-axes does not count it at the
    address either and its middleware answers with `locked_out` below. It has no get_user: it never logs anyone in
    (and the test client's force_login picks the first backend that has one)."""

    def authenticate(self, request: HttpRequest | None, username: str | None = None, password: str | None = None,
                     **kwargs: Any) -> None:
        if request is None or not getattr(settings, "AXES_ENABLED", True) or username is None:
            return None
        name = normalised_username(username)
        device = known_device(request, name)
        request.login_device = device  # type: ignore[attr-defined]
        if device is not None:
            return None
        wait = reserve_attempt(name)
        if wait is None:
            return None
        request.login_retry_after = wait  # type: ignore[attr-defined]
        request.axes_locked_out = True  # type: ignore[attr-defined]
        raise PermissionDenied("inside the username's login back-off")


@receiver(user_login_failed, dispatch_uid="geo_indi.accounts.lockout.failed")
def _count_device_failure(sender: Any, credentials: dict, request: HttpRequest | None = None, **kwargs: Any) -> None:
    device = getattr(request, "login_device", None)
    if device is not None and not getattr(request, "axes_locked_out", False):
        client = _redis()
        key = _device_key(device)
        client.incr(key)
        client.expire(key, settings.LOGIN_KNOWN_DEVICE_DAYS * 86400)


@receiver(user_logged_in, dispatch_uid="geo_indi.accounts.lockout.logged_in")
def _remember_device(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is None or not getattr(settings, "AXES_ENABLED", True):
        return
    name = normalised_username(user.get_username())
    device = getattr(request, "login_device", None)
    if device is None:
        clear_backoff(name)  # the attempt was counted before the password was checked
    previous = _read_device(request) or {}
    device_id = previous.get("id") or secrets.token_urlsafe(16)
    _redis().delete(_device_key(device_id))
    usernames = [name] + [u for u in previous.get("u", []) if u != name]
    request.known_device_cookie = json.dumps(  # type: ignore[attr-defined]
        {"id": device_id, "u": usernames[:KNOWN_DEVICE_USERNAMES]})


class KnownDeviceMiddleware:
    """Gives a browser that has just logged in its signed known-device cookie."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        value = getattr(request, "known_device_cookie", None)
        if value is not None:
            response.set_signed_cookie(
                KNOWN_DEVICE_COOKIE, value, salt=KNOWN_DEVICE_SALT, max_age=settings.LOGIN_KNOWN_DEVICE_DAYS * 86400,
                secure=settings.SESSION_COOKIE_SECURE, httponly=True, samesite="Lax")
        return response


# --- what a refused person sees ---------------------------------------------------------------------

def _address_lock_seconds(request: HttpRequest) -> float | None:
    """Seconds until this address's django-axes lock ends (None: until an administrator unlocks it)."""
    from axes.models import AccessAttempt

    if not settings.AXES_COOLOFF_TIME:
        return None
    last = AccessAttempt.objects.filter(ip_address=client_address(request)).aggregate(at=Max("attempt_time"))["at"]
    if last is None:
        return 0.0
    ends = last + timezone.timedelta(hours=settings.AXES_COOLOFF_TIME)
    return max((ends - timezone.now()).total_seconds(), 0.0)


def locked_out(request: HttpRequest, original_response: HttpResponse | None = None,
               credentials: dict | None = None) -> HttpResponse:
    """The answer to a refused login (username back-off or address lock): the login page, 429, saying when to
    retry (rounded up to the minute, so the time shown is never too early) and a Retry-After header."""
    wait = getattr(request, "login_retry_after", None)
    if wait is None:
        wait = _address_lock_seconds(request)
    if wait is None:
        message = _("Too many failed login attempts from this address. Ask an administrator to unlock it.")
    else:
        retry_at = timezone.localtime(timezone.now() + timezone.timedelta(seconds=wait))
        if retry_at.second or retry_at.microsecond:
            retry_at = retry_at.replace(second=0, microsecond=0) + timezone.timedelta(minutes=1)
        same_day = retry_at.date() == timezone.localdate()
        shown = formats.time_format(retry_at) if same_day else formats.date_format(retry_at, "SHORT_DATETIME_FORMAT")
        message = _("Too many failed login attempts. Try again at %(time)s.") % {"time": shown}
    # An unbound form with the message as its error: a bound one would authenticate again to find its errors.
    form = AuthenticationForm(request, initial={"username": request.POST.get("username", "")})
    form._errors = ErrorDict({NON_FIELD_ERRORS: form.error_class([message], error_class="nonfield")})
    response = render(request, "registration/login.html", {"form": form, "next": request.POST.get("next", "")},
                      status=429)
    if wait is not None:
        response["Retry-After"] = str(max(1, math.ceil(wait)))
    return response
