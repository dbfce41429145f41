"""Writes for people, support plans and packages. Each is atomic, validated and audited.

Services raise django.core.exceptions.ValidationError with messages a user can act on; views show
them in the GOV.UK error summary. Nothing is half-saved: a failure rolls the whole write back.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from homecare.accounts.models import Organisation, User
from homecare.people import rules, state
from homecare.people.models import (
    CareModel,
    EquipmentType,
    Package,
    PackageStatus,
    PackageStatusChange,
    PackageVersion,
    Person,
    SupportPlan,
    SupportPlanEquipment,
    SupportPlanOutcome,
    SupportPlanStatus,
    VersionStatus,
    VisitPattern,
)
from homecare.platform import jobs
from homecare.platform.audit import delete_audited, save_audited

PERSON_FIELDS = (
    "case_reference",
    "nhs_number",
    "given_name",
    "family_name",
    "preferred_name",
    "date_of_birth",
    "address_line_1",
    "address_line_2",
    "town",
    "postcode",
    "zone",
    "latitude",
    "longitude",
    "access_notes",
    "emergency_contact_name",
    "emergency_contact_relationship",
    "emergency_contact_phone",
    "communication_needs",
    "preferred_language",
    "interpreter_needed",
    "self_funder",
)


# --- people -------------------------------------------------------------------------------------


def _clean_person(person: Person) -> None:
    errors: dict[str, str] = {}
    if person.nhs_number:
        problem = rules.nhs_number_problem(person.nhs_number)
        if problem:
            errors["nhs_number"] = problem
        else:
            person.nhs_number = rules.normalise_nhs_number(person.nhs_number)
    else:
        person.nhs_number = None
    try:
        person.postcode = rules.normalise_postcode(person.postcode)
    except ValueError as exc:
        errors["postcode"] = str(exc)
    if person.zone_id and person.zone.council_id != person.council_id:
        errors["zone"] = "Choose one of your council's zones"
    if person.date_of_birth and person.date_of_birth > timezone.localdate():
        errors["date_of_birth"] = "Date of birth must be in the past"
    person.case_reference = person.case_reference.strip().upper()
    if errors:
        raise ValidationError(errors)
    if (
        person.nhs_number
        and Person.objects.filter(nhs_number=person.nhs_number).exclude(pk=person.pk).exists()
    ):
        raise ValidationError({"nhs_number": "Someone with this NHS number is already recorded"})
    if (
        Person.objects.filter(council_id=person.council_id, case_reference=person.case_reference)
        .exclude(pk=person.pk)
        .exists()
    ):
        raise ValidationError({"case_reference": "Another person already has this case reference"})
    person.search_family_name = rules.search_key(person.family_name)
    person.search_given_name = rules.search_key(person.given_name)
    person.search_postcode = rules.postcode_search_key(person.postcode)


def _save_person(person: Person, *, actor: User, reason: str) -> Person:
    _clean_person(person)
    try:
        with transaction.atomic():
            save_audited(person, actor=actor, reason=reason)
    except IntegrityError as exc:
        # Two people saved at once with the same NHS number: the constraint is the last word.
        raise ValidationError({"nhs_number": "Someone with this NHS number is already recorded"}) from exc
    return person


def person_create(*, actor: User, council: Organisation, **fields: Any) -> Person:
    """Record a new person for the actor's council. Guarantees valid NHS number/postcode, no duplicates."""
    person = Person(council=council, **{k: v for k, v in fields.items() if k in PERSON_FIELDS})
    return _save_person(person, actor=actor, reason="Person recorded")


def person_update(*, actor: User, person: Person, reason: str = "", **fields: Any) -> Person:
    """Correct a person's details. The previous values stay in the audit history with the reason."""
    for name, value in fields.items():
        if name in PERSON_FIELDS:
            setattr(person, name, value)
    return _save_person(person, actor=actor, reason=reason or "Details updated")


# --- support plans ------------------------------------------------------------------------------


def _outcome_lines(outcomes: Iterable[str]) -> list[str]:
    return [line.strip() for line in outcomes if line and line.strip()]


def _validate_plan(*, tasks: list[str], outcomes: list[str], review_date: dt.date) -> None:
    errors: dict[str, str] = {}
    if not outcomes:
        errors["outcomes"] = "Enter at least one outcome in the person's own words"
    unknown = [t for t in tasks if t not in rules_task_values()]
    if unknown:
        errors["tasks"] = "Choose tasks from the list"
    if review_date <= timezone.localdate():
        errors["review_date"] = "Review date must be in the future"
    if errors:
        raise ValidationError(errors)


