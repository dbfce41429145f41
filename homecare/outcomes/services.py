"""Writes for outcome-based homecare. Each is atomic and validated, and says what it guarantees.

Services raise ValidationError with field keys a form can show, and PermissionDenied when the actor's
role may not act; the record was already found through a scoped selector (a foreign one is a 404).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from homecare.accounts import permissions
from homecare.accounts.models import Organisation, User
from homecare.outcomes import budgets, rules
from homecare.outcomes.models import (
    Achieved,
    AnsweredBy,
    BudgetAlert,
    CarryOverMode,
    CarryOverRule,
    Channel,
    Disability,
    EqualityMonitoring,
    Ethnicity,
    ExcessApproval,
    FeedbackResponse,
    FeedbackSurvey,
    OutcomeReview,
    OutcomeReviewAnswer,
    Sex,
    SurveyKind,
)
from homecare.people import services as people_services
from homecare.people.models import CareModel, Package, PackageStatus, Person, VersionStatus
from homecare.platform.audit import save_audited
from homecare.platform.notifications import notify

MAX_WEEKLY_HOURS = Decimal(168)


# --- carry-over rules and excess -----------------------------------------------------------------


@transaction.atomic
def carry_over_rule_record(
    *,
    actor: User,
    council: Organisation,
    effective_from: dt.date,
    mode: str,
    max_hours: Decimal = Decimal(0),
    max_weeks: int = 1,
    reason: str,
) -> CarryOverRule:
    """A new carry-over rule for the council from a Monday. Earlier weeks keep the rule they had: the
    rule in force on each week's Monday applies, so a change never rewrites weeks already paid."""
    permissions.require(permissions.configures_budgets(actor) and actor.organisation_id == council.pk)
    errors: dict[str, str] = {}
    if mode not in CarryOverMode.values:
        errors["mode"] = "Choose what happens to unused hours"
    if effective_from.weekday() != 0:
        errors["effective_from"] = "A rule starts on a Monday, the first day of a budget week"
    if mode == CarryOverMode.ROLL_OVER:
        if max_hours is None or max_hours <= 0 or max_hours > MAX_WEEKLY_HOURS:
            errors["max_hours"] = "Enter the most hours that can roll over, from 0.25 to 168"
        if not 1 <= (max_weeks or 0) <= 12:
            errors["max_weeks"] = "Enter how many weeks an unused hour can be carried, from 1 to 12"
    if not reason.strip():
        errors["reason"] = "Say why the rule is changing"
    if errors:
        raise ValidationError(errors)
    if CarryOverRule.objects.filter(council=council, effective_from=effective_from).exists():
        raise ValidationError({"effective_from": "A rule already starts on that day: choose another Monday"})
    return CarryOverRule.objects.create(
        council=council,
        effective_from=effective_from,
        mode=mode,
        max_hours=max_hours if mode == CarryOverMode.ROLL_OVER else Decimal(0),
        max_weeks=max_weeks if mode == CarryOverMode.ROLL_OVER else 1,
        reason=reason.strip(),
        recorded_by=actor,
        recorded_at=timezone.now(),
    )


def _require_budget_package(package: Package) -> None:
    if not package.versions.filter(
        care_model=CareModel.BUDGET_OF_HOURS, status=VersionStatus.CONFIRMED
    ).exists():
        raise ValidationError("This package is not a budget of hours")


@transaction.atomic
def excess_approve(
    *, actor: User, package: Package, week_start: dt.date, hours: Decimal, reason: str
) -> ExcessApproval:
    """Approve hours on top of a week's budget; added to earlier approvals for the week, never replacing
    them. The payment run pays delivered hours up to budget + carried + approved excess."""
    permissions.require(
        permissions.approves_budget_excess(actor) and package.person.council_id == actor.organisation_id
    )
    _require_budget_package(package)
    errors: dict[str, str] = {}
    if week_start.weekday() != 0:
        errors["week_start"] = "Choose the Monday the budget week starts"
    elif week_start < rules.week_start(package.start_date) or (
        package.end_date and week_start > package.end_date
    ):
        errors["week_start"] = "Choose a week while the package runs"
    if hours is None or hours <= 0 or hours > MAX_WEEKLY_HOURS:
        errors["hours"] = "Enter the extra hours, more than 0 and at most 168"
    if not reason.strip():
        errors["reason"] = "Say why the extra hours are approved"
    if errors:
        raise ValidationError(errors)
    return ExcessApproval.objects.create(
        package=package,
        week_start=week_start,
        hours=hours,
        reason=reason.strip(),
        approved_by=actor,
        approved_at=timezone.now(),
    )


