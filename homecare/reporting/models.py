"""Reporting's own tables: monthly aggregates, stored KPI values and officers' comments.

Reporting reads every other domain and writes only here (ARCHITECTURE.md). The aggregates are derived
data: the refresh job (services.aggregates_refresh) replaces a council's rows for the months it
recomputes, and `AggregateRefresh` records each run. Comments are evidence of what an officer told the
committee, so they are append-only: an amendment is a new row pointing at the one it replaces.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from homecare.accounts.models import Organisation
from homecare.platform.append_only import AppendOnly


class MonthlyVisitAggregate(models.Model):
    """Call monitoring for one council × provider × funding stream × London month, as counts and sums.

    Additive (every KPI over visits is a ratio of sums of these), so a provider's figures, the NHS
    partner's (NHS-funded rows) and the council's are sums over rows. Continuity is counted per person
    within one provider and one funding stream (see kpis/visits.py), so it adds up the same way.
    """

    council = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    provider = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    nhs_funded = models.BooleanField()
    month = models.DateField(help_text="The 1st of the London month")
    visits = models.PositiveIntegerField(default=0)
    due = models.PositiveIntegerField(default=0, help_text="Completed, missed, in progress or late")
    completed = models.PositiveIntegerField(default=0)
    missed = models.PositiveIntegerField(default=0)
    cancelled = models.PositiveIntegerField(default=0)
    late_arrivals = models.PositiveIntegerField(default=0, help_text="Completed, checked in after late_at")
    planned_minutes_completed = models.PositiveBigIntegerField(default=0)
    delivered_minutes = models.PositiveBigIntegerField(default=0)
    attendances = models.PositiveIntegerField(default=0, help_text="Care-worker slots on completed visits")
    regular_attendances = models.PositiveIntegerField(default=0)
    refreshed_at = models.DateTimeField()

    class Meta:
        ordering = ["council", "month", "provider"]
        constraints = [
            models.UniqueConstraint(
                fields=["council", "provider", "nhs_funded", "month"],
                name="visit_aggregate_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"Visits {self.council_id}/{self.provider_id}/{self.month:%Y-%m}"


class KpiValue(models.Model):
    """One KPI for one population (the council, the NHS partner's share, one provider) in one month."""

    council = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    population = models.CharField(max_length=30, help_text='"council", "nhs" or "provider-<id>"')
    kpi = models.CharField(max_length=50)
    month = models.DateField(help_text="The 1st of the London month")
    numerator = models.DecimalField(max_digits=16, decimal_places=2, null=True)
    denominator = models.DecimalField(max_digits=16, decimal_places=2, null=True)
    value = models.DecimalField(max_digits=12, decimal_places=1, null=True)
    refreshed_at = models.DateTimeField()

    class Meta:
        ordering = ["council", "population", "kpi", "month"]
        constraints = [
            models.UniqueConstraint(
                fields=["council", "population", "kpi", "month"], name="kpi_value_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kpi} {self.population} {self.month:%Y-%m}: {self.value}"


class AggregateRefresh(models.Model):
    """A run of the refresh job: when, for which months, who asked (blank for the schedule), how long."""

    council = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    first_month = models.DateField()
    last_month = models.DateField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    visit_rows = models.PositiveIntegerField()
    kpi_values = models.PositiveIntegerField()

    class Meta:
        ordering = ["-finished_at", "-id"]
        get_latest_by = "finished_at"

    def __str__(self) -> str:
        return f"Refresh {self.council_id} at {self.finished_at:%Y-%m-%d %H:%M}"


class KpiComment(AppendOnly):
    """The officer's comment on a KPI for a month, as shown to the committee. Never edited: an amendment
    is a new row that `supersedes` the old one and says why."""

    council = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    kpi = models.CharField(max_length=50)
    month = models.DateField(help_text="The 1st of the London month commented on")
    text = models.TextField()
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField()
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    amendment_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["council", "kpi", "month", "written_at", "id"]
        indexes = [models.Index(fields=["council", "month", "kpi"], name="kpi_comment_month")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(supersedes__isnull=True) | ~models.Q(amendment_reason=""),
                name="kpi_comment_amendment_has_reason",
            ),
            # One first comment per KPI and month; later ones amend it (a chain through `supersedes`), so
            # two officers commenting at once cannot both be "the" comment.
            models.UniqueConstraint(
                fields=["council", "kpi", "month"],
                condition=models.Q(supersedes__isnull=True),
                name="kpi_comment_one_original",
            ),
        ]

    def __str__(self) -> str:
        return f"Comment on {self.kpi} {self.month:%Y-%m}"
