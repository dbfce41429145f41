"""Scoped reads for outcome-based homecare, and the selectors the reporting app turns into KPIs.

Every page read starts from `people.selectors.packages_visible_to(user)`: council staff see their
council's packages, the NHS partner those it (co-)funds, a provider's managers only packages awarded to
them; anything else is a 404. The KPI selectors (`budget_utilisation`, `feedback_scores`,
`allocation_fairness`) take the council (and optionally providers) explicitly: the reporting app
calls them for the signed-in officer's own council.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from homecare.accounts.models import Organisation, User
from homecare.outcomes import budgets, rules
from homecare.outcomes.models import (
    BudgetAlert,
    CarryOverRule,
    Disability,
    EqualityMonitoring,
    Ethnicity,
    ExcessApproval,
    FeedbackResponse,
    FeedbackSurvey,
    OutcomeReview,
    Sex,
)
from homecare.people.models import (
    CareModel,
    Funding,
    Package,
    PackageStatus,
    PackageVersion,
    Person,
    VersionStatus,
)
from homecare.people.selectors import packages_visible_to

QUESTION_FIELDS = ("continuity", "punctuality", "dignity", "outcomes", "listened")


# --- packages and budget weeks ---------------------------------------------------------------------


def budget_packages_visible_to(*, user: User) -> QuerySet[Package]:
    """Packages the user may see that have (or had) a confirmed budget-of-hours version."""
    return (
        packages_visible_to(user=user)
        .filter(versions__status=VersionStatus.CONFIRMED, versions__care_model=CareModel.BUDGET_OF_HOURS)
        .distinct()
    )


def is_budget_package(*, package: Package) -> bool:
    """Whether the package has (or had) a confirmed budget-of-hours version."""
    return package.versions.filter(
        status=VersionStatus.CONFIRMED, care_model=CareModel.BUDGET_OF_HOURS
    ).exists()


def package_for_user(*, user: User, pk: int) -> Package:
    """Any package the user may see (outcome reviews and feedback are not only for budget packages)."""
    return get_object_or_404(
        packages_visible_to(user=user).select_related("person", "provider", "support_plan"), pk=pk
    )


def budget_weeks_for_package(
    *, package: Package, through: dt.date | None = None
) -> list[budgets.PackageWeek]:
    """The package's weeks to the week of `through` (default today), newest last."""
    through = through or timezone.localdate()
    return budgets.package_weeks([package.pk], through=through).get(package.pk, [])


def budget_weeks_for_person(
    *, user: User, person: Person, through: dt.date | None = None
) -> dict[Package, list[budgets.PackageWeek]]:
    """Each of the person's budget packages the user may see, with its weeks."""
    packages = list(budget_packages_visible_to(user=user).filter(person=person).select_related("provider"))
    weeks = budgets.package_weeks([p.pk for p in packages], through=through or timezone.localdate())
    return {p: weeks.get(p.pk, []) for p in packages}


def budget_week_rows(*, user: User, week: dt.date) -> list[tuple[Package, budgets.PackageWeek | None]]:
    """The user's live budget packages with the given week (the provider manager's weekly list)."""
    packages = list(
        budget_packages_visible_to(user=user)
        .filter(status__in=(PackageStatus.ACTIVE, PackageStatus.ON_HOLD))
        .select_related("person", "provider")
        .order_by("person__family_name", "person__given_name", "pk")
    )
    weeks = budgets.package_weeks([p.pk for p in packages], through=week + dt.timedelta(days=6))
    rows = []
    for package in packages:
        this = next((w for w in weeks.get(package.pk, []) if w.result.week_start == week), None)
        rows.append((package, this))
    return rows


def excess_approvals_for(*, package: Package) -> QuerySet[ExcessApproval]:
    return ExcessApproval.objects.filter(package=package).select_related("approved_by")


def alerts_visible_to(*, user: User) -> QuerySet[BudgetAlert]:
    return BudgetAlert.objects.filter(package__in=packages_visible_to(user=user))


def carry_over_rules(*, council: Organisation) -> QuerySet[CarryOverRule]:
    return CarryOverRule.objects.filter(council=council).select_related("recorded_by")


def carry_over_rule_on(*, council: Organisation, on: dt.date) -> CarryOverRule | None:
    return carry_over_rules(council=council).filter(effective_from__lte=on).first()


# --- reviews and feedback ------------------------------------------------------------------------


def reviews_visible_to(*, user: User) -> QuerySet[OutcomeReview]:
    return OutcomeReview.objects.filter(package__in=packages_visible_to(user=user))


def review_for_user(*, user: User, pk: int) -> OutcomeReview:
    return get_object_or_404(
        reviews_visible_to(user=user)
        .select_related("package__person", "reviewed_by", "new_version")
        .prefetch_related("answers__outcome"),
        pk=pk,
    )


