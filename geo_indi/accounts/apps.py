from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "geo_indi.accounts"
    label = "accounts"
    verbose_name = _("Accounts and organisations")

    def ready(self):
        from django.db.models.signals import post_save
        from rest_framework.authtoken.models import Token

        from . import lockout  # noqa: F401  (its signal receivers: the login back-off and known devices)
        from .tokens import adopt_saved_legacy_key

        # No key is ever stored in plain text: one made with DRF's authtoken becomes a hashed ApiToken at once.
        post_save.connect(adopt_saved_legacy_key, sender=Token, dispatch_uid="accounts.adopt_legacy_key")
