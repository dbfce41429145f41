"""Safeguarding (Care Act 2014 s42): concerns, enquiries, escalations, pattern alerts and case audits.

A concern is raised (care worker's phone, provider, council staff, or a council officer recording the
public's call), triaged, and then the council decides whether the s42(1) duty applies: the adult (a) has
care and support needs, (b) is experiencing or at risk of abuse or neglect, (c) as a result of those
needs cannot protect themselves. If it does (or the council chooses a non-statutory enquiry), an
`Enquiry` runs: planning → enquiry → outcome → closure; otherwise it is "managed outside safeguarding"
with a reason. Making Safeguarding Personal (MSP) answers are required at the stage they belong to (the
services enforce it). A person who still feels unsafe at closure gets a `SafeguardingEscalation` to a
principal manager, which only closes with a recorded decision (the database enforces that too). Case
audits of concluded cases are in audits.py.

Visibility (ADR 0008): the council's safeguarding leads, and the practitioners involved in a case;
providers see only the summary shared with them (or concerns their own staff raised); nobody else.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from homecare.accounts.models import Organisation
from homecare.people.models import Person
from homecare.platform.append_only import AppendOnly

__all__ = [
    "AbuseType",
    "ConcernAbuseType",
    "ConcernSource",
    "ConcernStatus",
    "ConcernStatusChange",
    "Conclusion",
    "Enquiry",
    "EnquiryType",
    "EscalationDecision",
    "FeelsSafe",
    "ManagerLevel",
    "MspAchieved",
    "MspAsked",
    "OPEN_CONCERN_STATUSES",
    "OutsideRoute",
    "PatternAlert",
    "PatternSubject",
    "RiskOutcome",
    "SafeguardingConcern",
    "SafeguardingEscalation",
    "SafeguardingManager",
    "Urgency",
]

_USER = settings.AUTH_USER_MODEL


class ConcernSource(models.TextChoices):
    CARE_WORKER = "care_worker", "Care worker (from the visit)"
    PROVIDER = "provider", "Provider"
    COUNCIL_STAFF = "council_staff", "Council staff"
    PUBLIC = "public", "Member of the public (recorded by a council officer)"


class ConcernStatus(models.TextChoices):
    NEW = "new", "Awaiting triage"
    TRIAGED = "triaged", "Triaged, awaiting s42 decision"
    PLANNING = "planning", "Enquiry planning"
    ENQUIRY = "enquiry", "Enquiry under way"
    OUTCOME = "outcome", "Outcome recorded, awaiting closure"
    CLOSED = "closed", "Closed"
    MANAGED_OUTSIDE = "managed_outside", "Managed outside safeguarding"


OPEN_CONCERN_STATUSES = (
    ConcernStatus.NEW,
    ConcernStatus.TRIAGED,
    ConcernStatus.PLANNING,
    ConcernStatus.ENQUIRY,
    ConcernStatus.OUTCOME,
)


class Urgency(models.TextChoices):
    IMMEDIATE = "immediate", "Immediate risk: act today"
    HIGH = "high", "Within 24 hours"
    ROUTINE = "routine", "Routine"


class AbuseType(models.TextChoices):
    """The Safeguarding Adults Collection's types of abuse."""

    PHYSICAL = "physical", "Physical abuse"
    SEXUAL = "sexual", "Sexual abuse"
    PSYCHOLOGICAL = "psychological", "Psychological abuse"
    FINANCIAL = "financial", "Financial or material abuse"
    DISCRIMINATORY = "discriminatory", "Discriminatory abuse"
    ORGANISATIONAL = "organisational", "Organisational abuse"
    NEGLECT = "neglect", "Neglect and acts of omission"
    DOMESTIC = "domestic", "Domestic abuse"
    SEXUAL_EXPLOITATION = "sexual_exploitation", "Sexual exploitation"
    MODERN_SLAVERY = "modern_slavery", "Modern slavery"
    SELF_NEGLECT = "self_neglect", "Self-neglect"