# --- alerts ----------------------------------------------------------------------------------------


@dataclass
class AlertScan:
    packages: int = 0
    raised: int = 0


def budget_packages(*, on: dt.date):
    """Active or held packages whose version in force today is a budget of hours."""
    return (
        Package.objects.filter(
            status__in=(PackageStatus.ACTIVE, PackageStatus.ON_HOLD), provider__isnull=False
        )
        .filter(
            versions__status=VersionStatus.CONFIRMED,
            versions__care_model=CareModel.BUDGET_OF_HOURS,
            versions__effective_from__lte=on,
        )
        .distinct()
    )


def budget_alerts_raise(*, today: dt.date | None = None) -> AlertScan:
    """Raise an alert for each package whose last complete weeks all ran under (or all over) budget.

    Idempotent: one alert per package, kind and streak (a database constraint), so the daily job can run
    any number of times. Tells the provider's managers and the package's council once, when raised."""
    today = today or timezone.localdate()
    last_complete = rules.week_start(today) - dt.timedelta(days=1)
    scan = AlertScan()
    ids = list(budget_packages(on=today).values_list("pk", flat=True))
    weeks = budgets.package_weeks(ids, through=last_complete)
    packages = {p.pk: p for p in Package.objects.filter(pk__in=ids).select_related("person", "provider")}
    for package_id, package_weeks in weeks.items():
        scan.packages += 1
        results = [w.result for w in package_weeks]
        found = rules.streak(
            results,
            weeks=settings.OUTCOMES_ALERT_WEEKS,
            under_percent=settings.OUTCOMES_UNDER_PERCENT,
            over_percent=settings.OUTCOMES_OVER_PERCENT,
        )
        if found is None:
            continue
        kind, since = found
        package = packages[package_id]
        streak_weeks = sum(1 for r in results if r.week_start >= since)
        last = results[-1]
        detail = (
            f"{streak_weeks} weeks {'under' if kind == rules.UNDER else 'over'} budget: last week "
            f"{rules.minutes_to_hours(last.delivered)} of {rules.minutes_to_hours(last.budget)} "
            "hours delivered"
        )
        try:
            with transaction.atomic():
                alert, created = BudgetAlert.objects.get_or_create(
                    package=package,
                    kind=kind,
                    streak_from=since,
                    defaults={
                        "provider": package.provider,
                        "weeks": streak_weeks,
                        "detail": detail,
                        "raised_at": timezone.now(),
                    },
                )
        except IntegrityError:  # the same alert raised by a concurrent scan
            continue
        if created:
            scan.raised += 1
            _tell_about_alert(alert)
    return scan


def _tell_about_alert(alert: BudgetAlert) -> None:
    """The provider's managers and the council's practitioners hear of it once, when it is raised."""
    from homecare.accounts.models import Role

    package = alert.package
    recipients = User.objects.filter(is_active=True).filter(
        Q(organisation_id=package.provider_id, role=Role.PROVIDER_MANAGER)
        | Q(organisation_id=package.person.council_id, role=Role.PRACTITIONER)
    )
    notify(
        recipients=recipients,
        text=f"{package.reference}: {alert.get_kind_display().lower()} ({alert.detail})",
        link=reverse("outcomes:package-budget", args=[package.pk]),
    )


@transaction.atomic
def budget_alert_acknowledge(*, actor: User, alert: BudgetAlert, action_taken: str) -> BudgetAlert:
    """Record what was done about an alert; an acknowledgement is written once."""
    alert = BudgetAlert.objects.select_for_update().select_related("package__person").get(pk=alert.pk)
    own_provider = permissions.manages_visits(actor) and alert.provider_id == actor.organisation_id
    council = (
        permissions.approves_budget_excess(actor) and alert.package.person.council_id == actor.organisation_id
    )
    permissions.require(own_provider or council)
    if alert.acknowledged_at is not None:
        raise ValidationError("This alert has already been acknowledged")
    if not action_taken.strip():
        raise ValidationError({"action_taken": "Say what was done, for example a review booked"})
    alert.acknowledged_at, alert.acknowledged_by, alert.action_taken = (
        timezone.now(),
        actor,
        action_taken.strip(),
    )
    alert.save(update_fields=["acknowledged_at", "acknowledged_by", "action_taken"])
    return alert


# --- outcome reviews -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewAnswer:
    outcome_id: int
    achieved: str
    what_changed: str


