"""Every route × every role (and anonymous) × own and foreign records: no leak, no change, no 500.

The routes come from the URL resolver (pages and the JSON API), so a new route is covered the moment it
exists; a route whose URL parameters this matrix doesn't know fails the build until it is taught them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from homecare.accounts.models import Role
from homecare.accounts.tests.factories import make_council, make_icb, make_provider, make_user
from homecare.people import services
from homecare.people.tests.factories import make_package, make_person, make_zone

# Routes anyone may open without signing in (no personal data behind them).
PUBLIC = {
    "accounts:sign-in",
    "accounts:password-reset",
    "accounts:password-reset-done",
    "accounts:password-reset-confirm",
    "accounts:password-reset-complete",
    "platform:healthz",
    "api-1.0.0:openapi-json",
    "api-1.0.0:openapi-view",
    "api-1.0.0:api-root",
    "accounts:sign-out",
    # The care worker app's manifest and service worker: the installable shell, no personal data.
    "visits:manifest",
    "visits:service-worker",
    # A person's feedback form from a one-time link: the unguessable token is the authorisation.
    "outcomes:feedback-answer",
}
# URL parameters that name a record, and which record of a "record set" fills them.
RECORD_PARAMS = {
    "person_pk": "person",
    "person_id": "person",
    "plan_pk": "plan",
    "package_pk": "package",
    "version_pk": "version",
    "row_pk": "row",
    "framework_pk": "framework",
    "lot_pk": "lot",
    "provider_pk": "provider",
    "suspension_pk": "suspension",
    "round_pk": "round",
    "offer_pk": "offer",
    "visit_pk": "visit",
    "visit_id": "visit",
    "alert_pk": "alert",
    "variation_pk": "variation",
    "run_pk": "run",
    "statement_pk": "statement",
    "line_pk": "line",
    "dispute_pk": "dispute",
    "account_pk": "dp_account",
    "scenario_pk": "scenario",
    "model_pk": "cost_model",
    "complaint_pk": "complaint",
    "concern_pk": "concern",
    "escalation_pk": "escalation",
    "pattern_pk": "pattern_alert",
    "audit_pk": "case_audit",
    "qa_visit_pk": "qa_visit",
    "review_pk": "review",
    "import_pk": "cqc_import",
    "proposal_pk": "proposal",
    "sitrep_pk": "sitrep",
    "subcontracting_pk": "subcontracting",
    "rota_pk": "rota",
    "worker_pk": "care_worker",
    "rota_person_pk": "rota_person",
    "outcome_review_pk": "outcome_review",
    "survey_pk": "survey",
}
# Parameters that are not records: a fixed, valid value.
OTHER_PARAMS = {
    "step": "expire",
    "transition": "hold",
    "uidb64": "MQ",
    "token": "set-password",
    "response": "accept",
    "action": "calculate",
    "letter": "acknowledgement",
    # Reporting: a KPI's id (the figures are scoped by the user's population, not by a record).
    "kpi_id": "missed-visits",
}


def _routes():
    def walk(patterns, namespace=None):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, ":".join(filter(None, [namespace, p.namespace])) or None)
            elif isinstance(p, URLPattern) and p.name:
                yield (
                    f"{namespace}:{p.name}" if namespace else p.name,
                    list(p.pattern.converters or _names(p)),
                )

    def _names(p):
        return p.pattern.regex.groupindex.keys()

    return sorted(set((name, tuple(params)) for name, params in walk(get_resolver().url_patterns)))


ROUTES = _routes()


def test_the_matrix_knows_every_route_parameter():
    unknown = {(name, p) for name, params in ROUTES for p in params if p not in RECORD_PARAMS | OTHER_PARAMS}
    assert not unknown, f"Teach the authorization matrix these URL parameters: {sorted(unknown)}"


@dataclass
class RecordSet:
    person: object
    plan: object
    package: object
    version: object
    row: object
    # The provider framework's records (filled in by the world fixture).
    framework: object = None
    lot: object = None
    provider: object = None
    suspension: object = None
    # Brokerage: the package's case, an offer round and the offer to the package's provider.
    round: object = None
    offer: object = None
    # Call monitoring: today's visit of the package and its late alert.
    visit: object = None
    alert: object = None
    variation: object = None
    # Payments: the council's (approved) run for the package, the provider's statement, a line, a dispute.
    run: object = None
    statement: object = None
    line: object = None
    dispute: object = None
    dp_account: object = None
    # Fee setting: the council's uplift scenario and cost-of-care model.
    scenario: object = None
    cost_model: object = None
    # Quality: a complaint about the package's provider (acknowledged, so its letter exists), a concern
    # about the person (in "shared" allocated to the council practitioner and shared with Acorn), the
    # escalation, pattern alert and case audit of a second, closed concern; a published QA visit and a
    # review of the provider; the council's CQC import.
    complaint: object = None
    concern: object = None
    escalation: object = None
    pattern_alert: object = None
    case_audit: object = None
    qa_visit: object = None
    review: object = None
    cqc_import: object = None
    # Records: the council's disposal proposal (information governance).
    proposal: object = None
    # Market oversight: the package's provider's sitrep to the record set's council.
    sitrep: object = None
    # Lead providers (ADR 0015): the package's provider as lead for the set's lot, and its subcontractor.
    subcontracting: object = None
    # Rota planner: a draft plan of the package's provider holding the set's visit (unplanned), one of
    # its care workers, and the set's person (the provider's rota preferences for them).
    rota: object = None
    care_worker: object = None
    rota_person: object = None
    # Outcomes: an outcome review of the package and a feedback survey about it (scoped as the package).
    outcome_review: object = None
    survey: object = None

    def kwargs(self, params) -> dict:
        values = {}
        for p in params:
            values[p] = getattr(self, RECORD_PARAMS[p]).pk if p in RECORD_PARAMS else OTHER_PARAMS[p]
        return values


# Provider-framework records are scoped differently from people's: every council officer sees every
# provider (but only their own council's frameworks, lots and suspensions), the NHS partner reads its
# council's frameworks but no provider pages, and a provider sees itself and the frameworks it is on.
# In the world below, "shared" holds Acorn and Northbridge's framework (urban lot), "council_only" Birch
# and the same framework (rural lot), "south" Birch again and Southwold's framework.
FRAMEWORK_KINDS = {"framework", "lot", "provider", "suspension"}


def _framework_scope(kind: str, user_name: str) -> set[str]:
    council = user_name.startswith("council")
    nhs = user_name in ("nhs_partner_officer", "icb administrator")
    provider = user_name in ("provider_manager", "provider administrator")
    if kind in ("framework", "lot"):
        return {"shared", "council_only"} if council or nhs or provider else set()
    if kind == "provider":
        return {"shared", "council_only", "south"} if council else {"shared"} if provider else set()
    return {"shared", "council_only"} if council else {"shared"} if provider else set()  # suspension


# Brokerage cases and rounds are the council's working records: its staff only. Offers are seen by the
# council and by the provider each was made to ("shared" is offered to Acorn, the others to Birch).
# These routes name a package but show its brokerage case, so they follow the case's scope.
CASE_ROUTES = {"brokerage:case", "brokerage:round-start", "brokerage:escalate"}


def _brokerage_scope(kind: str, user_name: str) -> set[str]:
    council = user_name.startswith("council")
    provider = user_name in ("provider_manager", "provider administrator")
    if kind == "offer":
        return {"shared", "council_only"} if council else {"shared"} if provider else set()
    return {"shared", "council_only"} if council else set()  # case, round


# Visits are seen by the council's staff (their council's) and the provider's managers (their own); a
# care worker only those they are on (none here), the NHS partner none.
def _visit_scope(user_name: str) -> set[str]:
    if user_name.startswith("council"):
        return {"shared", "council_only"}
    return {"shared"} if user_name == "provider_manager" else set()


# Payment runs are the council's finance records (finance officers, commissioners, analysts); a provider's
# manager also sees its own statements, their lines and disputes once the run is approved.
FINANCE_ROLES = {"council finance_officer", "council commissioner", "council analyst"}


def _finance_scope(kind: str, user_name: str) -> set[str]:
    if user_name in FINANCE_ROLES:
        return {"shared", "council_only"}
    if kind not in ("run", "dp_account") and user_name == "provider_manager":
        return {"shared"}
    return set()


# Sitreps: the council's commissioners, analysts, brokers and administrators see those sent to their
# council; a provider's managers (and administrators) their own; nobody else any.
MARKET_ROLES = {"council commissioner", "council analyst", "council broker", "council administrator"}


def _market_scope(user_name: str) -> set[str]:
    if user_name in MARKET_ROLES:
        return {"shared", "council_only"}
    return {"shared"} if user_name in ("provider_manager", "provider administrator") else set()


# Disposal proposals are the council's: its staff reach them (only administrators decide).
def _records_scope(user_name: str) -> set[str]:
    return {"shared", "council_only"} if user_name.startswith("council") else set()


# Quality (ADR 0008). Complaints: the council's complaint roles (not finance) and the provider complained
# about. Concerns: safeguarding leads; the practitioner allocated ("shared" only); the provider it was
# shared with ("shared"). Escalations, pattern alerts and audits: safeguarding leads only. QA visits,
# reviews and CQC imports: council staff; a provider also reads its own published QA visits.
QUALITY_KINDS = {"complaint", "concern", "escalation", "pattern_alert", "case_audit", "qa_visit", "review",
                 "cqc_import"}


def _quality_scope(kind: str, user_name: str) -> set[str]:
    council = user_name.startswith("council")
    provider = user_name in ("provider_manager", "provider administrator")
    both = {"shared", "council_only"}
    if kind == "complaint":
        if council:
            return both if user_name != "council finance_officer" else set()
        return {"shared"} if provider else set()
    if kind == "concern":
        if user_name == "council safeguarding_lead":
            return both
        return {"shared"} if provider or user_name == "council practitioner" else set()
    if kind in ("escalation", "pattern_alert", "case_audit"):
        return both if user_name == "council safeguarding_lead" else set()
    if kind == "qa_visit":
        return both if council else {"shared"} if provider else set()
    return both if council else set()  # review, cqc_import


def _sees(visible: dict, user_name: str, set_name: str, params, route: str = "") -> bool:
    """Whether the user may see every record a route's parameters name from this record set."""
    for p in params:
        if p not in RECORD_PARAMS:
            continue
        kind = RECORD_PARAMS[p]
        if route in CASE_ROUTES and kind == "package":
            kind = "case"
        if kind in FRAMEWORK_KINDS:
            allowed = _framework_scope(kind, user_name)
        elif kind in ("case", "round", "offer"):
            allowed = _brokerage_scope(kind, user_name)
        elif kind in ("visit", "alert", "variation"):
            allowed = _visit_scope(user_name)
        elif kind in ("scenario", "cost_model"):
            # The council's fee-setting records: its staff reach them (only commissioners and finance act).
            allowed = {"shared", "council_only"} if user_name.startswith("council") else set()
        elif kind in ("run", "statement", "line", "dispute", "dp_account"):
            allowed = _finance_scope(kind, user_name)
        elif kind in QUALITY_KINDS:
            allowed = _quality_scope(kind, user_name)
        elif kind == "proposal":
            allowed = _records_scope(user_name)
        elif kind in ("rota", "care_worker", "rota_person"):
            # Rotas are the provider's managers' own: nobody else reaches them.
            allowed = {"shared"} if user_name == "provider_manager" else set()
        elif kind == "sitrep":
            allowed = _market_scope(user_name)
        elif kind == "subcontracting":
            allowed = _subcontracting_scope(user_name)
        else:
            allowed = visible[user_name]
        if set_name not in allowed:
            return False
    return True


