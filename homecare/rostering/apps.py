from django.apps import AppConfig


class RosteringConfig(AppConfig):
    name = "homecare.rostering"
    verbose_name = "Rota planner"
