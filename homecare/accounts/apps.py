from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "homecare.accounts"