def _record_set(person, package) -> RecordSet:
    version = package.versions.get(number=1)
    return RecordSet(person, package.support_plan, package, version, version.visit_pattern.first())


@pytest.fixture
def world(db):
    north = make_council("Northbridge Borough Council")
    south = make_council("Southwold District Council")
    icb = make_icb(council=north)
    acorn, birch = make_provider("Acorn Homecare"), make_provider("Birch Care")
    n_prac = make_user(organisation=north, role=Role.PRACTITIONER)
    n_broker = make_user(organisation=north, role=Role.BROKER)
    s_prac = make_user(organisation=south, role=Role.PRACTITIONER)
    zone, south_zone = make_zone(council=north), make_zone(council=south)

    # Joint-funded at Acorn: the NHS partner and Acorn may see it.
    shared = make_person(council=north, actor=n_prac, zone=zone, family_name="Sharedsmith")
    shared_pkg = make_package(
        person=shared,
        actor=n_broker,
        status="active",
        provider=acorn,
        funding="joint",
        council_share=Decimal("60"),
        nhs_share=Decimal("40"),
    )
    # Council-funded at Birch: Northbridge staff only.
    council_only = make_person(council=north, actor=n_prac, zone=zone, family_name="Birchleigh")
    council_pkg = make_package(person=council_only, actor=n_broker, status="active", provider=birch)
    # Another council's person: nobody at Northbridge, its ICB or Acorn sees them.
    south_person = make_person(council=south, actor=s_prac, zone=south_zone, family_name="Southerly")
    south_broker = make_user(organisation=south, role=Role.BROKER)
    south_pkg = make_package(person=south_person, actor=south_broker, status="active", provider=birch)

    sets = {
        "shared": _record_set(shared, shared_pkg),
        "council_only": _record_set(council_only, council_pkg),
        "south": _record_set(south_person, south_pkg),
    }
    users = {
        f"council {role}": make_user(organisation=north, role=role)
        for role in (
            Role.PRACTITIONER,
            Role.BROKER,
            Role.COMMISSIONER,
            Role.FINANCE_OFFICER,
            Role.SAFEGUARDING_LEAD,
            Role.ANALYST,
            Role.ADMINISTRATOR,
        )
    }
    users["nhs_partner_officer"] = make_user(organisation=icb, role=Role.NHS_PARTNER_OFFICER)
    users["icb administrator"] = make_user(organisation=icb, role=Role.ADMINISTRATOR)
    users["provider_manager"] = make_user(organisation=acorn, role=Role.PROVIDER_MANAGER)
    users["provider administrator"] = make_user(organisation=acorn, role=Role.ADMINISTRATOR)
    users["care_worker"] = make_user(organisation=acorn, role=Role.CARE_WORKER)
    visible = {name: {"shared", "council_only"} for name in users if name.startswith("council")}
    visible |= {
        "nhs_partner_officer": {"shared"},
        "icb administrator": {"shared"},
        "provider_manager": {"shared"},
        "provider administrator": {"shared"},
        "care_worker": set(),
    }
    _add_framework_records(sets, north=north, south=south, acorn=acorn, birch=birch)
    _add_brokerage_records(sets)
    _add_visit_records(sets)
    _add_finance_records(sets)
    _add_fee_setting_records(sets)
    _add_quality_records(sets, users)
    _add_records_records(sets)
    _add_market_records(sets)
    _add_subcontracting_records(sets)
    _add_rostering_records(sets)
    _add_outcomes_records(sets)
    return users, sets, visible


