"""The synthetic demo borough: deterministic, realistic and valid by the same rules as the service."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import nhs_number
import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db import connection, transaction
from django.test import RequestFactory
from django.utils import timezone
from phonenumber_field.phonenumber import PhoneNumber

from homecare.accounts.models import Organisation, OrganisationType, Role, User
from homecare.demo import borough
from homecare.people import rules, selectors, services
from homecare.people.models import (
    CareModel,
    CareType,
    Funding,
    Package,
    PackageStatus,
    PackageStatusChange,
    PackageVersion,
    Person,
    PersonalCareTask,
    SupportPlan,
    SupportPlanStatus,
    VersionStatus,
    VisitPattern,
)
from homecare.providers.models import AreaType, Zone

PEOPLE = 120

pytestmark = pytest.mark.django_db


@pytest.fixture
def summary() -> borough.BoroughSummary:
    return borough.build_borough(seed=borough.DEFAULT_SEED, people=PEOPLE, call_monitoring=False)


def fingerprint(seed: int) -> list[tuple]:
    """Build a borough, read who is in it, and roll it back so the next one starts from empty."""
    with transaction.atomic():
        borough.build_borough(seed=seed, people=PEOPLE, call_monitoring=False)
        people = list(
            Person.objects.order_by("id").values_list(
                "nhs_number", "case_reference", "given_name", "family_name"
            )
        )
        transaction.set_rollback(True)
    return people


# --- determinism --------------------------------------------------------------------------------


def test_the_same_seed_makes_the_same_people():
    assert fingerprint(7) == fingerprint(7)


def test_a_different_seed_makes_different_people():
    first, second = fingerprint(7), fingerprint(8)
    assert {p[0] for p in first} != {p[0] for p in second}
    assert [p[1] for p in first] != [p[1] for p in second]
    assert [p[2:] for p in first] != [p[2:] for p in second]


def test_synthetic_nhs_numbers_are_reproducible_valid_unique_and_never_issued():
    import random

    numbers = borough.synthetic_nhs_numbers(random.Random(1), 5000)
    assert numbers == borough.synthetic_nhs_numbers(random.Random(1), 5000)
    assert len(set(numbers)) == 5000
    assert all(n.startswith("999") and nhs_number.is_valid(n) for n in numbers)


# --- the market and the geography ---------------------------------------------------------------


def test_there_is_one_council_and_its_nhs_partner(summary):
    council = Organisation.objects.get(type=OrganisationType.COUNCIL)
    icb = Organisation.objects.get(type=OrganisationType.NHS_PARTNER)
    assert council.name == borough.COUNCIL_NAME
    assert icb.name == borough.ICB_NAME
    assert icb.partner_council == council


def test_there_are_at_least_twelve_providers(summary):
    assert Organisation.objects.filter(type=OrganisationType.PROVIDER).count() >= 12
    assert summary.providers >= 12


def test_there_are_at_least_six_zones_and_some_are_rural(summary):
    assert Zone.objects.count() >= 6
    assert Zone.objects.filter(area_type=AreaType.RURAL).count() >= 2
    assert Zone.objects.filter(area_type=AreaType.URBAN).exists()


def test_people_are_spread_over_every_zone():
    borough.build_borough(seed=borough.DEFAULT_SEED, people=600, call_monitoring=False)
    assert all(zone.people.exists() for zone in Zone.objects.all())


# --- people -------------------------------------------------------------------------------------


def test_it_makes_as_many_people_as_asked(summary):
    assert Person.objects.count() == PEOPLE == summary.people


def test_every_nhs_number_is_valid_and_unique(summary):
    numbers = list(Person.objects.values_list("nhs_number", flat=True))
    assert all(n and rules.nhs_number_problem(n) is None for n in numbers)
    assert len(set(numbers)) == len(numbers)


def test_case_references_are_asc_and_six_digits_and_unique(summary):
    refs = list(Person.objects.values_list("case_reference", flat=True))
    assert all(len(r) == 9 and r.startswith("ASC") and r[3:].isdigit() for r in refs)
    assert len(set(refs)) == len(refs)


def test_postcodes_are_real_uk_postcodes_and_search_keys_are_in_step(summary):
    for person in Person.objects.all():
        assert rules.normalise_postcode(person.postcode) == person.postcode
        assert person.search_postcode == rules.postcode_search_key(person.postcode)
        assert person.search_family_name == rules.search_key(person.family_name)
        assert person.search_given_name == rules.search_key(person.given_name)


def test_emergency_contacts_have_valid_uk_numbers_from_a_drama_range(summary):
    phones = [p.emergency_contact_phone for p in Person.objects.exclude(emergency_contact_phone="")]
    assert phones
    for phone in phones:
        assert isinstance(phone, PhoneNumber) and phone.is_valid()
        assert phone.as_e164.startswith(borough.DRAMA_PHONE_PREFIXES)


def test_people_live_near_the_borough_centre_and_mostly_speak_english(summary):
    for person in Person.objects.all():
        assert abs(person.latitude - Decimal("52.95")) < Decimal("0.25")
        assert abs(person.longitude - Decimal("-1.15")) < Decimal("0.25")
        assert person.date_of_birth < timezone.localdate()
    assert Person.objects.filter(preferred_language="English").count() > PEOPLE * 0.7


def test_a_seeded_person_passes_the_services_own_checks(summary):
    person = Person.objects.order_by("id").first()
    actor = User.objects.get(username=borough.PRACTITIONER_USERNAME)
    services.person_update(
        actor=actor, person=person, reason="Checking the seed", access_notes="Key safe: 1234"
    )
    person.refresh_from_db()
    assert person.access_notes == "Key safe: 1234"


def test_new_records_after_seeding_get_new_ids(summary):
    actor = User.objects.get(username=borough.PRACTITIONER_USERNAME)
    person = services.person_create(
        actor=actor,
        council=actor.organisation,
        case_reference="ASC000001",
        given_name="New",
        family_name="Person",
        date_of_birth=dt.date(1940, 5, 1),
        address_line_1="1 High Street",
        town="Northbridge",
        postcode="NG1 1AA",
        zone=Zone.objects.first(),
    )
    assert person.pk > Person.objects.exclude(pk=person.pk).order_by("-pk").first().pk


def test_seeding_leaves_planner_statistics_for_the_loaded_tables(summary):
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT DISTINCT tbl FROM sqlite_stat1")
        else:
            cursor.execute("SELECT DISTINCT tablename FROM pg_stats WHERE schemaname = current_schema()")
        analysed = {table for (table,) in cursor.fetchall()}
    loaded = {"people_person", "people_supportplan", "people_package", "people_visitpattern"}
    assert loaded <= analysed


def test_about_one_in_twelve_people_are_self_funders():
    borough.build_borough(seed=borough.DEFAULT_SEED, people=1000, call_monitoring=False)
    assert 40 <= Person.objects.filter(self_funder=True).count() <= 130


# --- support plans and packages -----------------------------------------------------------------


def test_most_people_have_a_completed_support_plan_and_some_are_drafts(summary):
    completed = SupportPlan.objects.filter(status=SupportPlanStatus.COMPLETED)
    assert completed.count() > PEOPLE / 2
    assert SupportPlan.objects.filter(status=SupportPlanStatus.DRAFT).exists()
    assert all(plan.outcomes.count() >= 2 for plan in SupportPlan.objects.all())
    assert all(plan.created_at <= plan.completed_at <= timezone.now() for plan in completed)
    assert all(set(plan.tasks) <= set(PersonalCareTask.values) for plan in SupportPlan.objects.all())


def test_some_plans_were_completed_in_the_last_week():
    borough.build_borough(seed=borough.DEFAULT_SEED, people=400, call_monitoring=False)
    week_ago = timezone.now() - dt.timedelta(days=7)
    assert SupportPlan.objects.filter(completed_at__gte=week_ago).exists()
    assert not SupportPlan.objects.filter(completed_at__lt=timezone.now() - dt.timedelta(days=121)).exists()


def test_every_funding_type_and_both_care_models_are_present(summary):
    assert set(PackageVersion.objects.values_list("funding", flat=True)) == set(Funding.values)
    assert set(PackageVersion.objects.values_list("care_model", flat=True)) == set(CareModel.values)


def test_every_package_status_is_present(summary):
    assert set(Package.objects.values_list("status", flat=True)) == set(PackageStatus.values)


def test_only_self_funders_have_self_funded_packages(summary):
    self_funded = PackageVersion.objects.filter(funding=Funding.SELF_FUNDER)
    assert self_funded.exists()
    assert not self_funded.filter(package__person__self_funder=False).exists()


def test_joint_packages_shares_total_one_hundred(summary):
    joint = PackageVersion.objects.filter(funding=Funding.JOINT)
    assert joint.exists()
    for version in joint:
        assert (
            rules.funding_split_problem(
                version.funding, version.council_share_percent, version.nhs_share_percent
            )
            is None
        )


def test_other_packages_shares_follow_the_funding_stream(summary):
    for version in PackageVersion.objects.exclude(funding=Funding.JOINT):
        expected = rules.funding_shares(version.funding, Decimal("100"), Decimal("0"))
        assert (version.council_share_percent, version.nhs_share_percent) == expected


def test_every_visit_is_a_valid_time_band_on_valid_days(summary):
    visits = list(VisitPattern.objects.all())
    assert visits
    for visit in visits:
        assert rules.time_band_problem(visit.duration_minutes) is None
        assert 1 <= visit.days <= 127
        assert visit.carers_required in (1, 2)
    assert VisitPattern.objects.filter(carers_required=2).exists()
    assert VisitPattern.objects.filter(care_type=CareType.WAKING_NIGHT).exists()
    assert VisitPattern.objects.filter(care_type=CareType.SLEEP_IN).exists()


def test_time_and_task_versions_have_visits_and_budgets_have_hours(summary):
    for version in PackageVersion.objects.prefetch_related("visit_pattern"):
        if version.care_model == CareModel.TIME_AND_TASK:
            assert version.visit_pattern.all()
            assert version.weekly_budget_hours is None
        else:
            assert not version.visit_pattern.all()
            assert 0 < version.weekly_budget_hours <= 168


def test_packages_past_draft_have_confirmed_versions_and_drafts_do_not(summary):
    for package in Package.objects.prefetch_related("versions").select_related("support_plan"):
        statuses = {v.status for v in package.versions.all()}
        if package.status == PackageStatus.DRAFT:
            assert statuses == {VersionStatus.DRAFT}
            assert package.submitted_at is None
        else:
            assert statuses == {VersionStatus.CONFIRMED}
            assert package.support_plan.status == SupportPlanStatus.COMPLETED
            assert package.submitted_at is not None


def test_a_second_version_starts_the_day_after_the_first_ends(summary):
    seconds = PackageVersion.objects.filter(number=2).select_related("package")
    assert seconds.exists()
    for second in seconds:
        first = second.package.versions.get(number=1)
        assert first.effective_to == second.effective_from - dt.timedelta(days=1)
        assert second.effective_to is None


def test_active_packages_have_a_provider_and_the_waiting_list_does_not(summary):
    assert not Package.objects.filter(status=PackageStatus.ACTIVE, provider__isnull=True).exists()
    waiting = Package.objects.filter(status=PackageStatus.AWAITING_PROVIDER)
    assert waiting.exists() and not waiting.filter(provider__isnull=False).exists()
    assert waiting.filter(hospital_discharge=True).exists()
    fortnight_ago = timezone.now() - dt.timedelta(days=14, minutes=1)
    assert not waiting.filter(submitted_at__lt=fortnight_ago).exists()


def test_ended_packages_have_an_end_date(summary):
    ended = Package.objects.filter(status=PackageStatus.ENDED)
    assert ended.exists()
    assert all(p.end_date and p.end_date >= p.start_date for p in ended)


def test_each_package_has_a_reference_from_its_id(summary):
    for package in Package.objects.all():
        assert package.reference == f"PKG{package.pk:06d}"


def test_each_package_status_history_leads_to_its_status(summary):
    for package in Package.objects.prefetch_related("status_changes"):
        path = list(package.status_changes.all())
        assert path[0].from_status == "" and path[0].to_status == PackageStatus.DRAFT
        assert path[-1].to_status == package.status
        assert all(a.to_status == b.from_status for a, b in zip(path, path[1:], strict=False))
        assert all(a.at <= b.at for a, b in zip(path, path[1:], strict=False))
    assert PackageStatusChange.objects.count() == summary.status_changes


def test_the_first_provider_has_several_active_packages(summary):
    first = Organisation.objects.get(name=borough.PROVIDER_NAMES[0])
    assert Package.objects.filter(provider=first, status=PackageStatus.ACTIVE).count() >= 3
    provider = User.objects.get(username=borough.PROVIDER_USERNAME)
    assert provider.organisation == first
    assert (
        selectors.packages_visible_to(user=provider).count() == Package.objects.filter(provider=first).count()
    )


def test_the_nhs_partner_sees_packages_it_funds(summary):
    nhs = User.objects.get(username=borough.NHS_USERNAME)
    visible = selectors.packages_visible_to(user=nhs)
    assert visible.exists()
    assert visible.count() < Package.objects.count()


# --- sign-ins -----------------------------------------------------------------------------------


def test_there_is_a_demo_sign_in_for_every_role(summary):
    roles = set(User.objects.filter(username__in=borough.DEMO_USERNAMES).values_list("role", flat=True))
    assert roles == set(Role.values)
    for username in borough.DEMO_USERNAMES:
        assert (
            authenticate(RequestFactory().post("/sign-in"), username=username, password=borough.DEMO_PASSWORD)
            is not None
        )


def test_demo_sign_ins_belong_to_the_right_organisations(summary):
    def org(username):
        return User.objects.get(username=username).organisation

    assert org(borough.NHS_USERNAME).type == OrganisationType.NHS_PARTNER
    assert org(borough.PROVIDER_USERNAME).name == borough.PROVIDER_NAMES[0]
    assert org(borough.CARER_USERNAME).name == borough.PROVIDER_NAMES[0]
    assert org(borough.PROVIDER2_USERNAME).name == borough.PROVIDER_NAMES[1]
    assert org(borough.ADMIN_USERNAME).type == OrganisationType.COUNCIL


def test_every_provider_has_care_workers(summary):
    for provider in Organisation.objects.filter(type=OrganisationType.PROVIDER):
        assert 5 <= provider.users.filter(role=Role.CARE_WORKER).count() <= 16


# --- the commands -------------------------------------------------------------------------------


def test_seed_demo_loads_the_borough_and_if_empty_does_not_load_it_twice():
    out = StringIO()
    call_command("seed_demo", "--people", "40", "--if-empty", stdout=out)
    assert Person.objects.count() == 40
    organisations = Organisation.objects.count()
    out = StringIO()
    call_command("seed_demo", "--people", "40", "--if-empty", stdout=out)
    assert "Demo borough already loaded" in out.getvalue()
    assert Person.objects.count() == 40
    assert Organisation.objects.count() == organisations


def test_seed_demo_refuses_a_database_that_already_has_organisations(summary):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("seed_demo", "--people", "10", stdout=StringIO())


def test_print_demo_signins_lists_every_sign_in_with_the_password(summary):
    out = StringIO()
    call_command("print_demo_signins", stdout=out)
    text = out.getvalue()
    for username in borough.DEMO_USERNAMES:
        assert f" {username} " in text
    assert borough.DEMO_PASSWORD in text
    assert "Open http://127.0.0.1:8000" in text


def test_print_demo_signins_explains_what_to_do_before_the_seed():
    out = StringIO()
    call_command("print_demo_signins", stdout=out)
    assert "seed_demo" in out.getvalue()


def test_a_demo_sign_in_passes_the_second_factor_with_the_published_demo_code(summary, client):
    from homecare.demo.management.commands.demo_code import demo_code_now

    client.post("/sign-in", {"username": borough.BROKER_USERNAME, "password": borough.DEMO_PASSWORD})
    response = client.post("/two-factor", {"code": demo_code_now(), "next": "/brokerage/"})
    assert response.status_code == 302 and response["Location"] == "/brokerage/"
    assert client.get("/brokerage/").status_code == 200


def test_the_borough_has_outcome_based_homecare_to_show(summary):
    from homecare.outcomes.models import CarryOverRule, EqualityMonitoring, FeedbackResponse, OutcomeReview
    from homecare.people.models import SupportPlanEquipment

    assert CarryOverRule.objects.get().mode == "roll_over"
    assert EqualityMonitoring.objects.exists() and SupportPlanEquipment.objects.exists()
    assert FeedbackResponse.objects.exists()
    for review in OutcomeReview.objects.all():
        assert review.answers.count() == review.support_plan.outcomes.count()


def test_a_lead_provider_has_two_approved_subcontractors_a_wage_floor_and_one_shortfall(summary):
    from django.utils import timezone

    from homecare.providers import selectors_subcontracting as sub_selectors
    from homecare.providers.models import LeadProviderAppointment, Subcontracting

    appointment = LeadProviderAppointment.objects.get()
    assert appointment.lead.name == borough.PROVIDER_NAMES[0] and appointment.zone is not None
    subs = Subcontracting.objects.filter(appointment=appointment, status="approved")
    assert subs.count() == 2 and all(s.status_changes.count() == 2 for s in subs)
    council = appointment.council
    assert sub_selectors.current_floor(council=council, on=timezone.localdate()) is not None
    checks = sub_selectors.wage_checks(council=council, today=timezone.localdate())
    rows = {r.organisation.pk: r for r in checks}
    shortfalls = [o for o, r in rows.items() if any(p.status == "shortfall" for p in r.periods)]
    assert len(shortfalls) == 1 and shortfalls[0] in {s.subcontractor_id for s in subs}