def rules_task_values() -> set[str]:
    from homecare.people.models import PersonalCareTask

    return set(PersonalCareTask.values)


def _replace_outcomes(plan: SupportPlan, outcomes: list[str], actor: User) -> None:
    existing = list(plan.outcomes.all())
    for position, text in enumerate(outcomes, start=1):
        current = next((o for o in existing if o.position == position), None)
        if current is None:
            save_audited(
                SupportPlanOutcome(support_plan=plan, position=position, in_own_words=text), actor=actor
            )
        elif current.in_own_words != text:
            current.in_own_words = text
            save_audited(current, actor=actor)
    for stale in existing:
        if stale.position > len(outcomes):
            delete_audited(stale, actor=actor)


@transaction.atomic
def support_plan_create(
    *,
    actor: User,
    person: Person,
    outcomes: Iterable[str],
    tasks: list[str],
    review_date: dt.date,
    what_matters: str = "",
    strengths: str = "",
) -> SupportPlan:
    lines = _outcome_lines(outcomes)
    _validate_plan(tasks=tasks, outcomes=lines, review_date=review_date)
    plan = SupportPlan(
        person=person,
        tasks=sorted(set(tasks)),
        review_date=review_date,
        what_matters=what_matters,
        strengths=strengths,
        author=actor,
    )
    save_audited(plan, actor=actor, reason="Support plan started")
    _replace_outcomes(plan, lines, actor)
    return plan


@transaction.atomic
def support_plan_update(
    *,
    actor: User,
    plan: SupportPlan,
    outcomes: Iterable[str],
    tasks: list[str],
    review_date: dt.date,
    what_matters: str = "",
    strengths: str = "",
) -> SupportPlan:
    plan = SupportPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != SupportPlanStatus.DRAFT:
        raise ValidationError("A completed support plan cannot be changed; start a new plan at review")
    lines = _outcome_lines(outcomes)
    _validate_plan(tasks=tasks, outcomes=lines, review_date=review_date)
    plan.tasks = sorted(set(tasks))
    plan.review_date = review_date
    plan.what_matters = what_matters
    plan.strengths = strengths
    save_audited(plan, actor=actor)
    _replace_outcomes(plan, lines, actor)
    return plan


@transaction.atomic
def support_plan_complete(*, actor: User, plan: SupportPlan) -> SupportPlan:
    """Mark the plan complete. The completion time starts the 'homecare within 2 days' clock."""
    plan = SupportPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != SupportPlanStatus.DRAFT:
        raise ValidationError("This support plan is already complete")
    if not plan.outcomes.exists() or not plan.tasks:
        raise ValidationError("A support plan needs at least one outcome and one task before it is complete")
    plan.status = SupportPlanStatus.COMPLETED
    plan.completed_at = timezone.now()
    plan.completed_by = actor
    save_audited(plan, actor=actor, reason="Support plan completed")
    return plan


@transaction.atomic
def support_plan_equipment_add(
    *,
    actor: User,
    plan: SupportPlan,
    equipment_type: str,
    supplier: str = "",
    installed_on: dt.date | None = None,
    review_on: dt.date | None = None,
    notes: str = "",
) -> SupportPlanEquipment:
    """List telecare or other equipment in the plan (alongside visits). Draft or completed plans alike:
    equipment is often installed after the plan is agreed."""
    errors: dict[str, str] = {}
    if equipment_type not in EquipmentType.values:
        errors["equipment_type"] = "Choose the type of equipment"
    elif equipment_type == EquipmentType.OTHER and not notes.strip():
        errors["notes"] = "Describe the equipment"
    if installed_on and installed_on > timezone.localdate():
        errors["installed_on"] = "The installation date must be today or in the past"
    if installed_on and review_on and review_on < installed_on:
        errors["review_on"] = "The review date must be on or after the installation date"
    if errors:
        raise ValidationError(errors)
    item = SupportPlanEquipment(
        support_plan=plan,
        equipment_type=equipment_type,
        supplier=supplier.strip(),
        installed_on=installed_on,
        review_on=review_on,
        notes=notes.strip(),
        added_by=actor,
    )
    save_audited(item, actor=actor, reason="Equipment added to the support plan")
    return item