# Subcontracting registrations: the council's staff see their council's; the lead's (and the
# subcontractor's) managers and administrators their own ("shared": Acorn is the lead).
def _subcontracting_scope(user_name: str) -> set[str]:
    if user_name.startswith("council"):
        return {"shared", "council_only"}
    return {"shared"} if user_name in ("provider_manager", "provider administrator") else set()


def _add_subcontracting_records(sets) -> None:
    from homecare.providers.tests.subcontracting_factories import appoint_lead, register_subcontractor

    for name, records in sets.items():
        council, lead = records.framework.council, records.package.provider
        appointment = appoint_lead(
            commissioner=make_user(organisation=council, role=Role.COMMISSIONER), lead=lead, lot=records.lot
        )
        records.subcontracting = register_subcontractor(
            manager=make_user(organisation=lead, role=Role.PROVIDER_MANAGER),
            appointment=appointment,
            name=f"Subcontractor {name}",
        )


def _add_outcomes_records(sets) -> None:
    from homecare.outcomes.models import FeedbackSurvey, OutcomeReview

    for records in sets.values():
        package = records.package
        records.outcome_review = OutcomeReview.objects.create(
            package=package, support_plan=package.support_plan, reviewed_on=dt.date(2026, 1, 5),
            person_view="Fine", reviewed_by=package.created_by, created_at=timezone.now(),
        )
        records.survey = FeedbackSurvey.objects.create(
            package=package, person=records.person, council=records.person.council, provider=package.provider,
            kind="first_weeks", due_on=dt.date(2026, 2, 16), created_at=timezone.now(),
        )


