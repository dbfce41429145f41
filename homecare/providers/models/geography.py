"""Provider framework geography. Zones are the council's neighbourhoods that lots and providers cover."""

from __future__ import annotations

from django.db import models

from homecare.accounts.models import Organisation


class AreaType(models.TextChoices):
    URBAN = "urban", "Urban"
    RURAL = "rural", "Rural"


class Zone(models.Model):
    council = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="zones")
    code = models.CharField(max_length=20)
    name = models.CharField(max_length=120)
    area_type = models.CharField(max_length=10, choices=AreaType.choices)

    class Meta:
        app_label = "providers"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["council", "code"], name="zone_unique_code_per_council"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_area_type_display().lower()})"
