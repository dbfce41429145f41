from django.apps import AppConfig


class PlatformConfig(AppConfig):
    name = "homecare.platform"

    def ready(self) -> None:
        # The tamper-evident audit log hears every simple-history row and every sign-in event.
        from homecare.platform import audit_log

        audit_log.connect_signals()
