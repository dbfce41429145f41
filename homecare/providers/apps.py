from django.apps import AppConfig


class ProvidersConfig(AppConfig):
    name = "homecare.providers"
