"""Organisations, users and roles: who someone is and which organisation's records they may see."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models


class OrganisationType(models.TextChoices):
    COUNCIL = "council", "Council"
    NHS_PARTNER = "nhs_partner", "NHS partner (ICB)"
    PROVIDER = "provider", "Provider"


class Organisation(models.Model):
    name = models.CharField(max_length=200)
    type = models.CharField(max_length=20, choices=OrganisationType.choices)
    ods_code = models.CharField("ODS code", max_length=12, blank=True)
    # An NHS partner jointly commissions with one council, which leads brokerage and recharges it.
    partner_council = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="nhs_partners",
        limit_choices_to={"type": OrganisationType.COUNCIL},
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["type", "name"], name="organisation_unique_name_per_type"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_council(self) -> bool:
        return self.type == OrganisationType.COUNCIL

    @property
    def is_provider(self) -> bool:
        return self.type == OrganisationType.PROVIDER

    @property
    def is_nhs_partner(self) -> bool:
        return self.type == OrganisationType.NHS_PARTNER


class Role(models.TextChoices):
    PRACTITIONER = "practitioner", "Social care practitioner"
    BROKER = "broker", "Broker"
    COMMISSIONER = "commissioner", "Commissioner"
    FINANCE_OFFICER = "finance_officer", "Finance officer"
    SAFEGUARDING_LEAD = "safeguarding_lead", "Safeguarding lead"
    ANALYST = "analyst", "Analyst"
    NHS_PARTNER_OFFICER = "nhs_partner_officer", "NHS partner officer"
    PROVIDER_MANAGER = "provider_manager", "Provider manager"
    CARE_WORKER = "care_worker", "Care worker"
    ADMINISTRATOR = "administrator", "Administrator"


# Which roles an organisation of each type may hold; anything else is refused at save time.
ROLES_BY_ORGANISATION_TYPE: dict[str, frozenset[str]] = {
    OrganisationType.COUNCIL: frozenset(
        {
            Role.PRACTITIONER,
            Role.BROKER,
            Role.COMMISSIONER,
            Role.FINANCE_OFFICER,
            Role.SAFEGUARDING_LEAD,
            Role.ANALYST,
            Role.ADMINISTRATOR,
        }
    ),
    OrganisationType.NHS_PARTNER: frozenset({Role.NHS_PARTNER_OFFICER, Role.ADMINISTRATOR}),
    OrganisationType.PROVIDER: frozenset({Role.PROVIDER_MANAGER, Role.CARE_WORKER, Role.ADMINISTRATOR}),
}


class User(AbstractUser):
    """A person who signs in. Staff always belong to exactly one organisation and hold one role."""

    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    role = models.CharField(max_length=32, choices=Role.choices, blank=True)
    job_title = models.CharField(max_length=120, blank=True)

    objects = UserManager()

    class Meta:
        constraints = [
            # Superusers run the platform and have no organisation; everyone else has both.
            models.CheckConstraint(
                condition=models.Q(is_superuser=True)
                | (models.Q(organisation__isnull=False) & ~models.Q(role="")),
                name="user_has_organisation_and_role",
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username
