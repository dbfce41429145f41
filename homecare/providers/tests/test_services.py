"""Writes to the framework: the lifecycle, admissions, rates that are never edited, and the evidence."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from homecare.providers import services, state
from homecare.providers.models import (
    AppendOnlyError,
    CapacityDeclaration,
    FrameworkStatus,
    RateCard,
)
from homecare.providers.tests.factories import make_framework


def messages(exc_info) -> dict:
    return exc_info.value.message_dict


# --- the lifecycle ------------------------------------------------------------------------------


def test_a_framework_is_drafted_with_its_first_status_row(northbridge, clara):
    framework = services.framework_create(
        actor=clara,
        council=northbridge,
        name="Homecare 2025",
        reference="hc-25",
        start_date=dt.date(2025, 4, 1),
    )
    assert framework.status == "draft"
    assert framework.reference == "HC-25"
    assert framework.end_date == dt.date(2029, 3, 31)
    assert [(c.from_status, c.to_status, c.by) for c in framework.status_changes.all()] == [
        ("", "draft", clara)
    ]


def test_weights_that_do_not_total_100_are_refused(northbridge, clara):
    with pytest.raises(ValidationError) as exc:
        services.framework_create(
            actor=clara,
            council=northbridge,
            name="Homecare",
            reference="HC",
            start_date=dt.date(2025, 4, 1),
            quality_weight_percent=Decimal("60"),
            price_weight_percent=Decimal("50"),
        )
    assert "must total 100%" in messages(exc)["quality_weight_percent"][0]


def test_only_requires_improvement_and_inadequate_can_be_barred(northbridge, clara):
    with pytest.raises(ValidationError) as exc:
        services.framework_create(
            actor=clara,
            council=northbridge,
            name="Homecare",
            reference="HC",
            start_date=dt.date(2025, 4, 1),
            barred_ratings=["good"],
        )
    assert "barred_ratings" in messages(exc)


def test_each_step_writes_an_immutable_status_row(northbridge, clara, acorn):
    framework = make_framework(council=northbridge, actor=clara, admitted=[acorn])
    changes = list(framework.status_changes.all())
    assert [c.to_status for c in changes] == [
        "draft",
        "open_for_applications",
        "evaluating",
        "standstill",
        "live",
    ]
    with pytest.raises(AppendOnlyError):
        changes[-1].reason = "rewritten"
        changes[-1].save()


@pytest.mark.parametrize(
    ("status", "step"),
    [
        ("draft", "go_live"),
        ("draft", "evaluate"),
        ("live", "open"),
        ("expired", "go_live"),
        ("evaluating", "expire"),
    ],
)
def test_steps_not_allowed_from_the_current_status_are_refused(northbridge, clara, acorn, status, step):
    framework = make_framework(council=northbridge, actor=clara, status=status, admitted=[acorn])
    with pytest.raises(state.TransitionNotAllowed):
        services.framework_transition(actor=clara, framework=framework, transition=step, reason="x")
    framework.refresh_from_db()
    assert framework.status == status


def test_an_unknown_step_is_refused(northbridge, clara):
    framework = make_framework(council=northbridge, actor=clara, status="draft")
    with pytest.raises(state.TransitionNotAllowed):
        services.framework_transition(actor=clara, framework=framework, transition="submit")


def test_going_to_standstill_needs_an_admitted_provider(northbridge, clara):
    framework = make_framework(council=northbridge, actor=clara, status="evaluating")
    with pytest.raises(ValidationError, match="Admit at least one provider"):
        services.framework_transition(actor=clara, framework=framework, transition="standstill")


def test_going_live_needs_a_rate_card_for_every_lot(northbridge, clara, acorn):
    framework = make_framework(council=northbridge, actor=clara, status="evaluating", area_types=["urban"])
    lot = framework.lots.get()
    services.admission_record(
        actor=clara,
        lot=lot,
        provider=acorn,
        quality_score=Decimal("70"),
        price_score=Decimal("60"),
        decision="admitted",
    )
    services.framework_transition(actor=clara, framework=framework, transition="standstill")
    with pytest.raises(ValidationError, match="Add a rate card for every lot"):
        services.framework_transition(actor=clara, framework=framework, transition="go_live")
    services.rate_card_add(
        actor=clara, lot=lot, care_type="day", amount=Decimal("24.20"), effective_from=dt.date(2025, 4, 1)
    )
    assert (
        services.framework_transition(actor=clara, framework=framework, transition="go_live").status == "live"
    )


def test_expiring_needs_a_reason(northbridge, clara, acorn):
    framework = make_framework(council=northbridge, actor=clara, admitted=[acorn])
    with pytest.raises(ValidationError) as exc:
        services.framework_transition(actor=clara, framework=framework, transition="expire", reason=" ")
    assert "reason" in messages(exc)


def test_a_lot_is_unique_per_service_and_area_type(framework, clara):
    with pytest.raises(ValidationError) as exc:
        services.lot_add(actor=clara, framework=framework, service="homecare", area_type="urban")
    assert "already has a lot" in messages(exc)["service"][0]
    lot = services.lot_add(actor=clara, framework=framework, service="reablement", area_type="urban")
    assert lot.name == "Reablement – urban zones"


# --- admissions ---------------------------------------------------------------------------------


def test_an_admission_stores_the_weighted_score_from_the_frameworks_weights(northbridge, clara, acorn):
    framework = make_framework(council=northbridge, actor=clara, status="evaluating", area_types=["urban"])
    admission = services.admission_record(
        actor=clara,
        lot=framework.lots.get(),
        provider=acorn,
        quality_score=Decimal("85.5"),
        price_score=Decimal("70"),
        decision="admitted",
    )
    assert admission.weighted_score == Decimal("79.30")  # 85.5 × 0.6 + 70 × 0.4
    assert admission.decided_by == clara


def test_a_revised_admission_replaces_the_decision_and_keeps_the_old_one_in_history(
    northbridge, clara, acorn
):
    framework = make_framework(council=northbridge, actor=clara, status="evaluating", area_types=["urban"])
    lot = framework.lots.get()
    first = services.admission_record(
        actor=clara,
        lot=lot,
        provider=acorn,
        quality_score=Decimal("40"),
        price_score=Decimal("40"),
        decision="not_admitted",
        reason="Below the quality threshold",
    )
    second = services.admission_record(
        actor=clara,
        lot=lot,
        provider=acorn,
        quality_score=Decimal("65"),
        price_score=Decimal("40"),
        decision="admitted",
        reason="Re-scored after clarification",
    )
    assert first.pk == second.pk
    assert second.history.count() == 2


@pytest.mark.parametrize("status", ["draft", "open_for_applications", "standstill", "expired"])
def test_admissions_are_refused_unless_evaluating_or_live(northbridge, clara, acorn, birch, status):
    framework = make_framework(council=northbridge, actor=clara, status=status, admitted=[birch])
    with pytest.raises(ValidationError, match="Admissions are recorded while"):
        services.admission_record(
            actor=clara,
            lot=framework.lots.first(),
            provider=acorn,
            quality_score=Decimal("70"),
            price_score=Decimal("70"),
            decision="admitted",
        )


def test_scores_outside_0_to_100_and_a_refusal_without_a_reason_are_refused(northbridge, clara, acorn):
    framework = make_framework(council=northbridge, actor=clara, status="evaluating", area_types=["urban"])
    with pytest.raises(ValidationError) as exc:
        services.admission_record(
            actor=clara,
            lot=framework.lots.get(),
            provider=acorn,
            quality_score=Decimal("101"),
            price_score=Decimal("-1"),
            decision="not_admitted",
        )
    assert set(messages(exc)) == {"quality_score", "price_score", "reason"}


def test_a_council_cannot_be_admitted_as_a_provider(northbridge, southwold, clara):
    framework = make_framework(council=northbridge, actor=clara, status="evaluating", area_types=["urban"])
    with pytest.raises(ValidationError):
        services.admission_record(
            actor=clara,
            lot=framework.lots.get(),
            provider=southwold,
            quality_score=Decimal("70"),
            price_score=Decimal("70"),
            decision="admitted",
        )


# --- rate cards ---------------------------------------------------------------------------------


def test_a_second_rate_for_the_same_date_is_refused_with_a_clear_message(clara, urban_lot):
    with pytest.raises(ValidationError) as exc:
        services.rate_card_add(
            actor=clara,
            lot=urban_lot,
            care_type="day",
            amount=Decimal("30.00"),
            effective_from=dt.date(2025, 4, 1),
        )
    assert messages(exc)["effective_from"] == [
        "There is already a day care rate for Homecare – urban zones from 1 April 2025. "
        "Rates are never changed: add the new rate from another date"
    ]
    assert RateCard.objects.get(lot=urban_lot).amount == Decimal("24.20")


def test_a_rate_card_can_never_be_edited_or_deleted(urban_lot):
    card = RateCard.objects.get(lot=urban_lot)
    card.amount = Decimal("99.99")
    with pytest.raises(AppendOnlyError):
        card.save()
    with pytest.raises(AppendOnlyError):
        card.delete()
    assert RateCard.objects.get(lot=urban_lot).amount == Decimal("24.20")


def test_future_dated_rates_are_allowed(clara, urban_lot):
    card = services.rate_card_add(
        actor=clara,
        lot=urban_lot,
        care_type="day",
        amount=Decimal("26.00"),
        effective_from=dt.date(2030, 4, 6),
        reason="Uplift agreed in advance",
    )
    assert card.effective_from == dt.date(2030, 4, 6)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"amount": Decimal("0")}, "amount"),
        ({"amount": Decimal("24.205")}, "amount"),
        ({"care_type": "live_in"}, "care_type"),
        ({"area_type": "rural"}, "area_type"),
        ({"weekend_enhancement_percent": Decimal("-5")}, "weekend_enhancement_percent"),
    ],
)
def test_bad_rates_are_refused_field_by_field(clara, urban_lot, fields, field):
    values = {"care_type": "waking_night", "amount": Decimal("21.50"), "effective_from": dt.date(2026, 4, 1)}
    values.update(fields)
    with pytest.raises(ValidationError) as exc:
        services.rate_card_add(actor=clara, lot=urban_lot, **values)
    assert field in messages(exc)


def test_an_expired_framework_takes_no_new_rates(northbridge, clara, acorn):
    framework = make_framework(council=northbridge, actor=clara, status="expired", admitted=[acorn])
    with pytest.raises(ValidationError, match="expired"):
        services.rate_card_add(
            actor=clara,
            lot=framework.lots.first(),
            care_type="day",
            amount=Decimal("1.00"),
            effective_from=dt.date(2031, 1, 1),
        )


# --- the provider's record ----------------------------------------------------------------------


def test_capacity_is_append_only_and_the_latest_is_current(clara, paul, acorn, zone):
    services.capacity_declare(actor=paul, provider=acorn, zone=zone, hours_per_week=Decimal("40"))
    services.capacity_declare(actor=paul, provider=acorn, zone=zone, hours_per_week=Decimal("12.5"))
    rows = list(CapacityDeclaration.objects.filter(provider=acorn, zone=zone))
    assert [r.hours_per_week for r in rows] == [Decimal("12.50"), Decimal("40.00")]
    with pytest.raises(ValidationError):
        services.capacity_declare(actor=paul, provider=acorn, zone=zone, hours_per_week=Decimal("-1"))


def test_declaring_many_zones_writes_only_the_changed_ones(paul, acorn, zone, rural_zone):
    services.capacity_declare_many(
        actor=paul, provider=acorn, hours_by_zone={zone: Decimal("10"), rural_zone: Decimal("0")}
    )
    made = services.capacity_declare_many(
        actor=paul, provider=acorn, hours_by_zone={zone: Decimal("10"), rural_zone: Decimal("5")}
    )
    assert [(m.zone, m.hours_per_week) for m in made] == [(rural_zone, Decimal("5.00"))]


def test_an_ethical_declaration_supersedes_the_last_and_both_are_kept(framework, paul, acorn):
    services.ethical_declaration_record(
        actor=paul, provider=acorn, framework=framework, paid_travel_time=True
    )
    latest = services.ethical_declaration_record(
        actor=paul, provider=acorn, framework=framework, paid_travel_time=True, statutory_sick_pay=True
    )
    assert acorn.ethical_declarations.first() == latest
    assert acorn.ethical_declarations.count() == 2
    assert "Statutory sick pay" in latest.met
    assert "Peer meetings for care workers" in latest.not_met


def test_an_ethical_declaration_is_only_for_a_framework_the_provider_is_admitted_to(
    northbridge, clara, paul, acorn, birch
):
    other = make_framework(council=northbridge, actor=clara, admitted=[birch])
    with pytest.raises(ValidationError) as exc:
        services.ethical_declaration_record(actor=paul, provider=acorn, framework=other)
    assert "framework" in messages(exc)


def test_a_rating_cannot_be_dated_in_the_future(clara, acorn):
    with pytest.raises(ValidationError):
        services.rating_record(actor=clara, provider=acorn, rating="good", rated_on=dt.date(2999, 1, 1))


def test_a_profile_needs_a_real_cqc_location_id(clara, acorn):
    with pytest.raises(ValidationError) as exc:
        services.provider_profile_save(actor=clara, provider=acorn, cqc_location_id="12345")
    assert "cqc_location_id" in messages(exc)
    profile = services.provider_profile_save(
        actor=clara, provider=acorn, cqc_location_id="1-123456789", registered_manager="Ann Acorn"
    )
    assert profile.history.count() == 1


def test_a_provider_cannot_be_suspended_twice_at_once_and_an_end_is_dated_after_the_start(
    northbridge, clara, acorn
):
    suspension = services.suspension_start(
        actor=clara,
        provider=acorn,
        council=northbridge,
        reason="Missed visits",
        starts_on=dt.date(2026, 6, 1),
    )
    with pytest.raises(ValidationError, match="already suspended"):
        services.suspension_start(
            actor=clara, provider=acorn, council=northbridge, reason="Again", starts_on=dt.date(2026, 6, 2)
        )
    with pytest.raises(ValidationError) as exc:
        services.suspension_end(
            actor=clara, suspension=suspension, ended_on=dt.date(2026, 5, 1), end_reason="x"
        )
    assert "ended_on" in messages(exc)
    ended = services.suspension_end(
        actor=clara, suspension=suspension, ended_on=dt.date(2026, 7, 1), end_reason="Action plan met"
    )
    assert ended.ended_by == clara
    assert ended.history.count() == 2
    with pytest.raises(ValidationError, match="already ended"):
        services.suspension_end(
            actor=clara, suspension=suspension, ended_on=dt.date(2026, 7, 2), end_reason="x"
        )


def test_state_lists_the_steps_available_from_each_status():
    assert [t.name for t in state.available_transitions(FrameworkStatus.STANDSTILL)] == [
        "reevaluate",
        "go_live",
    ]
    assert state.available_transitions(FrameworkStatus.EXPIRED) == []