class EnquiryType(models.TextChoices):
    S42 = "s42", "Section 42 enquiry (statutory)"
    OTHER = "other", "Other safeguarding enquiry (non-statutory)"


class OutsideRoute(models.TextChoices):
    CARE_REVIEW = "care_review", "Care and support review"
    PROVIDER_QUALITY = "provider_quality", "Provider quality and contract monitoring"
    COMPLAINT = "complaint", "Complaints process"
    HEALTH = "health", "Health services"
    POLICE = "police", "Police"
    ADVICE = "advice", "Information, advice or signposting"
    OTHER = "other", "Other"


class MspAsked(models.TextChoices):
    EXPRESSED = "expressed", "Yes, asked: desired outcomes expressed"
    NONE_EXPRESSED = "none_expressed", "Yes, asked: no outcomes expressed"
    NOT_ASKED = "not_asked", "Not asked"


class MspAchieved(models.TextChoices):
    FULLY = "fully", "Fully achieved"
    PARTIALLY = "partially", "Partially achieved"
    NOT = "not", "Not achieved"
    DONT_KNOW = "dont_know", "Don't know"


class FeelsSafe(models.TextChoices):
    SAFE = "safe", "Safe"
    FAIRLY_SAFE = "fairly_safe", "Fairly safe"
    NO_DIFFERENCE = "no_difference", "No difference"
    UNSAFE = "unsafe", "Unsafe"
    NOT_KNOWN = "not_known", "Not known"


class RiskOutcome(models.TextChoices):
    REMOVED = "removed", "Risk removed"
    REDUCED = "reduced", "Risk reduced"
    REMAINS = "remains", "Risk remains"


class Conclusion(models.TextChoices):
    SUBSTANTIATED = "substantiated", "Substantiated"
    PARTLY = "partly", "Partly substantiated"
    NOT_SUBSTANTIATED = "not_substantiated", "Not substantiated"
    INCONCLUSIVE = "inconclusive", "Inconclusive"


