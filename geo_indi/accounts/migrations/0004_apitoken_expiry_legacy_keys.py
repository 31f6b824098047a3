"""API tokens expire; DRF authtoken keys stored in plain text become hashed ApiTokens and their rows go."""
from django.db import migrations, models

import geo_indi.accounts.models


def expire_and_adopt(apps, schema_editor):
    from geo_indi.accounts.tokens import adopt_legacy_key

    ApiToken = apps.get_model("accounts", "ApiToken")
    Token = apps.get_model("authtoken", "Token")
    # Tokens made before expiry existed: a lifetime from now, so that no client stops working during the upgrade.
    ApiToken.objects.filter(expires_at__isnull=True).update(expires_at=geo_indi.accounts.models.token_expiry())
    for legacy in Token.objects.all():
        adopt_legacy_key(user_id=legacy.user_id, key=legacy.key, token_model=ApiToken)
    Token.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_verbose_names"),
        ("authtoken", "0004_alter_tokenproxy_options"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken", name="expires_at",
            field=models.DateTimeField(null=True, verbose_name="expires"),
        ),
        migrations.RunPython(expire_and_adopt, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="apitoken", name="expires_at",
            field=models.DateTimeField(default=geo_indi.accounts.models.token_expiry, verbose_name="expires"),
        ),
    ]
