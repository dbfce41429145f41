from django.apps import AppConfig


class PlatformConfig(AppConfig):
    name = "homecare.platform"