def surveys_visible_to(*, user: User) -> QuerySet[FeedbackSurvey]:
    return FeedbackSurvey.objects.filter(package__in=packages_visible_to(user=user))


def survey_for_user(*, user: User, pk: int) -> FeedbackSurvey:
    return get_object_or_404(
        surveys_visible_to(user=user).select_related("package", "person", "provider", "council"), pk=pk
    )


def survey_councils(*, user: User) -> QuerySet[Organisation]:
    """The councils whose surveys the user may see (a provider on several councils' frameworks)."""
    return Organisation.objects.filter(pk__in=surveys_visible_to(user=user).values("council_id")).order_by(
        "name"
    )


def survey_response(*, survey: FeedbackSurvey) -> FeedbackResponse | None:
    return FeedbackResponse.objects.filter(survey=survey).select_related("recorded_by").first()


@dataclass(frozen=True)
class FeedbackScore:
    """Mean answers (1–5) per question, and the overall score out of 100 (the mean of every answer)."""

    responses: int
    means: dict[str, Decimal]
    points: Decimal | None

    @classmethod
    def of(cls, responses: int, sums: dict[str, int]) -> FeedbackScore:
        if not responses:
            return cls(0, {}, None)
        means = {q: (Decimal(sums[q]) / responses).quantize(Decimal("0.01")) for q in QUESTION_FIELDS}
        overall = Decimal(sum(sums.values())) / (responses * len(QUESTION_FIELDS))
        return cls(responses, means, rules.scale_points(overall))


@dataclass(frozen=True)
class FeedbackSummary:
    overall: FeedbackScore
    by_provider: dict[int, FeedbackScore] = field(default_factory=dict)


def feedback_scores(
    *,
    council: Organisation,
    since: dt.date,
    until: dt.date,
    provider_ids: Iterable[int] | None = None,
) -> FeedbackSummary:
    """Feedback received between two dates (inclusive, London days) about the council's packages: the
    overall score and each provider's. One query. KPI: "feedback score" (points out of 100)."""
    start = timezone.make_aware(dt.datetime.combine(since, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min))
    responses = FeedbackResponse.objects.filter(
        survey__council=council, received_at__gte=start, received_at__lt=end
    )
    if provider_ids is not None:
        responses = responses.filter(survey__provider_id__in=list(provider_ids))
    totals: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(QUESTION_FIELDS, 0))
    counts: dict[int, int] = defaultdict(int)
    for row in responses.values("survey__provider_id", *QUESTION_FIELDS):
        provider = row["survey__provider_id"]
        counts[provider] += 1
        for q in QUESTION_FIELDS:
            totals[provider][q] += row[q]
    overall_sums = {q: sum(t[q] for t in totals.values()) for q in QUESTION_FIELDS}
    return FeedbackSummary(
        overall=FeedbackScore.of(sum(counts.values()), overall_sums),
        by_provider={p: FeedbackScore.of(counts[p], totals[p]) for p in counts if p is not None},
    )


def feedback_for_quality(
    *, council: Organisation, provider_ids: Iterable[int], since: dt.date, on: dt.date
) -> dict[int, tuple[int, Decimal | None]]:
    """(responses, points) per provider for the quality score, in one query (quality/scoring.py)."""
    summary = feedback_scores(
        council=council, since=since + dt.timedelta(days=1), until=on, provider_ids=provider_ids
    )
    return {p: (s.responses, s.points) for p, s in summary.by_provider.items()}


# --- budget utilisation (KPI) --------------------------------------------------------------------


@dataclass(frozen=True)
class Utilisation:
    packages: int
    weeks: int
    budgeted_hours: Decimal
    delivered_hours: Decimal
    within_hours: Decimal

    @property
    def percent(self) -> Decimal | None:
        if not self.budgeted_hours:
            return None
        return (self.delivered_hours * 100 / self.budgeted_hours).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )


def budget_utilisation(
    *, council: Organisation, month: dt.date, provider: Organisation | None = None
) -> Utilisation:
    """Hours delivered against hours budgeted in the budget weeks whose Monday falls in the month, for the
    council's budget-of-hours packages (one provider's, if given). KPI: "budget utilisation" (%)."""
    first = month.replace(day=1)
    last = rules.add_months(first, 1) - dt.timedelta(days=1)
    packages = Package.objects.filter(
        person__council=council,
        versions__status=VersionStatus.CONFIRMED,
        versions__care_model=CareModel.BUDGET_OF_HOURS,
        start_date__lte=last,
    ).distinct()
    if provider is not None:
        packages = packages.filter(provider=provider)
    ids = list(packages.values_list("pk", flat=True))
    weeks = budgets.package_weeks(ids, through=min(last, timezone.localdate()))
    budgeted = delivered = within = n_weeks = used = 0
    for package_weeks in weeks.values():
        counted = False
        for w in package_weeks:
            r = w.result
            if first <= r.week_start <= last and r.budget > 0:
                budgeted, delivered, within = budgeted + r.budget, delivered + r.delivered, within + r.within
                n_weeks += 1
                counted = True
        used += int(counted)
    return Utilisation(
        packages=used,
        weeks=n_weeks,
        budgeted_hours=rules.minutes_to_hours(budgeted),
        delivered_hours=rules.minutes_to_hours(delivered),
        within_hours=rules.minutes_to_hours(within),
    )


