from django.apps import AppConfig


class RecordsConfig(AppConfig):
    """Information governance: subject access exports, retention and approved disposal (ADR 0009)."""

    name = "homecare.records"
    verbose_name = "Records"