# --- packages -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PackageTerms:
    """What a package version commissions, apart from its visit pattern."""

    care_model: str
    funding: str
    council_share_percent: Decimal = Decimal("100")
    nhs_share_percent: Decimal = Decimal("0")
    weekly_budget_hours: Decimal | None = None


def _apply_terms(version: PackageVersion, terms: PackageTerms, *, person: Person) -> None:
    errors: dict[str, str] = {}
    problem = rules.funding_split_problem(terms.funding, terms.council_share_percent, terms.nhs_share_percent)
    if problem:
        errors["council_share_percent"] = problem
    if terms.funding == "self_funder" and not person.self_funder:
        errors["funding"] = (
            "Only a self-funder's package can be self-funded: update the person's record first"
        )
    if terms.care_model == CareModel.BUDGET_OF_HOURS:
        if terms.weekly_budget_hours is None or terms.weekly_budget_hours <= 0:
            errors["weekly_budget_hours"] = "Enter the weekly budget of hours agreed with the person"
        elif terms.weekly_budget_hours > 168:
            errors["weekly_budget_hours"] = "A weekly budget cannot be more than 168 hours"
    if errors:
        raise ValidationError(errors)
    version.care_model = terms.care_model
    version.funding = terms.funding
    version.council_share_percent, version.nhs_share_percent = rules.funding_shares(
        terms.funding, terms.council_share_percent, terms.nhs_share_percent
    )
    version.weekly_budget_hours = (
        terms.weekly_budget_hours if terms.care_model == CareModel.BUDGET_OF_HOURS else None
    )


@transaction.atomic
def package_create(
    *,
    actor: User,
    person: Person,
    support_plan: SupportPlan,
    terms: PackageTerms,
    start_date: dt.date,
    end_date: dt.date | None = None,
    hospital_discharge: bool = False,
) -> Package:
    """A new draft package with its first version (effective from the start date), ready for visits."""
    if support_plan.person_id != person.pk:
        raise ValidationError({"support_plan": "Choose one of this person's support plans"})
    if end_date is not None and end_date < start_date:
        raise ValidationError({"end_date": "End date must be the same as or after the start date"})
    package = Package(
        person=person,
        support_plan=support_plan,
        reference=f"TMP-{uuid.uuid4().hex[:12]}",
        start_date=start_date,
        end_date=end_date,
        hospital_discharge=hospital_discharge,
        created_by=actor,
    )
    save_audited(package, actor=actor, reason="Package drafted")
    # A readable reference from the row id; update() so the history holds one "created" row.
    package.reference = f"PKG{package.pk:06d}"
    Package.objects.filter(pk=package.pk).update(reference=package.reference)
    package.history.filter(id=package.pk).update(reference=package.reference)
    version = PackageVersion(package=package, number=1, effective_from=start_date, created_by=actor)
    _apply_terms(version, terms, person=person)
    save_audited(version, actor=actor, reason="First version")
    PackageStatusChange.objects.create(
        package=package, from_status="", to_status=PackageStatus.DRAFT, at=timezone.now(), by=actor
    )
    return package


@transaction.atomic
def package_update_draft(
    *,
    actor: User,
    package: Package,
    terms: PackageTerms,
    start_date: dt.date,
    end_date: dt.date | None,
    hospital_discharge: bool,
) -> Package:
    """Change a package that has not gone to brokerage yet (afterwards changes are new versions)."""
    package = Package.objects.select_for_update().get(pk=package.pk)
    if package.status != PackageStatus.DRAFT:
        raise ValidationError("Only a draft package can be edited; make a change from a date instead")
    if end_date is not None and end_date < start_date:
        raise ValidationError({"end_date": "End date must be the same as or after the start date"})
    version = package.versions.get(number=1)
    _apply_terms(version, terms, person=package.person)
    version.effective_from = start_date
    save_audited(version, actor=actor)
    package.start_date, package.end_date, package.hospital_discharge = (
        start_date,
        end_date,
        hospital_discharge,
    )
    save_audited(package, actor=actor)
    return package


@dataclass(frozen=True)
class VisitDetails:
    days: list[int]  # Monday = 0 … Sunday = 6
    preferred_start: dt.time
    duration_minutes: int
    carers_required: int = 1
    care_type: str = "day"
    tolerance_minutes: int = 30
    tasks: tuple[str, ...] = ()
    notes: str = ""


