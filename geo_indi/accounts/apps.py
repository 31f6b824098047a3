from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "geo_indi.accounts"
    label = "accounts"