@transaction.atomic
def outcome_review_record(
    *,
    actor: User,
    package: Package,
    reviewed_on: dt.date,
    person_view: str,
    answers: Sequence[ReviewAnswer],
    new_budget_hours: Decimal | None = None,
    budget_from: dt.date | None = None,
) -> OutcomeReview:
    """Record a review: per outcome of the package's support plan, whether it was achieved and what
    changed. With a new weekly budget, the review makes (and confirms) a new package version from
    `budget_from` through the package's own services, so the change has its reason and history."""
    permissions.require(
        permissions.reviews_outcomes(actor) and package.person.council_id == actor.organisation_id
    )
    package = Package.objects.select_for_update().select_related("support_plan").get(pk=package.pk)
    outcomes = {o.pk: o for o in package.support_plan.outcomes.all()}
    errors: dict[str, str] = {}
    if reviewed_on > timezone.localdate():
        errors["reviewed_on"] = "The review date must be today or in the past"
    if reviewed_on < package.start_date:
        errors["reviewed_on"] = "The review date must be after the package started"
    if not person_view.strip():
        errors["person_view"] = "Record what the person (and their family) said"
    given = {a.outcome_id: a for a in answers}
    if set(given) != set(outcomes):
        errors["__all__"] = "Answer for every outcome in the support plan"
    for answer in given.values():
        if answer.achieved not in Achieved.values:
            errors[f"achieved_{answer.outcome_id}"] = "Choose whether the outcome was achieved"
        if not answer.what_changed.strip():
            errors[f"changed_{answer.outcome_id}"] = "Say what changed for the person"
    current = package.versions.filter(status=VersionStatus.CONFIRMED).order_by("-number").first()
    if new_budget_hours is not None:
        if current is None or current.care_model != CareModel.BUDGET_OF_HOURS:
            errors["new_budget_hours"] = "Only a budget-of-hours package has a weekly budget to change"
        elif budget_from is None:
            errors["budget_from"] = "Enter the date the new budget starts"
    if errors:
        raise ValidationError(errors)
    review = OutcomeReview.objects.create(
        package=package,
        support_plan=package.support_plan,
        reviewed_on=reviewed_on,
        person_view=person_view.strip(),
        budget_before=current.weekly_budget_hours if current else None,
        reviewed_by=actor,
        created_at=timezone.now(),
    )
    OutcomeReviewAnswer.objects.bulk_create(
        OutcomeReviewAnswer(
            review=review,
            outcome=outcomes[a.outcome_id],
            achieved=a.achieved,
            what_changed=a.what_changed.strip(),
        )
        for a in given.values()
    )
    if (
        new_budget_hours is not None
        and current is not None
        and new_budget_hours != current.weekly_budget_hours
    ):
        reason = (
            f"Outcome review on {reviewed_on:%-d %B %Y}: weekly budget "
            f"{current.weekly_budget_hours} → {new_budget_hours} hours"
        )
        draft = people_services.package_change_start(
            actor=actor, package=package, effective_from=budget_from, reason=reason
        )
        draft = people_services.package_version_update_terms(
            actor=actor,
            version=draft,
            terms=people_services.PackageTerms(
                care_model=draft.care_model,
                funding=draft.funding,
                council_share_percent=draft.council_share_percent,
                nhs_share_percent=draft.nhs_share_percent,
                weekly_budget_hours=new_budget_hours,
            ),
        )
        review.new_version = people_services.package_change_confirm(actor=actor, version=draft)
        review.save(update_fields=["new_version"])
    return review


# --- feedback ------------------------------------------------------------------------------------


@dataclass
class SurveyScan:
    packages: int = 0
    created: int = 0


def feedback_surveys_create_due(*, today: dt.date | None = None) -> SurveyScan:
    """Create the survey due for each active package (first after N weeks, then every M months).

    Idempotent: only the latest due date is created, once (a database constraint on package + date), and
    not when a survey due on or after it already exists."""
    today = today or timezone.localdate()
    scan = SurveyScan()
    packages = Package.objects.filter(status=PackageStatus.ACTIVE, provider__isnull=False).select_related(
        "person"
    )
    latest_due: dict[int, dt.date] = {}
    for package_id, due_on in FeedbackSurvey.objects.values_list("package_id", "due_on"):
        if due_on > latest_due.get(package_id, dt.date.min):
            latest_due[package_id] = due_on
    for package in packages.iterator():
        scan.packages += 1
        dates = rules.survey_due_dates(
            package.start_date,
            today,
            first_weeks=settings.OUTCOMES_FEEDBACK_FIRST_WEEKS,
            every_months=settings.OUTCOMES_FEEDBACK_EVERY_MONTHS,
        )
        if not dates or latest_due.get(package.pk, dt.date.min) >= dates[-1]:
            continue
        _, created = FeedbackSurvey.objects.get_or_create(
            package=package,
            due_on=dates[-1],
            defaults={
                "person": package.person,
                "council_id": package.person.council_id,
                "provider_id": package.provider_id,
                "kind": SurveyKind.FIRST_WEEKS if len(dates) == 1 else SurveyKind.PERIODIC,
                "created_at": timezone.now(),
            },
        )
        scan.created += int(created)
    return scan


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def feedback_link_issue(*, actor: User, survey: FeedbackSurvey) -> str:
    """A one-time link token for the person or family to answer online. Only its hash is kept; a new
    link replaces an unused one (the old link stops working)."""
    permissions.require(permissions.records_feedback(actor) and survey.council_id == actor.organisation_id)
    survey = FeedbackSurvey.objects.select_for_update().get(pk=survey.pk)
    if FeedbackResponse.objects.filter(survey=survey).exists():
        raise ValidationError("This survey has been answered")
    token = secrets.token_urlsafe(24)
    survey.token_hash, survey.link_made_at = _hash(token), timezone.now()
    survey.save(update_fields=["token_hash", "link_made_at"])
    return token


