"""Self-service API tokens: several named tokens per user, stored hashed, each expiring.

Clients send `Authorization: Token <key>` (or HTTP Basic with the key as the password, where offered).
Only a SHA-256 hash of a key is kept. A key made with DRF's authtoken (`manage.py drf_create_token`,
older installations) is turned into a hashed ApiToken the moment it is saved, and its plain row deleted
(`adopt_legacy_key`; migration 0004 did the same for the keys already stored).
"""
import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authentication import TokenAuthentication
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


class ApiTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        token = ApiToken.objects.select_related(*IDENTITY).filter(key_hash=hash_key(key)).first()
        if token is None:
            raise AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise AuthenticationFailed(_("User inactive or deleted."))
        now = timezone.now()
        if token.expires_at <= now:
            raise AuthenticationFailed(_("Token expired."))
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token
