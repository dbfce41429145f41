"""Outcome-based homecare: carry-over rules, approved excess, budget alerts, outcome reviews, feedback
from people and families, and equality monitoring answers.

Budget weeks themselves are not stored: they are derived from the package's versions and call
monitoring by `selectors.budget_ledgers` (rules.budget_weeks), so they can never disagree with the
evidence. What people decide is stored, and never overwritten: a new carry-over rule is a new row from a
date; excess approvals are added, not edited; a review's answers are written once.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from homecare.accounts.models import Organisation
from homecare.outcomes import rules
from homecare.people.models import Package, PackageVersion, Person, SupportPlan, SupportPlanOutcome
from homecare.platform.append_only import AppendOnly


class CarryOverMode(models.TextChoices):
    LAPSE = rules.LAPSE, "Unused hours lapse at the end of the week"
    ROLL_OVER = rules.ROLL_OVER, "Unused hours roll over, up to a limit"


class CarryOverRule(AppendOnly):
    """The council's carry-over rule from a date (the latest on or before a week's Monday applies)."""

    council = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    effective_from = models.DateField()
    mode = models.CharField(max_length=12, choices=CarryOverMode.choices)
    max_hours = models.DecimalField(
        "most hours carried into a week", max_digits=5, decimal_places=2, default=0
    )
    max_weeks = models.PositiveSmallIntegerField("weeks an unused hour may be carried", default=1)
    reason = models.TextField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["council", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["council", "effective_from"], name="carry_over_one_per_day"),
            models.CheckConstraint(
                condition=models.Q(max_hours__gte=0), name="carry_over_hours_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_mode_display()} from {self.effective_from}"

    def as_rule(self) -> rules.CarryOver:
        if self.mode != rules.ROLL_OVER:
            return rules.LAPSE_RULE
        return rules.CarryOver(
            mode=rules.ROLL_OVER, max_minutes=rules.hours_to_minutes(self.max_hours), max_weeks=self.max_weeks
        )


class ExcessApproval(AppendOnly):
    """Hours the council approves on top of a week's budget (the person unwell, a carer away)."""

    package = models.ForeignKey(Package, on_delete=models.PROTECT, related_name="excess_approvals")
    week_start = models.DateField(help_text="The Monday of the budget week")
    hours = models.DecimalField(max_digits=5, decimal_places=2)
    reason = models.TextField()
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField()

    class Meta:
        ordering = ["-week_start", "-approved_at"]
        indexes = [models.Index(fields=["package", "week_start"], name="excess_package_week")]
        constraints = [models.CheckConstraint(condition=models.Q(hours__gt=0), name="excess_hours_positive")]

    def __str__(self) -> str:
        return f"{self.hours} hours for the week of {self.week_start}"


class AlertKind(models.TextChoices):
    UNDER = rules.UNDER, "Persistently under budget"
    OVER = rules.OVER, "Persistently over budget"