def _validate_visit(details: VisitDetails) -> None:
    errors: dict[str, str] = {}
    if not details.days:
        errors["days"] = "Choose at least one day"
    problem = rules.time_band_problem(details.duration_minutes)
    if problem:
        errors["duration_minutes"] = problem
    if details.carers_required not in (1, 2):
        errors["carers_required"] = "A visit needs one or two carers"
    if not 0 <= details.tolerance_minutes <= 120:
        errors["tolerance_minutes"] = "Tolerance must be between 0 and 120 minutes"
    if any(t not in rules_task_values() for t in details.tasks):
        errors["tasks"] = "Choose tasks from the list"
    if errors:
        raise ValidationError(errors)


def _editable_version(version: PackageVersion) -> PackageVersion:
    version = PackageVersion.objects.select_for_update().select_related("package").get(pk=version.pk)
    if version.status != VersionStatus.DRAFT:
        raise ValidationError("This version is confirmed and cannot be changed; make a change from a date")
    if version.care_model != CareModel.TIME_AND_TASK:
        raise ValidationError("A budget-of-hours package has no fixed visit pattern")
    return version


def _fill_visit(row: VisitPattern, details: VisitDetails) -> None:
    row.days = rules.days_mask(details.days)
    row.preferred_start = details.preferred_start
    row.duration_minutes = details.duration_minutes
    row.carers_required = details.carers_required
    row.care_type = details.care_type
    row.tolerance_minutes = details.tolerance_minutes
    row.tasks = sorted(set(details.tasks))
    row.notes = details.notes


@transaction.atomic
def visit_pattern_add(*, actor: User, version: PackageVersion, details: VisitDetails) -> VisitPattern:
    """Add a recurring visit. Refuses time bands other than 15 minutes then 5-minute steps."""
    _validate_visit(details)
    version = _editable_version(version)
    row = VisitPattern(version=version)
    _fill_visit(row, details)
    save_audited(row, actor=actor, reason="Visit added")
    return row


@transaction.atomic
def visit_pattern_update(*, actor: User, row: VisitPattern, details: VisitDetails) -> VisitPattern:
    _validate_visit(details)
    _editable_version(row.version)
    row = VisitPattern.objects.get(pk=row.pk)
    _fill_visit(row, details)
    save_audited(row, actor=actor)
    return row


@transaction.atomic
def visit_pattern_remove(*, actor: User, row: VisitPattern) -> None:
    _editable_version(row.version)
    delete_audited(row, actor=actor, reason="Visit removed")


def _check_ready_for_brokerage(package: Package, version: PackageVersion) -> None:
    if package.support_plan.status != SupportPlanStatus.COMPLETED:
        raise ValidationError("Complete the support plan before sending the package to brokerage")
    if version.care_model == CareModel.TIME_AND_TASK and not version.visit_pattern.exists():
        raise ValidationError("Add at least one visit before sending the package to brokerage")


@transaction.atomic
def package_transition(
    *,
    actor: User,
    package: Package,
    transition: str,
    reason: str = "",
    provider: Organisation | None = None,
) -> Package:
    """Move the package through its state machine; writes an immutable status row. Safe against races:
    the row is locked, so two brokers pressing the same button produce one transition, not two."""
    package = Package.objects.select_for_update().select_related("support_plan", "person").get(pk=package.pk)
    step = state.transition_for(transition, package.status)
    if step.needs_reason and not reason.strip():
        raise ValidationError({"reason": "Enter the reason"})
    now = timezone.now()
    if step.name == "submit":
        first = package.versions.get(number=1)
        _check_ready_for_brokerage(package, first)
        first.status = VersionStatus.CONFIRMED
        first.confirmed_at = now
        save_audited(first, actor=actor, reason="Confirmed on sending to brokerage")
        package.submitted_at = now
    if step.name == "start":
        if provider is None or not provider.is_provider:
            raise ValidationError({"provider": "Choose the provider that has started the package"})
        package.provider = provider
    if step.name == "end" and package.end_date is None:
        package.end_date = max(timezone.localdate(), package.start_date)
    previous = package.status
    package.status = step.target
    save_audited(package, actor=actor, reason=reason or step.label)
    PackageStatusChange.objects.create(
        package=package, from_status=previous, to_status=step.target, at=now, by=actor, reason=reason
    )
    _announce_change(package)
    return package