class SafeguardingConcern(models.Model):
    council = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="safeguarding_concerns")
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="safeguarding_concerns"
    )
    adult_details = models.TextField(
        "details of the adult", blank=True, help_text="Name, address and age when not known to the council"
    )
    provider = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="safeguarding_concerns_about",
        limit_choices_to={"type": "provider"},
        help_text="The provider involved (where the concern arose, or the alleged source of risk)",
    )
    source = models.CharField(max_length=16, choices=ConcernSource.choices)
    raised_by = models.ForeignKey(_USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    raised_by_organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    raiser_name = models.CharField(max_length=200, blank=True)
    raiser_contact = models.CharField(max_length=200, blank=True)
    raised_at = models.DateTimeField()
    recorded_by = models.ForeignKey(_USER, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()
    visit = models.ForeignKey(
        "visits.Visit", null=True, blank=True, on_delete=models.PROTECT, related_name="safeguarding_concerns"
    )
    # The care worker's "concern" call event this was raised from: one concern per event, even when the
    # phone resends it.
    call_event = models.OneToOneField(
        "visits.CallEvent",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="safeguarding_concern",
    )
    description = models.TextField()
    immediate_action = models.TextField("action already taken to make the person safe", blank=True)
    # Cached from the latest status row by the services; never set by hand.
    status = models.CharField(max_length=16, choices=ConcernStatus.choices, default=ConcernStatus.NEW)
    urgency = models.CharField(max_length=10, choices=Urgency.choices, blank=True)
    triage_note = models.TextField(blank=True)
    triaged_at = models.DateTimeField(null=True, blank=True)
    triaged_by = models.ForeignKey(_USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    team_manager = models.ForeignKey(_USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    allocated_worker = models.ForeignKey(
        _USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The s42(1) three-part test and the decision on it.
    care_and_support_needs = models.BooleanField(null=True, blank=True)
    experiencing_abuse_or_risk = models.BooleanField(null=True, blank=True)
    unable_to_protect = models.BooleanField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(_USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    outside_route = models.CharField(max_length=20, choices=OutsideRoute.choices, blank=True)
    outside_reason = models.TextField(blank=True)
    # What the provider involved may see: a summary written for them, never the council's case notes.
    shared_with_provider = models.BooleanField(default=False)
    provider_summary = models.TextField(blank=True)
    shared_at = models.DateTimeField(null=True, blank=True)
    shared_by = models.ForeignKey(_USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    history = HistoricalRecords()

    class Meta:
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(shared_with_provider=True)
                | (models.Q(provider__isnull=False) & ~models.Q(provider_summary="")),
                name="concern_shared_has_provider_and_summary",
            ),
        ]
        indexes = [
            models.Index(fields=["council", "status"], name="concern_council_status"),
            models.Index(fields=["council", "raised_at"], name="concern_council_raised"),
            models.Index(fields=["provider", "raised_at"], name="concern_provider_raised"),
            models.Index(fields=["person", "raised_at"], name="concern_person_raised"),
        ]

    def __str__(self) -> str:
        return f"Safeguarding concern {self.reference}"

    @property
    def reference(self) -> str:
        return f"SG{self.pk:06d}" if self.pk else "SG (new)"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_CONCERN_STATUSES

    @property
    def s42_test_met(self) -> bool:
        return bool(
            self.care_and_support_needs and self.experiencing_abuse_or_risk and self.unable_to_protect
        )

    @property
    def adult_label(self) -> str:
        if self.person_id:
            return self.person.full_name
        return (self.adult_details or "Adult not identified").splitlines()[0][:80]


class ConcernAbuseType(models.Model):
    concern = models.ForeignKey(SafeguardingConcern, on_delete=models.CASCADE, related_name="abuse_types")
    abuse_type = models.CharField(max_length=20, choices=AbuseType.choices)

    class Meta:
        ordering = ["abuse_type"]
        constraints = [
            models.UniqueConstraint(fields=["concern", "abuse_type"], name="concern_abuse_type_once"),
        ]
        indexes = [models.Index(fields=["abuse_type", "concern"], name="concern_abuse_type_lookup")]

    def __str__(self) -> str:
        return self.get_abuse_type_display()


class Enquiry(models.Model):
    """The enquiry that follows a decision to make one: planning, enquiry, outcome and closure, with the
    Making Safeguarding Personal answers at the stage each belongs to."""

    concern = models.OneToOneField(SafeguardingConcern, on_delete=models.PROTECT, related_name="enquiry")
    enquiry_type = models.CharField(max_length=8, choices=EnquiryType.choices)
    opened_at = models.DateTimeField()
    enquiry_officer = models.ForeignKey(
        _USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    plan = models.TextField("enquiry plan", blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    msp_asked = models.CharField(
        "person asked about their desired outcomes", max_length=16, choices=MspAsked.choices, blank=True
    )
    msp_outcomes_expressed = models.TextField("desired outcomes, in the person's words", blank=True)
    msp_not_asked_reason = models.TextField("why the person was not asked", blank=True)
    findings = models.TextField(blank=True)
    conclusion = models.CharField(max_length=20, choices=Conclusion.choices, blank=True)
    risk_outcome = models.CharField(max_length=10, choices=RiskOutcome.choices, blank=True)
    msp_achieved = models.CharField(
        "desired outcomes achieved", max_length=10, choices=MspAchieved.choices, blank=True
    )
    outcome_at = models.DateTimeField(null=True, blank=True)
    outcome_by = models.ForeignKey(_USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    msp_feels_safe = models.CharField(
        "how safe the person feels now", max_length=14, choices=FeelsSafe.choices, blank=True
    )
    closure_summary = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(_USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "enquiries"

    def __str__(self) -> str:
        return f"Enquiry for {self.concern}"


class ConcernStatusChange(AppendOnly):
    concern = models.ForeignKey(SafeguardingConcern, on_delete=models.PROTECT, related_name="status_changes")
    from_status = models.CharField(max_length=16, choices=ConcernStatus.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=ConcernStatus.choices)
    at = models.DateTimeField()
    by = models.ForeignKey(_USER, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.concern}: {self.from_status or 'new'} → {self.to_status}"


class ManagerLevel(models.TextChoices):
    TEAM_MANAGER = "team_manager", "Team manager"
    PRINCIPAL_MANAGER = "principal_manager", "Principal manager"


class SafeguardingManager(models.Model):
    """A safeguarding lead designated as a team manager (gets pattern alerts) or principal manager
    (gets "unsafe" escalations and the monthly audit sample). Ended designations are kept."""

    council = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(_USER, on_delete=models.PROTECT, related_name="safeguarding_designations")
    level = models.CharField(max_length=20, choices=ManagerLevel.choices)
    designated_by = models.ForeignKey(_USER, on_delete=models.PROTECT, related_name="+")
    designated_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(_USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["level", "user__last_name", "user__first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "level"],
                condition=models.Q(ended_at__isnull=True),
                name="safeguarding_manager_once_per_level",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_level_display().lower()})"


class EscalationDecision(models.TextChoices):
    REOPEN = "reopen", "Reopen the enquiry"
    PROTECTION_PLAN = "protection_plan", "Continue support under a protection plan"
    REFER = "refer", "Refer to another agency (police, health, housing)"
    NO_FURTHER_ACTION = "no_further_action", "No further safeguarding action (with rationale)"


class SafeguardingEscalation(models.Model):
    """A person said they feel unsafe at closure: a principal manager must record a decision."""

    concern = models.ForeignKey(SafeguardingConcern, on_delete=models.PROTECT, related_name="escalations")
    council = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=300)
    raised_at = models.DateTimeField()
    assigned_to = models.ForeignKey(_USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(max_length=20, choices=EscalationDecision.choices, blank=True)
    decision_note = models.TextField(blank=True)
    decided_by = models.ForeignKey(_USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-raised_at", "-id"]
        constraints = [
            # Closed only with a decision, its rationale, who and when; open with none of them.
            models.CheckConstraint(
                condition=models.Q(
                    decision="", decision_note="", decided_by__isnull=True, decided_at__isnull=True
                )
                | (
                    ~models.Q(decision="")
                    & ~models.Q(decision_note="")
                    & models.Q(decided_by__isnull=False, decided_at__isnull=False)
                ),
                name="escalation_closed_only_with_decision",
            ),
            models.UniqueConstraint(
                fields=["concern"],
                condition=models.Q(decided_at__isnull=True),
                name="escalation_one_open_per_concern",
            ),
        ]
        indexes = [models.Index(fields=["council", "decided_at"], name="escalation_council_open")]

    def __str__(self) -> str:
        return f"Escalation of {self.concern}"

    @property
    def is_open(self) -> bool:
        return self.decided_at is None


class PatternSubject(models.TextChoices):
    PERSON = "person", "Same person"
    PROVIDER = "provider", "Same provider"


class PatternAlert(models.Model):
    """More than one similar concern (same type of abuse) about the same person or provider within the
    window: flagged to the team manager. Later matching concerns join the open alert."""

    council = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    subject = models.CharField(max_length=10, choices=PatternSubject.choices)
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    provider = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    abuse_type = models.CharField(max_length=20, choices=AbuseType.choices)
    window_days = models.PositiveSmallIntegerField()
    raised_at = models.DateTimeField()
    concerns = models.ManyToManyField(SafeguardingConcern, related_name="pattern_alerts")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        _USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledgement_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(subject="person", person__isnull=False, provider__isnull=True)
                | models.Q(subject="provider", provider__isnull=False, person__isnull=True),
                name="pattern_names_its_subject",
            ),
            models.UniqueConstraint(
                fields=["person", "abuse_type"],
                condition=models.Q(acknowledged_at__isnull=True, subject="person"),
                name="pattern_one_open_per_person_type",
            ),
            models.UniqueConstraint(
                fields=["council", "provider", "abuse_type"],
                condition=models.Q(acknowledged_at__isnull=True, subject="provider"),
                name="pattern_one_open_per_provider_type",
            ),
        ]

    def __str__(self) -> str:
        return f"Pattern: {self.get_abuse_type_display()} ({self.get_subject_display().lower()})"
