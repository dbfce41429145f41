from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "homecare.quality"
    verbose_name = "Quality, complaints and safeguarding"