def _add_rostering_records(sets) -> None:
    from homecare.rostering import services as rostering
    from homecare.rostering.models import UnplannedVisit

    for records in sets.values():
        provider = records.package.provider
        manager = make_user(organisation=provider, role=Role.PROVIDER_MANAGER)
        records.care_worker = make_user(organisation=provider, role=Role.CARE_WORKER)
        worker = records.care_worker
        rostering.profile_save(actor=manager, care_worker=worker, details=rostering.ProfileDetails())
        records.rota = rostering.plan_create(actor=manager, start_date=records.visit.date)
        UnplannedVisit.objects.create(plan=records.rota, visit=records.visit, slot=1, reason="Not planned")
        records.rota_person = records.person


def _add_market_records(sets) -> None:
    """A sitrep from each set's provider to its framework's council (Birch reports to both councils)."""
    from homecare.market.services import sitrep_submit
    from homecare.market.tests.factories import figures

    for records in sets.values():
        provider = records.package.provider
        records.sitrep = sitrep_submit(
            council=records.framework.council,
            provider=provider,
            figures=figures(),
            actor=make_user(organisation=provider, role=Role.PROVIDER_MANAGER),
        )


def _add_records_records(sets) -> None:
    """A disposal proposal per council (waiting for a decision), naming the set's person."""
    from homecare.records.models import DisposalItem, DisposalProposal

    proposals = {}
    for records in sets.values():
        council = records.person.council
        if council.pk not in proposals:
            proposals[council.pk] = DisposalProposal.objects.create(
                council=council, proposed_at=timezone.now()
            )
        records.proposal = proposals[council.pk]
        DisposalItem.objects.create(
            proposal=records.proposal,
            person_ref=records.person.pk,
            case_reference=records.person.case_reference,
            care_ended_on=dt.date(2016, 1, 4),
            retain_until=dt.date(2024, 1, 4),
        )


