from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "homecare.outcomes"
    verbose_name = "Outcome-based homecare"