def _announce_change(package: Package) -> None:
    """Once committed, start the jobs that follow a package (settings.PACKAGE_CHANGED_JOBS)."""
    for job in settings.PACKAGE_CHANGED_JOBS:
        transaction.on_commit(lambda job=job: jobs.enqueue(job, package.pk))


@transaction.atomic
def package_change_start(
    *, actor: User, package: Package, effective_from: dt.date, reason: str
) -> PackageVersion:
    """Prepare a new version (a copy of the latest confirmed one) to take effect from a date."""
    package = Package.objects.select_for_update().get(pk=package.pk)
    if package.status not in (PackageStatus.ACTIVE, PackageStatus.ON_HOLD, PackageStatus.AWAITING_PROVIDER):
        raise ValidationError("Only a package that has gone to brokerage changes by version")
    if package.versions.filter(status=VersionStatus.DRAFT).exists():
        raise ValidationError("A change is already being prepared for this package")
    if not reason.strip():
        raise ValidationError({"reason": "Enter the reason for the change"})
    latest = package.versions.filter(status=VersionStatus.CONFIRMED).order_by("-number").first()
    if latest is None:
        raise ValidationError("This package has no confirmed version to change")
    if effective_from <= latest.effective_from:
        raise ValidationError(
            {"effective_from": f"The change must take effect after {latest.effective_from:%-d %B %Y}"}
        )
    if package.end_date and effective_from > package.end_date:
        raise ValidationError({"effective_from": "The change must take effect before the package ends"})
    draft = PackageVersion(
        package=package,
        number=latest.number + 1,
        effective_from=effective_from,
        care_model=latest.care_model,
        funding=latest.funding,
        council_share_percent=latest.council_share_percent,
        nhs_share_percent=latest.nhs_share_percent,
        weekly_budget_hours=latest.weekly_budget_hours,
        reason=reason.strip(),
        created_by=actor,
    )
    save_audited(draft, actor=actor, reason=reason.strip())
    for row in latest.visit_pattern.all():
        copy = VisitPattern(
            version=draft,
            days=row.days,
            preferred_start=row.preferred_start,
            tolerance_minutes=row.tolerance_minutes,
            duration_minutes=row.duration_minutes,
            carers_required=row.carers_required,
            care_type=row.care_type,
            tasks=row.tasks,
            notes=row.notes,
        )
        save_audited(copy, actor=actor, reason=f"Copied from version {latest.number}")
    return draft


@transaction.atomic
def package_version_update_terms(
    *, actor: User, version: PackageVersion, terms: PackageTerms
) -> PackageVersion:
    version = PackageVersion.objects.select_for_update().select_related("package__person").get(pk=version.pk)
    if version.status != VersionStatus.DRAFT:
        raise ValidationError("This version is confirmed and cannot be changed")
    _apply_terms(version, terms, person=version.package.person)
    save_audited(version, actor=actor)
    return version


@transaction.atomic
def package_change_confirm(*, actor: User, version: PackageVersion) -> PackageVersion:
    """Make a prepared version effective from its date; the version before it ends the day before."""
    version = PackageVersion.objects.select_for_update().select_related("package").get(pk=version.pk)
    if version.status != VersionStatus.DRAFT or version.number == 1:
        raise ValidationError("There is no prepared change to confirm")
    if version.care_model == CareModel.TIME_AND_TASK and not version.visit_pattern.exists():
        raise ValidationError("A time-and-task package needs at least one visit")
    previous = (
        version.package.versions.filter(status=VersionStatus.CONFIRMED, number__lt=version.number)
        .order_by("-number")
        .first()
    )
    if previous is not None:
        previous.effective_to = version.effective_from - dt.timedelta(days=1)
        save_audited(previous, actor=actor, reason=f"Superseded by version {version.number}")
    version.status = VersionStatus.CONFIRMED
    version.confirmed_at = timezone.now()
    save_audited(version, actor=actor, reason="Change confirmed")
    _announce_change(version.package)
    return version


@transaction.atomic
def package_change_discard(*, actor: User, version: PackageVersion) -> None:
    """Throw away a prepared change that never took effect (its history stays in the audit log)."""
    version = PackageVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != VersionStatus.DRAFT or version.number == 1:
        raise ValidationError("There is no prepared change to discard")
    for row in version.visit_pattern.all():
        delete_audited(row, actor=actor, reason="Change discarded")
    delete_audited(version, actor=actor, reason="Change discarded")