def _add_quality_records(sets, users) -> None:
    """Complaints, concerns (one open, one closed "unsafe" with its escalation, pattern alert and audit),
    a published QA visit and a review per record set; a CQC import per council."""
    from homecare.quality import services as quality
    from homecare.quality.models import CaseAudit, PatternAlert

    today, imports = timezone.localdate(), {}
    north = users["council safeguarding_lead"].organisation
    for name, records in sets.items():
        council, provider, person = records.person.council, records.package.provider, records.person
        lead = (
            users["council safeguarding_lead"]
            if council == north
            else make_user(organisation=council, role=Role.SAFEGUARDING_LEAD)
        )
        commissioner = make_user(organisation=council, role=Role.COMMISSIONER)
        manager = make_user(organisation=provider, role=Role.PROVIDER_MANAGER)
        records.complaint = quality.complaint_record(
            actor=commissioner,
            person=person,
            provider=provider,
            subject="provider",
            received_on=today,
            complainant_name="Jean",
            complainant_type="family",
            summary="Late visits",
        )
        quality.complaint_acknowledge(
            actor=manager, complaint=records.complaint, acknowledged_on=today, action_plan="Review the rota"
        )
        concern = quality.concern_raise(
            actor=commissioner, person=person, provider=provider, description="Bruising"
        )
        records.concern = quality.concern_triage(
            actor=lead, concern=concern, urgency="high", abuse_types=["physical"], note="Triaged",
            allocated_worker=users["council practitioner"] if name == "shared" else None,
        )
        if name == "shared":
            records.concern = quality.concern_share_with_provider(
                actor=lead, concern=records.concern, summary="Shared"
            )
        closed = quality.concern_raise(
            actor=commissioner, person=person, description="Bruising again", abuse_types=["physical"]
        )
        closed = quality.concern_triage(
            actor=lead, concern=closed, urgency="high", abuse_types=["physical"], note="n"
        )
        closed = quality.concern_decide(
            actor=lead, concern=closed, care_and_support_needs=True, experiencing_abuse_or_risk=True,
            unable_to_protect=True, reason="Met", make_enquiry=True,
        )
        closed = quality.concern_start_enquiry(
            actor=lead, concern=closed, enquiry_officer=lead, plan="Visit", msp_asked="none_expressed"
        )
        closed = quality.concern_record_outcome(
            actor=lead, concern=closed, findings="f", conclusion="partly", risk_outcome="remains"
        )
        closed = quality.concern_close(
            actor=lead, concern=closed, msp_feels_safe="unsafe", closure_summary="c"
        )
        records.escalation = closed.escalations.get()
        records.pattern_alert = PatternAlert.objects.filter(person=person).first()
        records.case_audit = CaseAudit.objects.create(
            council=council, concern=closed, month=today.replace(day=1), auditor=lead, allocated_by=lead,
            allocated_at=timezone.now(),
        )
        visit = quality.qa_visit_record(
            actor=commissioner, provider=provider, visit_date=today, kind="unannounced", summary="Visited"
        )
        quality.qa_finding_add(actor=commissioner, qa_visit=visit, area="safe", rag="green", text="Fine")
        records.qa_visit = quality.qa_visit_publish(actor=commissioner, qa_visit=visit, rag="green")
        records.review = quality.review_open(actor=commissioner, provider=provider, reason="Review")
        if council.pk not in imports:
            imports[council.pk] = quality.cqc_ratings_import(
                actor=commissioner, data=b"Location ID\n", filename="x.csv"
            )
        records.cqc_import = imports[council.pk]