# --- equality of allocations -----------------------------------------------------------------------


DIMENSIONS = {
    "age_band": "Age band",
    "sex": "Sex",
    "ethnicity": "Ethnicity",
    "disability": "Disability",
    "zone": "Neighbourhood (zone)",
    "funding": "Funding",
}
NOT_RECORDED = "Not recorded"


@dataclass(frozen=True)
class GroupSpread:
    dimension: str
    group: str
    spread: rules.Spread


def _weekly_hours(version: PackageVersion) -> Decimal:
    if version.care_model == CareModel.BUDGET_OF_HOURS:
        return version.weekly_budget_hours or Decimal(0)
    return version.planned_week.total_hours


def allocation_hours(*, council: Organisation, on: dt.date) -> list[dict]:
    """Per person with care on the day: weekly hours allocated (budget, or the visit pattern's carer
    hours) and their groups. People with two packages count once, with the hours added up."""
    versions = (
        PackageVersion.objects.filter(
            package__person__council=council,
            package__status__in=(PackageStatus.ACTIVE, PackageStatus.ON_HOLD),
            status=VersionStatus.CONFIRMED,
            effective_from__lte=on,
        )
        .exclude(effective_to__lt=on)
        .select_related("package__person__zone")
        .prefetch_related("visit_pattern")
        .order_by("package_id", "effective_from", "number")
    )
    current: dict[int, PackageVersion] = {}
    for version in versions:
        current[version.package_id] = version  # the latest in force wins
    people: dict[int, dict] = {}
    for version in current.values():
        person = version.package.person
        row = people.setdefault(
            person.pk,
            {"hours": Decimal(0), "person": person, "funding": version.funding, "funding_hours": Decimal(-1)},
        )
        hours = _weekly_hours(version)
        row["hours"] += hours
        if hours > row["funding_hours"]:  # the person's main funding stream: their largest package's
            row["funding"], row["funding_hours"] = version.funding, hours
    equality = {
        e.person_id: e
        for e in EqualityMonitoring.objects.filter(person_id__in=list(people)).only(
            "person_id", "sex", "ethnicity", "disability"
        )
    }
    labels = {
        "sex": dict(Sex.choices),
        "ethnicity": dict(Ethnicity.choices),
        "disability": dict(Disability.choices),
    }
    out = []
    for row in people.values():
        person = row["person"]
        e = equality.get(person.pk)
        out.append(
            {
                "hours": row["hours"],
                "age_band": rules.age_band(person.date_of_birth, on),
                "sex": labels["sex"].get(e.sex, NOT_RECORDED) if e else NOT_RECORDED,
                "ethnicity": labels["ethnicity"].get(e.ethnicity, NOT_RECORDED) if e else NOT_RECORDED,
                "disability": labels["disability"].get(e.disability, NOT_RECORDED) if e else NOT_RECORDED,
                "zone": person.zone.name,
                "funding": Funding(row["funding"]).label,
            }
        )
    return out


def allocation_fairness(*, council: Organisation, on: dt.date | None = None) -> list[GroupSpread]:
    """Weekly hours per person grouped by age band, sex, ethnicity, disability, zone and funding: n, min,
    quartiles, median, max and mean for each group, so a committee can compare allocations."""
    rows = allocation_hours(council=council, on=on or timezone.localdate())
    out: list[GroupSpread] = []
    for dimension in DIMENSIONS:
        groups: dict[str, list[Decimal]] = defaultdict(list)
        for row in rows:
            groups[row[dimension]].append(row["hours"])
        for group in sorted(groups, key=lambda g: (g == NOT_RECORDED, g)):
            result = rules.spread(groups[group])
            if result is not None:
                out.append(GroupSpread(dimension, group, result))
    return out


def equality_for(*, user: User, person: Person) -> EqualityMonitoring | None:
    """The person's answers, for council staff only (providers and the NHS partner never see them)."""
    org = user.organisation if user.is_authenticated else None
    if org is None or not org.is_council or person.council_id != org.pk:
        return None
    return EqualityMonitoring.objects.filter(person=person).first()


def equality_coverage(*, council: Organisation) -> tuple[int, int]:
    """(people with answers recorded, people) at the council: the page's caveat on unrecorded groups."""
    recorded = EqualityMonitoring.objects.filter(person__council=council).count()
    return recorded, Person.objects.filter(council=council).count()
