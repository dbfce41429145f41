from django.apps import AppConfig


class VisitsConfig(AppConfig):
    name = "homecare.visits"