def _add_fee_setting_records(sets) -> None:
    from homecare.finance import fee_setting

    made = {}
    for records in sets.values():
        framework = records.framework
        if framework.pk not in made:
            council = framework.council
            actor = make_user(organisation=council, role=Role.COMMISSIONER)
            fee_setting.seed_reference_data(council=council)
            made[framework.pk] = (
                fee_setting.scenario_create(
                    actor=actor,
                    council=council,
                    framework=framework,
                    name="Uplift",
                    effective_from=dt.date(2026, 4, 1),
                    bands=[fee_setting.BandChoice("National Living Wage 21+", Decimal("100"))],
                ),
                fee_setting.cost_model_create(actor=actor, council=council, name="Urban", area_type="urban"),
            )
        records.scenario, records.cost_model = made[framework.pk]


def _add_finance_records(sets) -> None:
    """An approved run per council framework, a statement per provider, a line per package, a dispute."""
    from homecare.finance.models import DirectPaymentAccount, Dispute, PaymentRun, Statement, StatementLine

    now = timezone.now()
    runs = {}
    for records in sets.values():
        framework = records.framework
        if framework.pk not in runs:
            runs[framework.pk] = PaymentRun.objects.create(
                council=framework.council,
                framework=framework,
                period_start=dt.date(2026, 1, 5),
                period_end=dt.date(2026, 2, 1),
                status="approved",
                pay_basis="actual",
                rounding_minutes=5,
                minimum_minutes=0,
                created_by=records.package.created_by,
                created_at=now,
            )
        records.run = runs[framework.pk]
        records.statement = Statement.objects.create(run=records.run, provider=records.package.provider)
        records.line = StatementLine.objects.create(
            statement=records.statement,
            package=records.package,
            person=records.person,
            funding="council",
            care_type="day",
            carers=1,
            day_type="weekday",
            rate=Decimal("24.20"),
            visits=1,
            minutes=30,
            amount=Decimal("12.10"),
            council_amount=Decimal("12.10"),
            nhs_amount=Decimal("0"),
        )
        records.dispute = Dispute.objects.create(
            line=records.line, raised_by=records.package.created_by, raised_at=now, reason="Overran"
        )
        records.dp_account = DirectPaymentAccount.objects.create(
            package=records.package,
            council=records.package.person.council,
            weekly_amount=Decimal("100"),
            opened_on=dt.date(2026, 1, 5),
            opened_by=records.package.created_by,
        )


def _add_visit_records(sets) -> None:
    from homecare.visits import services as visit_services
    from homecare.visits import variations

    for records in sets.values():
        visit_services.visits_generate(package=records.package, days=1)
        records.visit = records.package.visits.get()
    visit_services.late_visits_flag(now=max(r.visit.late_at for r in sets.values()))
    for records in sets.values():
        records.alert = records.visit.alerts.get(kind="late")
        manager = make_user(organisation=records.package.provider, role=Role.PROVIDER_MANAGER)
        records.variation = variations.variation_request_reassessment(
            actor=manager, package=records.package, reason="More care"
        )


