"""People, plans and packages through their services: rules hold, nothing is half-saved, history is kept."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from homecare.people import services, state
from homecare.people.models import Package, PackageStatusChange, PackageVersion, Person, VisitPattern
from homecare.people.tests.factories import make_package, make_person, make_support_plan, next_nhs_number

TODAY = dt.date(2026, 11, 23)


def _person_fields(zone, **overrides):
    fields = {
        "case_reference": "asc900001",
        "nhs_number": next_nhs_number(),
        "given_name": "Ada",
        "family_name": "Lovelace",
        "date_of_birth": dt.date(1938, 12, 10),
        "address_line_1": "1 Mill Lane",
        "town": "Northbridge",
        "postcode": "ng1 1aa",
        "zone": zone,
    }
    fields.update(overrides)
    return fields


def test_a_new_person_is_stored_with_normalised_identifiers_and_a_history_row(alice, northbridge, zone):
    person = services.person_create(actor=alice, council=northbridge, **_person_fields(zone))
    assert person.postcode == "NG1 1AA"
    assert person.case_reference == "ASC900001"
    assert person.search_family_name == "lovelace"
    created = person.history.get()
    assert created.history_type == "+" and created.history_user == alice


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("nhs_number", "1234567890", "valid NHS number"),
        ("nhs_number", "12345", "10 digits"),
        ("postcode", "NOT A CODE", "UK postcode"),
    ],
)
def test_bad_identifiers_are_refused_with_a_message_and_nothing_is_saved(
    alice, northbridge, zone, field, value, message
):
    with pytest.raises(ValidationError) as error:
        services.person_create(actor=alice, council=northbridge, **_person_fields(zone, **{field: value}))
    assert message in " ".join(error.value.message_dict[field])
    assert not Person.objects.exists()


def test_a_duplicate_nhs_number_is_refused(alice, northbridge, zone, mary):
    with pytest.raises(ValidationError) as error:
        services.person_create(
            actor=alice, council=northbridge, **_person_fields(zone, nhs_number=mary.nhs_number)
        )
    assert "already recorded" in error.value.message_dict["nhs_number"][0]
    assert Person.objects.count() == 1


def test_a_correction_keeps_the_original_value_and_the_reason_in_history(alice, mary):
    services.person_update(actor=alice, person=mary, reason="Moved house", postcode="NG7 2RD")
    latest, original = list(mary.history.all()[:2])
    assert original.postcode == "NG1 1AA" and latest.postcode == "NG7 2RD"
    assert latest.history_change_reason == "Moved house"


def test_a_zone_of_another_council_is_refused(alice, northbridge, southwold):
    from homecare.people.tests.factories import make_zone

    foreign_zone = make_zone(council=southwold)
    with pytest.raises(ValidationError) as error:
        make_person(council=northbridge, actor=alice, zone=foreign_zone)
    assert "zone" in error.value.message_dict


def test_completing_a_support_plan_records_when_the_two_day_clock_starts(alice, mary):
    plan = make_support_plan(person=mary, actor=alice, complete=False)
    before = timezone.now()
    plan = services.support_plan_complete(actor=alice, plan=plan)
    assert plan.status == "completed" and plan.completed_by == alice
    assert before <= plan.completed_at <= timezone.now()
    with pytest.raises(ValidationError):
        services.support_plan_complete(actor=alice, plan=plan)


def test_a_completed_support_plan_cannot_be_edited(alice, mary):
    plan = make_support_plan(person=mary, actor=alice)
    with pytest.raises(ValidationError):
        services.support_plan_update(
            actor=alice,
            plan=plan,
            outcomes=["changed"],
            tasks=["washing"],
            review_date=timezone.localdate() + dt.timedelta(days=30),
        )


def test_outcomes_are_kept_one_per_line_in_order(alice, mary):
    plan = services.support_plan_create(
        actor=alice,
        person=mary,
        outcomes=["  I want to walk to the shop ", "", "I want to see my grandchildren"],
        tasks=["moving_handling"],
        review_date=timezone.localdate() + dt.timedelta(days=90),
    )
    assert [o.in_own_words for o in plan.outcomes.all()] == [
        "I want to walk to the shop",
        "I want to see my grandchildren",
    ]


def _draft_package(person, actor, **terms):
    plan = make_support_plan(person=person, actor=actor)
    return services.package_create(
        actor=actor,
        person=person,
        support_plan=plan,
        terms=services.PackageTerms(care_model="time_and_task", funding="council", **terms),
        start_date=TODAY,
    )


def test_a_joint_split_that_does_not_total_100_is_refused_and_no_package_is_left_behind(alice, mary):
    plan = make_support_plan(person=mary, actor=alice)
    with pytest.raises(ValidationError) as error:
        services.package_create(
            actor=alice,
            person=mary,
            support_plan=plan,
            terms=services.PackageTerms(
                care_model="time_and_task",
                funding="joint",
                council_share_percent=Decimal("60"),
                nhs_share_percent=Decimal("30"),
            ),
            start_date=TODAY,
        )
    assert "total 100%" in error.value.message_dict["council_share_percent"][0]
    assert not Package.objects.exists() and not PackageVersion.objects.exists()


def test_an_end_date_before_the_start_date_is_refused(alice, mary):
    plan = make_support_plan(person=mary, actor=alice)
    with pytest.raises(ValidationError) as error:
        services.package_create(
            actor=alice,
            person=mary,
            support_plan=plan,
            terms=services.PackageTerms(care_model="time_and_task", funding="council"),
            start_date=TODAY,
            end_date=TODAY - dt.timedelta(days=1),
        )
    assert "end_date" in error.value.message_dict
    assert not Package.objects.exists()


@pytest.mark.parametrize("minutes", [10, 17, 14, 1441])
def test_visits_outside_the_time_bands_are_refused(alice, mary, minutes):
    package = _draft_package(mary, alice)
    with pytest.raises(ValidationError) as error:
        services.visit_pattern_add(
            actor=alice,
            version=package.versions.get(),
            details=services.VisitDetails(days=[0], preferred_start=dt.time(7, 30), duration_minutes=minutes),
        )
    assert "duration_minutes" in error.value.message_dict
    assert not VisitPattern.objects.exists()


def test_the_package_moves_through_its_lifecycle_and_each_step_is_recorded(alice, bella, acorn, mary):
    package = make_package(person=mary, actor=bella, status="draft")
    for step, expected in [
        ("submit", "awaiting_provider"),
        ("start", "active"),
        ("hold", "on_hold"),
        ("resume", "active"),
        ("end", "ended"),
    ]:
        package = services.package_transition(
            actor=bella,
            package=package,
            transition=step,
            provider=acorn,
            reason="Admitted to hospital" if step in ("hold", "end") else "",
        )
        assert package.status == expected
    path = list(PackageStatusChange.objects.filter(package=package).values_list("to_status", flat=True))
    assert path == ["draft", "awaiting_provider", "active", "on_hold", "active", "ended"]
    assert package.end_date == max(timezone.localdate(), package.start_date)


@pytest.mark.parametrize(
    ("status", "transition"),
    [
        ("draft", "start"),
        ("draft", "resume"),
        ("ended", "submit"),
        ("active", "submit"),
        ("awaiting_provider", "hold"),
    ],
)
def test_transitions_the_state_machine_does_not_allow_are_refused(bella, acorn, mary, status, transition):
    package = make_package(person=mary, actor=bella, status=status, provider=acorn)
    with pytest.raises(state.TransitionNotAllowed):
        services.package_transition(
            actor=bella, package=package, transition=transition, provider=acorn, reason="x"
        )
    package.refresh_from_db()
    assert package.status == status


def test_a_package_cannot_go_to_brokerage_before_its_plan_is_complete(alice, mary):
    plan = make_support_plan(person=mary, actor=alice, complete=False)
    package = services.package_create(
        actor=alice,
        person=mary,
        support_plan=plan,
        terms=services.PackageTerms(care_model="time_and_task", funding="council"),
        start_date=TODAY,
    )
    with pytest.raises(ValidationError) as error:
        services.package_transition(actor=alice, package=package, transition="submit")
    assert "Complete the support plan" in error.value.messages[0]


def test_a_change_to_an_active_package_is_a_new_version_from_a_date_and_the_old_one_is_kept(
    bella, acorn, mary
):
    package = make_package(person=mary, actor=bella, status="active", provider=acorn, start_date=TODAY)
    first = package.versions.get(number=1)
    change_from = TODAY + dt.timedelta(days=7)
    draft = services.package_change_start(
        actor=bella, package=package, effective_from=change_from, reason="Needs more help"
    )
    assert [r.duration_minutes for r in draft.visit_pattern.all()] == [30]
    row = draft.visit_pattern.get()
    services.visit_pattern_update(
        actor=bella,
        row=row,
        details=services.VisitDetails(
            days=list(range(7)), preferred_start=dt.time(8, 0), duration_minutes=45
        ),
    )
    services.package_change_confirm(actor=bella, version=draft)
    first.refresh_from_db()
    assert first.effective_to == change_from - dt.timedelta(days=1)
    assert first.planned_week.total_hours == Decimal("3.50")  # 7 × 30 minutes, untouched
    draft.refresh_from_db()
    assert draft.status == "confirmed" and draft.planned_week.total_hours == Decimal("5.25")


def test_confirmed_versions_cannot_be_edited(bella, acorn, mary):
    package = make_package(person=mary, actor=bella, status="active", provider=acorn)
    version = package.versions.get(number=1)
    with pytest.raises(ValidationError):
        services.visit_pattern_add(
            actor=bella,
            version=version,
            details=services.VisitDetails(days=[0], preferred_start=dt.time(9, 0), duration_minutes=30),
        )
    with pytest.raises(ValidationError):
        services.visit_pattern_remove(actor=bella, row=version.visit_pattern.get())


def test_a_change_must_start_after_the_version_in_force(bella, acorn, mary):
    package = make_package(person=mary, actor=bella, status="active", provider=acorn, start_date=TODAY)
    with pytest.raises(ValidationError) as error:
        services.package_change_start(actor=bella, package=package, effective_from=TODAY, reason="x")
    assert "effective_from" in error.value.message_dict


def test_only_one_change_is_prepared_at_a_time(bella, acorn, mary):
    package = make_package(person=mary, actor=bella, status="active", provider=acorn, start_date=TODAY)
    services.package_change_start(
        actor=bella, package=package, effective_from=TODAY + dt.timedelta(days=3), reason="a"
    )
    with pytest.raises(ValidationError):
        services.package_change_start(
            actor=bella, package=package, effective_from=TODAY + dt.timedelta(days=4), reason="b"
        )


def test_a_self_funded_package_needs_a_self_funder(alice, mary):
    plan = make_support_plan(person=mary, actor=alice)
    with pytest.raises(ValidationError) as error:
        services.package_create(
            actor=alice,
            person=mary,
            support_plan=plan,
            terms=services.PackageTerms(care_model="time_and_task", funding="self_funder"),
            start_date=TODAY,
        )
    assert "funding" in error.value.message_dict


def test_a_budget_of_hours_package_needs_its_weekly_hours(alice, mary):
    plan = make_support_plan(person=mary, actor=alice)
    with pytest.raises(ValidationError) as error:
        services.package_create(
            actor=alice,
            person=mary,
            support_plan=plan,
            terms=services.PackageTerms(care_model="budget_of_hours", funding="council"),
            start_date=TODAY,
        )
    assert "weekly_budget_hours" in error.value.message_dict
    package = services.package_create(
        actor=alice,
        person=mary,
        support_plan=plan,
        terms=services.PackageTerms(
            care_model="budget_of_hours", funding="council", weekly_budget_hours=Decimal("10.5")
        ),
        start_date=TODAY,
    )
    assert package.versions.get().weekly_budget_hours == Decimal("10.5")
