from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "homecare.reporting"
    verbose_name = "Reporting: KPIs and national returns"