def _add_brokerage_records(sets) -> None:
    from homecare.brokerage.models import BrokerageCase, Offer, OfferRound

    now = timezone.now()
    for records in sets.values():
        package = records.package
        case = BrokerageCase.objects.create(package=package, council=package.person.council, opened_at=now)
        records.round = OfferRound.objects.create(
            case=case, number=1, opened_at=now, deadline=now + dt.timedelta(hours=24)
        )
        records.offer = Offer.objects.create(
            round=records.round,
            provider=package.provider,
            quality_score=Decimal("50"),
            price_score=Decimal("50"),
        )


def _add_framework_records(sets, *, north, south, acorn, birch) -> None:
    """Northbridge's framework admits Acorn and Birch; Southwold's only Birch. Each council suspends."""
    from homecare.providers import services as provider_services
    from homecare.providers.tests.factories import make_framework

    north_commissioner = make_user(organisation=north, role=Role.COMMISSIONER)
    south_commissioner = make_user(organisation=south, role=Role.COMMISSIONER)
    north_fw = make_framework(council=north, actor=north_commissioner, admitted=[acorn, birch])
    south_fw = make_framework(council=south, actor=south_commissioner, admitted=[birch], area_types=["urban"])

    def suspend(provider, council, actor):
        return provider_services.suspension_start(
            actor=actor,
            provider=provider,
            council=council,
            reason="Late visits",
            starts_on=dt.date(2026, 1, 5),
        )

    shared, council_only, south_set = sets["shared"], sets["council_only"], sets["south"]
    shared.framework, shared.lot = north_fw, north_fw.lots.get(area_type="urban")
    shared.provider, shared.suspension = acorn, suspend(acorn, north, north_commissioner)
    council_only.framework, council_only.lot = north_fw, north_fw.lots.get(area_type="rural")
    council_only.provider, council_only.suspension = birch, suspend(birch, north, north_commissioner)
    south_set.framework, south_set.lot = south_fw, south_fw.lots.get()
    south_set.provider, south_set.suspension = birch, suspend(birch, south, south_commissioner)


# The tamper-evident audit log grows with every sign-in (force_login), by design: not a changed record.
AUDIT_LOG_MODELS = {"platform.AuditEntry", "platform.AuditChainHead"}


def _snapshot() -> dict:
    """Row counts of every model (history included) and every package's status and provider."""
    counts = {
        m._meta.label: m._default_manager.count()
        for m in apps.get_models()
        if m._meta.app_label
        in {"accounts", "people", "providers", "brokerage", "platform", "visits", "finance", "market"}
        | {"rostering"}
        | {"records"}
        | {"quality", "outcomes"}
        and m._meta.label not in {"accounts.User", *AUDIT_LOG_MODELS}
    }
    from homecare.people.models import Package

    counts["package states"] = sorted(Package.objects.values_list("id", "status", "provider_id"))
    return counts


def _is_login_redirect(response) -> bool:
    return response.status_code == 302 and reverse("accounts:sign-in") in response["Location"]


def test_foreign_records_are_not_found_for_every_role_and_nothing_changes(world):
    users, sets, visible = world
    before = _snapshot()
    checked = 0
    for user_name, user in users.items():
        client = Client(raise_request_exception=False)
        client.force_login(user)
        for route, params in ROUTES:
            record_params = [p for p in params if p in RECORD_PARAMS]
            if not record_params:
                continue
            for set_name, records in sets.items():
                if _sees(visible, user_name, set_name, params, route):
                    continue
                url = reverse(route, kwargs=records.kwargs(params))
                for method in ("get", "post"):
                    response = getattr(client, method)(url)
                    checked += 1
                    # 405 (wrong method) is answered before any lookup, so it confirms nothing.
                    assert response.status_code in (404, 405), (
                        f"{user_name} {method.upper()} {url} ({set_name}) → {response.status_code}"
                    )
    assert checked > 100
    assert _snapshot() == before


def test_own_records_open_for_every_role_that_may_see_them(world):
    users, sets, visible = world
    for user_name, user in users.items():
        client = Client(raise_request_exception=False)
        client.force_login(user)
        for route, params in ROUTES:
            if not any(p in RECORD_PARAMS for p in params):
                continue
            for set_name in [n for n in sets if _sees(visible, user_name, n, params, route)]:
                url = reverse(route, kwargs=sets[set_name].kwargs(params))
                response = client.get(url)
                # Allowed to see: the page, a redirect (a POST-only action), or 403 where the role may
                # look but not act. Never a 404 (we would be hiding their own record) and never a 500.
                assert response.status_code in (200, 302, 403, 405), (
                    f"{user_name} GET {url} → {response.status_code}"
                )


