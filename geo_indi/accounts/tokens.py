"""Self-service API tokens: several named tokens per user, stored hashed, each expiring.

Clients send `Authorization: Token <key>`, or, on the GIS endpoints (/ogcapi/, /api/layers/: QGIS has no way to
send a Token header), HTTP Basic with their username and the key as the password (`ApiTokenBasicAuthentication`,
refused over plain HTTP in production unless GEO_INDI_BASIC_AUTH_OVER_HTTP).
Only a SHA-256 hash of a key is kept. A key made with DRF's authtoken (`manage.py drf_create_token`,
older installations) is turned into a hashed ApiToken the moment it is saved, and its plain row deleted
(`adopt_legacy_key`; migration 0004 did the same for the keys already stored).
"""
import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BasicAuthentication, TokenAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from geo_indi.audit.services import Action, audit_record

from . import roles
from .models import ApiToken, token_expiry

# Writing "last used" on every request would turn each read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


LEGACY_TOKEN_NAME = "authtoken"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user, name: str) -> tuple[ApiToken, str]:
    """Make a token; returns (token, key). The key exists only in this return value."""
    key = secrets.token_hex(20)
    token = ApiToken.objects.create(user=user, name=name.strip(), key_prefix=key[:8], key_hash=hash_key(key))
    audit_record(Action.TOKEN_CREATED, actor=user, obj=token, detail={"name": token.name, "prefix": token.key_prefix})
    return token, key


@transaction.atomic
def api_token_revoke(*, token, by):
    audit_record(
        Action.TOKEN_REVOKED, actor=by, obj=token,
        detail={"name": token.name, "prefix": token.key_prefix, "owner_id": token.user_id},
    )
    token.delete()


IDENTITY = ("user", *(f"user__{path}" for path in roles.MEMBERSHIP_RELATED))


def adopt_legacy_key(*, user_id: int, key: str, token_model=ApiToken) -> None:
    """A DRF authtoken key kept as its hash only (same key, same owner), expiring a lifetime from now."""
    token_model.objects.get_or_create(key_hash=hash_key(key), defaults={
        "user_id": user_id, "name": LEGACY_TOKEN_NAME, "key_prefix": key[:8],
        "expires_at": token_expiry(),
    })


def adopt_saved_legacy_key(sender, instance, created: bool, **kwargs) -> None:
    """post_save of rest_framework.authtoken's Token: the plain key is hashed into an ApiToken and its row deleted."""
    adopt_legacy_key(user_id=instance.user_id, key=instance.key)
    sender.objects.filter(pk=instance.pk).delete()


def token_of_key(key: str, *, username: str | None = None) -> ApiToken:
    """The live token of a key (and of that user, when named); AuthenticationFailed otherwise.
    Marks it used at most once per LAST_USED_RESOLUTION."""
    token = ApiToken.objects.select_related(*IDENTITY).filter(key_hash=hash_key(key)).first()
    if token is None or (username is not None and token.user.get_username() != username):
        raise AuthenticationFailed(_("Invalid token.") if username is None else _("Invalid username or token."))
    if not token.user.is_active:
        raise AuthenticationFailed(_("User inactive or deleted."))
    now = timezone.now()
    if token.expires_at <= now:
        raise AuthenticationFailed(_("Token expired."))
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


class ApiTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        token = token_of_key(key)
        return token.user, token


BASIC_REALM = "geo_indi"


class ApiTokenBasicAuthentication(BasicAuthentication):
    """HTTP Basic with the username and an API token as the password (never the account's password:
    a token is scoped, expires and can be revoked). Only over HTTPS unless DEBUG or
    GEO_INDI_BASIC_AUTH_OVER_HTTP."""

    www_authenticate_realm = BASIC_REALM

    def authenticate(self, request):
        if not self.sent(request):
            return None
        if not (request.is_secure() or settings.DEBUG or settings.GEO_INDI_BASIC_AUTH_OVER_HTTP):
            raise AuthenticationFailed(_("HTTP Basic authentication is accepted only over HTTPS."))
        return super().authenticate(request)

    @staticmethod
    def sent(request) -> bool:
        auth = get_authorization_header(request).split()
        return bool(auth) and auth[0].lower() == b"basic"

    def authenticate_credentials(self, userid, password, request=None):
        token = token_of_key(password, username=userid)
        return token.user, token


class ApiTokenBasicScheme(OpenApiAuthenticationExtension):
    """The layer downloads' OpenAPI (/api/schema/) names Basic with a token (drf-spectacular registers it)."""

    target_class = ApiTokenBasicAuthentication
    name = "basicToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "basic",
                "description": "Username and an API token as the password (QGIS: Basic authentication)."}


class GISAuthenticationMixin:
    """The project's authentication classes (REST_FRAMEWORK) and HTTP Basic with a token, for the endpoints
    GIS clients read. A failed Basic login is challenged with Basic (QGIS's auth method), any other with the
    first class's challenge."""

    def get_authenticators(self):
        return [*super().get_authenticators(), ApiTokenBasicAuthentication()]  # type: ignore[misc]

    def get_authenticate_header(self, request):
        if ApiTokenBasicAuthentication.sent(request):
            return ApiTokenBasicAuthentication().authenticate_header(request)
        return super().get_authenticate_header(request)  # type: ignore[misc]