class BudgetAlert(models.Model):
    """Raised by the weekly scan when delivery runs under or over budget for weeks on end: one per streak."""

    package = models.ForeignKey(Package, on_delete=models.PROTECT, related_name="budget_alerts")
    provider = models.ForeignKey(Organisation, null=True, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=8, choices=AlertKind.choices)
    streak_from = models.DateField(help_text="The Monday the streak began")
    weeks = models.PositiveSmallIntegerField(help_text="Weeks in the streak when raised")
    detail = models.CharField(max_length=300)
    raised_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action_taken = models.TextField(blank=True)

    class Meta:
        ordering = ["-raised_at", "-id"]
        constraints = [
            # The scan matches on this key, so running it again never raises a second alert.
            models.UniqueConstraint(
                fields=["package", "kind", "streak_from"], name="budget_alert_one_per_streak"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {self.streak_from}"


class Achieved(models.TextChoices):
    FULLY = "fully", "Fully achieved"
    PARTIALLY = "partially", "Partially achieved"
    NOT = "not", "Not achieved"


class OutcomeReview(models.Model):
    """A review of the person's outcomes with them; it may change the weekly budget (a new version)."""

    package = models.ForeignKey(Package, on_delete=models.PROTECT, related_name="outcome_reviews")
    support_plan = models.ForeignKey(SupportPlan, on_delete=models.PROTECT, related_name="+")
    reviewed_on = models.DateField()
    person_view = models.TextField("what the person (and family) said")
    budget_before = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    new_version = models.ForeignKey(
        PackageVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-reviewed_on", "-id"]

    def __str__(self) -> str:
        return f"Outcome review of {self.package} on {self.reviewed_on}"


class OutcomeReviewAnswer(models.Model):
    review = models.ForeignKey(OutcomeReview, on_delete=models.PROTECT, related_name="answers")
    outcome = models.ForeignKey(SupportPlanOutcome, on_delete=models.PROTECT, related_name="+")
    achieved = models.CharField(max_length=10, choices=Achieved.choices)
    what_changed = models.TextField()

    class Meta:
        ordering = ["outcome__position"]
        constraints = [
            models.UniqueConstraint(fields=["review", "outcome"], name="review_answer_per_outcome")
        ]

    def __str__(self) -> str:
        return f"{self.outcome}: {self.get_achieved_display()}"


class SurveyKind(models.TextChoices):
    FIRST_WEEKS = "first_weeks", "After the first weeks of care"
    PERIODIC = "periodic", "Regular check"


class FeedbackSurvey(models.Model):
    """Feedback due from a person (or their family) about their care from one provider."""

    package = models.ForeignKey(Package, on_delete=models.PROTECT, related_name="feedback_surveys")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    council = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    provider = models.ForeignKey(Organisation, null=True, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=SurveyKind.choices)
    due_on = models.DateField()
    # Only the SHA-256 of a one-time link's token is kept; the link is shown once when made.
    token_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    link_made_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-due_on", "-id"]
        constraints = [
            # The scheduled job matches on this key: running it twice never makes a second survey.
            models.UniqueConstraint(fields=["package", "due_on"], name="survey_one_per_due_date")
        ]
        indexes = [models.Index(fields=["council", "due_on"], name="survey_council_due")]

    def __str__(self) -> str:
        return f"Feedback due {self.due_on} ({self.package})"


class Scale(models.IntegerChoices):
    NEVER = 1, "Never"
    RARELY = 2, "Rarely"
    SOMETIMES = 3, "Sometimes"
    MOSTLY = 4, "Mostly"
    ALWAYS = 5, "Always"


# The questions, short and in plain English (read aloud the same way on the phone and on paper).
QUESTIONS = {
    "continuity": "Do you see the same care workers?",
    "punctuality": "Do your care workers come at the time you expect?",
    "dignity": "Do your care workers treat you with dignity and respect?",
    "outcomes": "Is your care helping you do the things that matter to you?",
    "listened": "Do you feel listened to about how your care is given?",
}


class AnsweredBy(models.TextChoices):
    PERSON = "person", "The person receiving care"
    FAMILY = "family", "A family member or friend"
    WITH_HELP = "with_help", "The person, with help from staff"


class Channel(models.TextChoices):
    WEB_LINK = "web_link", "Online, from a link"
    STAFF = "staff", "With a member of staff"
    PAPER = "paper", "Paper form, typed in"


class FeedbackResponse(AppendOnly):
    """The answers: written once (a survey has at most one response)."""

    survey = models.OneToOneField(FeedbackSurvey, on_delete=models.PROTECT, related_name="response")
    continuity = models.PositiveSmallIntegerField(choices=Scale.choices)
    punctuality = models.PositiveSmallIntegerField(choices=Scale.choices)
    dignity = models.PositiveSmallIntegerField(choices=Scale.choices)
    outcomes = models.PositiveSmallIntegerField(choices=Scale.choices)
    listened = models.PositiveSmallIntegerField(choices=Scale.choices)
    comments = models.TextField(blank=True)
    answered_by = models.CharField(max_length=10, choices=AnsweredBy.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(continuity__range=(1, 5), punctuality__range=(1, 5), dignity__range=(1, 5))
                & models.Q(outcomes__range=(1, 5), listened__range=(1, 5)),
                name="feedback_answers_on_scale",
            )
        ]

    def __str__(self) -> str:
        return f"Feedback {self.survey_id}"


PREFER_NOT = "prefer_not", "Prefer not to say"


class Sex(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    PREFER_NOT = PREFER_NOT


class Ethnicity(models.TextChoices):
    """The five high-level groups of the 2021 Census question (England and Wales)."""

    ASIAN = "asian", "Asian or Asian British"
    BLACK = "black", "Black, Black British, Caribbean or African"
    MIXED = "mixed", "Mixed or multiple ethnic groups"
    WHITE = "white", "White"
    OTHER = "other", "Other ethnic group"
    PREFER_NOT = PREFER_NOT


class Disability(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    PREFER_NOT = PREFER_NOT


class EqualityMonitoring(models.Model):
    """Optional equality monitoring answers, kept apart from the person's record; blank = not asked."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="equality")
    sex = models.CharField(max_length=12, choices=Sex.choices, blank=True)
    ethnicity = models.CharField(max_length=12, choices=Ethnicity.choices, blank=True)
    disability = models.CharField(
        "disability (Equality Act 2010)", max_length=12, choices=Disability.choices, blank=True
    )
    recorded_at = models.DateTimeField()

    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"Equality monitoring for {self.person_id}"