def survey_for_token(token: str) -> FeedbackSurvey | None:
    """The unanswered survey a link's token opens, or None (unknown, replaced or already used)."""
    if not token or len(token) > 100:
        return None
    return (
        FeedbackSurvey.objects.filter(token_hash=_hash(token), response__isnull=True)
        .select_related("provider", "council")
        .first()
    )


@dataclass(frozen=True)
class Answers:
    continuity: int
    punctuality: int
    dignity: int
    outcomes: int
    listened: int
    comments: str = ""


@transaction.atomic
def feedback_record(
    *,
    survey: FeedbackSurvey,
    answers: Answers,
    answered_by: str,
    channel: str,
    actor: User | None = None,
) -> FeedbackResponse:
    """Store the answers once. Staff record on the person's behalf (or from a paper form); without an
    actor the answers come through the survey's one-time link, which then stops working."""
    if actor is not None:
        permissions.require(
            permissions.records_feedback(actor) and survey.council_id == actor.organisation_id
        )
        if channel not in (Channel.STAFF, Channel.PAPER):
            raise ValidationError({"channel": "Choose how the answers were given"})
    elif channel != Channel.WEB_LINK:
        raise PermissionDenied
    survey = FeedbackSurvey.objects.select_for_update().get(pk=survey.pk)
    errors: dict[str, str] = {}
    for name in ("continuity", "punctuality", "dignity", "outcomes", "listened"):
        if getattr(answers, name) not in range(1, 6):
            errors[name] = "Choose an answer"
    if answered_by not in AnsweredBy.values:
        errors["answered_by"] = "Say who answered"
    if len(answers.comments) > 4000:
        errors["comments"] = "Comments must be 4,000 characters or fewer"
    if errors:
        raise ValidationError(errors)
    if FeedbackResponse.objects.filter(survey=survey).exists():
        raise ValidationError("This survey has already been answered")
    response = FeedbackResponse.objects.create(
        survey=survey,
        continuity=answers.continuity,
        punctuality=answers.punctuality,
        dignity=answers.dignity,
        outcomes=answers.outcomes,
        listened=answers.listened,
        comments=answers.comments.strip(),
        answered_by=answered_by,
        channel=channel,
        recorded_by=actor,
        received_at=timezone.now(),
    )
    if survey.token_hash:  # the link is single use
        survey.token_hash = None
        survey.save(update_fields=["token_hash"])
    return response


# --- equality monitoring -------------------------------------------------------------------------


@transaction.atomic
def equality_record(
    *, actor: User, person: Person, sex: str = "", ethnicity: str = "", disability: str = ""
) -> EqualityMonitoring:
    """Record (or correct) the person's optional equality monitoring answers; blank means not asked,
    "prefer not to say" is an answer. Earlier answers stay in the history."""
    permissions.require(permissions.can_record_people(actor) and person.council_id == actor.organisation_id)
    errors: dict[str, str] = {}
    for name, value, choices in (
        ("sex", sex, Sex.values),
        ("ethnicity", ethnicity, Ethnicity.values),
        ("disability", disability, Disability.values),
    ):
        if value and value not in choices:
            errors[name] = "Choose one of the answers"
    if errors:
        raise ValidationError(errors)
    record = EqualityMonitoring.objects.filter(person=person).first() or EqualityMonitoring(person=person)
    record.sex, record.ethnicity, record.disability = sex, ethnicity, disability
    record.recorded_at = timezone.now()
    save_audited(record, actor=actor, reason="Equality monitoring answers recorded")
    return record
