"""Scoped reads of people, support plans and packages. Every query starts from the user's organisation.

Council staff see their council's records; the NHS partner sees people and packages it (co-)funds;
a provider sees only packages awarded to it (and those people and plans); care workers see people only
through their own visits, which the call-monitoring module scopes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from homecare.accounts.models import OrganisationType, Role, User
from homecare.people import rules
from homecare.people.models import (
    NHS_FUNDED,
    Package,
    PackageStatus,
    PackageVersion,
    Person,
    SupportPlan,
    VersionStatus,
    VisitPattern,
)


def _organisation_or_none(user: User):
    if not user.is_authenticated or user.organisation_id is None or user.role == Role.CARE_WORKER:
        return None
    return user.organisation


def packages_visible_to(*, user: User) -> QuerySet[Package]:
    org = _organisation_or_none(user)
    if org is None:
        return Package.objects.none()
    if org.type == OrganisationType.COUNCIL:
        return Package.objects.filter(person__council=org)
    if org.type == OrganisationType.PROVIDER:
        return Package.objects.filter(provider=org)
    if org.type == OrganisationType.NHS_PARTNER:
        # EXISTS, not IN: the planner then walks this council's packages once, using the version index.
        nhs_funded = PackageVersion.objects.filter(
            package=OuterRef("pk"), funding__in=NHS_FUNDED, status=VersionStatus.CONFIRMED
        )
        return Package.objects.filter(Exists(nhs_funded), person__council_id=org.partner_council_id)
    return Package.objects.none()


def people_visible_to(*, user: User) -> QuerySet[Person]:
    org = _organisation_or_none(user)
    if org is None:
        return Person.objects.none()
    if org.type == OrganisationType.COUNCIL:
        return Person.objects.filter(council=org)
    return Person.objects.filter(id__in=packages_visible_to(user=user).values("person_id"))


def support_plans_visible_to(*, user: User) -> QuerySet[SupportPlan]:
    org = _organisation_or_none(user)
    if org is None:
        return SupportPlan.objects.none()
    if org.type == OrganisationType.COUNCIL:
        return SupportPlan.objects.filter(person__council=org)
    return SupportPlan.objects.filter(id__in=packages_visible_to(user=user).values("support_plan_id"))


def person_for_user(*, user: User, pk: int) -> Person:
    """The person, or 404 when the user may not see them (never confirm a foreign record exists)."""
    return get_object_or_404(people_visible_to(user=user).select_related("zone", "council"), pk=pk)


def support_plan_for_user(*, user: User, pk: int) -> SupportPlan:
    return get_object_or_404(
        support_plans_visible_to(user=user).select_related("person", "author", "completed_by"), pk=pk
    )


def package_for_user(*, user: User, pk: int) -> Package:
    return get_object_or_404(
        packages_visible_to(user=user)
        .select_related("person", "provider", "support_plan")
        .prefetch_related(
            Prefetch(
                "versions",
                queryset=PackageVersion.objects.prefetch_related("visit_pattern").order_by("number"),
            )
        ),
        pk=pk,
    )


def version_for_user(*, user: User, pk: int) -> PackageVersion:
    return get_object_or_404(
        PackageVersion.objects.filter(package__in=packages_visible_to(user=user)).select_related(
            "package", "package__person"
        ),
        pk=pk,
    )


def visit_pattern_row_for_user(*, user: User, pk: int) -> VisitPattern:
    return get_object_or_404(
        VisitPattern.objects.filter(version__package__in=packages_visible_to(user=user)).select_related(
            "version", "version__package"
        ),
        pk=pk,
    )


def person_support_plans(*, user: User, person: Person) -> QuerySet[SupportPlan]:
    return support_plans_visible_to(user=user).filter(person=person).prefetch_related("outcomes")


def person_packages(*, user: User, person: Person) -> QuerySet[Package]:
    return (
        packages_visible_to(user=user)
        .filter(person=person)
        .select_related("provider")
        .prefetch_related(
            Prefetch(
                "versions",
                queryset=PackageVersion.objects.prefetch_related("visit_pattern").order_by("number"),
            )
        )
    )


def current_version(*, package: Package, on: date) -> PackageVersion | None:
    """The confirmed version in force on a date (or the first one, before the package starts)."""
    confirmed = [v for v in package.versions.all() if v.status == VersionStatus.CONFIRMED]
    in_force = [
        v for v in confirmed if v.effective_from <= on and (v.effective_to is None or v.effective_to >= on)
    ]
    if in_force:
        return in_force[-1]
    return confirmed[0] if confirmed else None


def draft_version(*, package: Package) -> PackageVersion | None:
    return next((v for v in package.versions.all() if v.status == VersionStatus.DRAFT), None)


# --- search -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchCriteria:
    """What a search box query means: an NHS number, a postcode, a case reference or name prefixes."""

    kind: str  # "nhs_number" | "postcode" | "case_reference" | "name" | "empty"
    value: str
    second: str = ""


def parse_search(query: str) -> SearchCriteria:
    text = " ".join((query or "").split())
    if not text:
        return SearchCriteria("empty", "")
    digits = rules.normalise_nhs_number(text)
    if digits.isdigit() and len(digits) == 10:
        return SearchCriteria("nhs_number", digits)
    try:
        return SearchCriteria("postcode", rules.postcode_search_key(rules.normalise_postcode(text)))
    except ValueError:
        pass
    if any(ch.isdigit() for ch in text):
        # Case references carry digits (ASC123456); partial postcodes ("SE15") are prefixes too.
        return SearchCriteria("case_reference", text.upper())
    parts = rules.search_key(text).replace(",", " ").split()
    if len(parts) == 1:
        return SearchCriteria("name", parts[0])
    return SearchCriteria("name", parts[-1], second=parts[0])


def _prefix(field: str, prefix: str) -> Q:
    # A range plus startswith: both databases answer it from the btree index, whatever the collation.
    return Q(**{f"{field}__gte": prefix, f"{field}__lt": rules.prefix_upper_bound(prefix)}) & Q(
        **{f"{field}__startswith": prefix}
    )


def people_search(*, user: User, query: str) -> QuerySet[Person]:
    """People the user may see matching the query, ordered by name. Unbounded: callers paginate."""
    criteria = parse_search(query)
    people = people_visible_to(user=user).select_related("zone")
    if criteria.kind == "empty":
        return people.none()
    if criteria.kind == "nhs_number":
        return people.filter(nhs_number=criteria.value)
    if criteria.kind == "postcode":
        return people.filter(search_postcode=criteria.value)
    if criteria.kind == "case_reference":
        key = criteria.value.replace(" ", "")
        return people.filter(Q(case_reference=key) | _prefix("search_postcode", key))
    # One word is the start of a family name (as in the NHS's own searches); two words are a given and a
    # family name in either order ("Mary Smith", "Smith, Mary"). Ordering by the search keys lets the
    # database walk the (council, family, given) index and stop at the first page instead of sorting.
    name = people.filter(_prefix("search_family_name", criteria.value))
    if criteria.second:
        name = name.filter(_prefix("search_given_name", criteria.second)) | people.filter(
            _prefix("search_family_name", criteria.second) & _prefix("search_given_name", criteria.value)
        )
    return name.order_by("search_family_name", "search_given_name", "id")


# --- dashboards ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PackageCounts:
    awaiting_provider: int
    active: int
    on_hold: int
    draft: int


def package_counts(*, user: User) -> PackageCounts:
    packages = packages_visible_to(user=user)
    counts = {row["status"]: row["n"] for row in _count_by_status(packages)}
    return PackageCounts(
        awaiting_provider=counts.get(PackageStatus.AWAITING_PROVIDER, 0),
        active=counts.get(PackageStatus.ACTIVE, 0),
        on_hold=counts.get(PackageStatus.ON_HOLD, 0),
        draft=counts.get(PackageStatus.DRAFT, 0),
    )


def _count_by_status(packages: QuerySet[Package]):
    from django.db.models import Count

    return packages.order_by().values("status").annotate(n=Count("id"))


def packages_awaiting_provider(*, user: User) -> QuerySet[Package]:
    return (
        packages_visible_to(user=user)
        .filter(status=PackageStatus.AWAITING_PROVIDER)
        .select_related("person", "person__zone")
        .order_by("-hospital_discharge", "submitted_at")
    )


def draft_support_plans(*, user: User, author: User | None = None) -> QuerySet[SupportPlan]:
    plans = support_plans_visible_to(user=user).filter(status="draft").select_related("person")
    return plans.filter(author=author) if author else plans


def support_plans_completed_since(*, user: User, since: datetime) -> QuerySet[SupportPlan]:
    return support_plans_visible_to(user=user).filter(completed_at__gte=since)
