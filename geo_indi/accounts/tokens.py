"""Self-service API tokens: several named tokens per user, stored hashed.

Clients send `Authorization: Token <key>` as before. Keys made by administrators in
the admin with DRF's authtoken (one per user, stored as is) keep working.
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
from .models import ApiToken

# Writing "last used" on every request would turn each read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_key(key):
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user, name):
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


class ApiTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        token = ApiToken.objects.select_related(*IDENTITY).filter(key_hash=hash_key(key)).first()
        if token is None:
            return self._authenticate_admin_key(key)
        if not token.user.is_active:
            raise AuthenticationFailed(_("User inactive or deleted."))
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def _authenticate_admin_key(self, key):
        """A key made by an administrator with DRF's authtoken (stored as is), identity in the same query."""
        token = self.get_model().objects.select_related(*IDENTITY).filter(key=key).first()
        if token is None:
            raise AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise AuthenticationFailed(_("User inactive or deleted."))
        return token.user, token