def test_anonymous_visitors_are_sent_to_sign_in_for_every_private_route(world):
    _, sets, _ = world
    client = Client(raise_request_exception=False)
    for route, params in ROUTES:
        if route in PUBLIC:
            continue
        url = reverse(route, kwargs=sets["shared"].kwargs(params))
        response = client.get(url)
        if route.startswith("api-"):
            # A POST-only operation answers GET with 405 before anything else: it reveals nothing.
            assert response.status_code in (401, 405), f"anonymous GET {url} → {response.status_code}"
            if response.status_code == 405:
                assert client.post(url).status_code == 401, f"anonymous POST {url}"
        else:
            assert _is_login_redirect(response), f"anonymous GET {url} → {response.status_code}"


def test_public_routes_answer_without_a_sign_in(world):
    _, sets, _ = world
    client = Client(raise_request_exception=False)
    for route, params in ROUTES:
        if route in PUBLIC and route != "accounts:sign-out":
            response = client.get(reverse(route, kwargs=sets["shared"].kwargs(params)))
            # django-ninja's root lists nothing; a feedback link with a made-up token opens nothing.
            expected = 404 if route in ("api-1.0.0:api-root", "outcomes:feedback-answer") else 200
            assert response.status_code == expected, route


def test_lists_and_searches_hold_no_foreign_rows(world):
    users, sets, visible = world
    for user_name, user in users.items():
        client = Client(raise_request_exception=False)
        client.force_login(user)
        pages = [reverse("accounts:dashboard")]
        for records in sets.values():
            family = records.person.family_name
            pages += [
                f"{reverse('people:search')}?q={family}",
                f"{reverse('api-1.0.0:search_people')}?q={family}",
                f"{reverse('people:search')}?q={records.person.nhs_number}",
                f"{reverse('people:search')}?q={records.person.postcode}",
            ]
        bodies = []
        for page in pages:
            response = client.get(page)
            assert response.status_code in (200, 403), f"{user_name} {page} → {response.status_code}"
            bodies.append(response.content.decode())
        text = "\n".join(bodies)
        for set_name, records in sets.items():
            # The case reference is never typed into a search here, so it appears only in a result row.
            shown = records.person.case_reference in text
            assert shown == (set_name in visible[user_name] and user_name != "care_worker"), (
                f"{user_name}: {records.person.family_name} shown={shown}"
            )


def test_a_provider_cannot_reach_another_providers_record_by_url(world, client):
    users, sets, _ = world
    client.force_login(users["provider_manager"])
    response = client.get(reverse("people:person", args=[sets["council_only"].person.pk]))
    assert response.status_code == 404
    assert b"Birchleigh" not in response.content


def test_changing_a_package_is_refused_to_roles_that_only_look(world):
    users, sets, _ = world
    package = sets["shared"].package
    for name in ("council analyst", "council finance_officer", "nhs_partner_officer", "provider_manager"):
        client = Client(raise_request_exception=False)
        client.force_login(users[name])
        response = client.post(
            reverse("people:package-change", args=[package.pk]),
            {
                "effective_from_day": "1",
                "effective_from_month": "1",
                "effective_from_year": str(timezone.localdate().year + 1),
                "reason": "x",
            },
        )
        assert response.status_code == 403, name
    assert package.versions.count() == 1
    # …while the broker may.
    services.package_change_start(
        actor=users["council broker"],
        package=package,
        effective_from=package.start_date + dt.timedelta(days=1),
        reason="More care",
    )
    assert package.versions.count() == 2


def test_framework_and_provider_lists_hold_no_foreign_rows(world):
    users, sets, _ = world
    south_framework = sets["south"].framework.name
    for user_name, user in users.items():
        client = Client(raise_request_exception=False)
        client.force_login(user)
        bodies = []
        for page in (reverse("providers:frameworks"), reverse("providers:providers")):
            response = client.get(page)
            assert response.status_code in (200, 403), f"{user_name} {page} → {response.status_code}"
            bodies.append(response.content.decode())
        text = "\n".join(bodies)
        assert south_framework not in text, user_name
        if user_name.startswith("provider"):
            assert "Birch Care" not in text, user_name
