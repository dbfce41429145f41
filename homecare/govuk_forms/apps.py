from django.apps import AppConfig


class GovukFormsConfig(AppConfig):
    name = "homecare.govuk_forms"
