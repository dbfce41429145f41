from django.apps import AppConfig


class MarketConfig(AppConfig):
    name = "homecare.market"
    verbose_name = "Market oversight"
