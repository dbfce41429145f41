"""Permission predicates: what a signed-in user may do. Reads are scoped separately, by selectors."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from homecare.accounts.models import ROLES_BY_ORGANISATION_TYPE, OrganisationType, Role, User


def _council_role(user: User, *roles: str) -> bool:
    org = user.organisation
    return bool(
        user.is_authenticated
        and org is not None
        and org.type == OrganisationType.COUNCIL
        and user.role in roles
    )


def can_record_people(user: User) -> bool:
    """Add a person or correct their details."""
    return _council_role(user, Role.PRACTITIONER, Role.BROKER, Role.ADMINISTRATOR)


def can_write_support_plans(user: User) -> bool:
    return _council_role(user, Role.PRACTITIONER)


def can_change_packages(user: User) -> bool:
    """Create packages and prepare new versions (brokers amend after a provider's query)."""
    return _council_role(user, Role.PRACTITIONER, Role.BROKER)


# Who may move a package through each transition of people.state.
TRANSITION_ROLES: dict[str, frozenset[str]] = {
    "submit": frozenset({Role.PRACTITIONER, Role.BROKER}),
    "start": frozenset({Role.BROKER}),
    "hold": frozenset({Role.PRACTITIONER, Role.BROKER}),
    "resume": frozenset({Role.PRACTITIONER, Role.BROKER}),
    "end": frozenset({Role.PRACTITIONER, Role.BROKER}),
}


def can_transition_package(user: User, transition: str) -> bool:
    return _council_role(user, *TRANSITION_ROLES.get(transition, frozenset()))


def sees_people(user: User) -> bool:
    """Care workers see people only through their own visits (call monitoring), not the people pages."""
    return user.is_authenticated and user.organisation_id is not None and user.role != Role.CARE_WORKER


def can_broker(user: User) -> bool:
    """Run offer rounds, award, escalate hard-to-place cases (Care Brokerage)."""
    return _council_role(user, Role.BROKER)


def can_respond_to_offers(user: User) -> bool:
    org = user.organisation
    return bool(
        user.is_authenticated
        and org is not None
        and org.type == OrganisationType.PROVIDER
        and user.role == Role.PROVIDER_MANAGER
    )


def sees_waiting_list(user: User) -> bool:
    """Every council role may look at the live waiting list; only brokers act on it."""
    org = user.organisation
    return bool(user.is_authenticated and org is not None and org.type == OrganisationType.COUNCIL)


# --- the provider framework ---------------------------------------------------------------------


def can_manage_frameworks(user: User) -> bool:
    """Create frameworks, add lots and rates, record admissions, ratings and suspensions."""
    return _council_role(user, Role.COMMISSIONER, Role.ADMINISTRATOR)


def sees_frameworks(user: User) -> bool:
    """Council staff and the NHS partner (their council's frameworks); providers (those they are in)."""
    return user.is_authenticated and user.organisation_id is not None and user.role != Role.CARE_WORKER


def sees_providers(user: User) -> bool:
    """Council staff see every provider; a provider's managers see their own organisation."""
    org = user.organisation if user.is_authenticated else None
    if org is None:
        return False
    return org.type == OrganisationType.COUNCIL or (
        org.type == OrganisationType.PROVIDER and user.role in (Role.PROVIDER_MANAGER, Role.ADMINISTRATOR)
    )


def manages_provider(user: User, provider) -> bool:
    """A manager (or administrator) of this provider organisation."""
    return bool(
        user.is_authenticated
        and user.organisation_id is not None
        and user.organisation_id == provider.pk
        and user.role in (Role.PROVIDER_MANAGER, Role.ADMINISTRATOR)
    )


def can_declare_capacity(user: User, provider) -> bool:
    """Providers declare their own capacity; commissioners may record it for them too."""
    return manages_provider(user, provider) or can_manage_frameworks(user)


def can_declare_ethical_employment(user: User, provider) -> bool:
    return manages_provider(user, provider)


def can_edit_provider_profile(user: User, provider) -> bool:
    return manages_provider(user, provider) or can_manage_frameworks(user)


# --- lead providers, subcontractors and the living-wage floor (ADR 0015) --------------------------


def decides_subcontracting(user: User) -> bool:
    """Appoint lead providers; approve, refuse, suspend and end subcontractors; set the wage floor."""
    return can_manage_frameworks(user)


def registers_subcontractors(user: User, lead) -> bool:
    """A lead provider's managers register its subcontractors and give them visits."""
    return manages_provider(user, lead)


def sees_subcontracting(user: User) -> bool:
    """Council staff (their council's registrations and monitoring); a provider's managers (as lead or
    as subcontractor: the selectors narrow each to its own)."""
    return _council_role(user, *ROLES_BY_ORGANISATION_TYPE[OrganisationType.COUNCIL]) or _provider_manager(
        user
    )


def attests_lowest_pay(user: User, provider) -> bool:
    return manages_provider(user, provider)


# --- visits and call monitoring -----------------------------------------------------------------


def manages_visits(user: User) -> bool:
    """Assign, correct, cancel and acknowledge alerts: the provider's managers, for their own visits."""
    return can_respond_to_offers(user)


def sees_visit_board(user: User) -> bool:
    """A provider's live board for its managers; the council's board for its staff (not care workers)."""
    return manages_visits(user) or (sees_waiting_list(user) and user.role != Role.CARE_WORKER)


# --- finance ------------------------------------------------------------------------------------


def runs_payments(user: User) -> bool:
    """Calculate, approve and lock payment runs; resolve holds and disputes: the council's finance team."""
    return _council_role(user, Role.FINANCE_OFFICER)


def sees_payments(user: User) -> bool:
    """Payment runs and statements: finance and commissioners at the council (providers see their own
    statements through the provider pages)."""
    return _council_role(user, Role.FINANCE_OFFICER, Role.COMMISSIONER, Role.ANALYST)


def sets_fees(user: User) -> bool:
    """Uplift and cost-of-care models: commissioners and finance."""
    return _council_role(user, Role.COMMISSIONER, Role.FINANCE_OFFICER)


def require(allowed: bool) -> None:
    """Views: refuse with 403 when a predicate says no (look the record up first, so a foreign one 404s)."""
    if not allowed:
        raise PermissionDenied


# --- quality, complaints and safeguarding (ADR 0008) --------------------------------------------

# Council roles that see their council's complaints (finance officers do not need them).
COMPLAINT_ROLES = (
    Role.PRACTITIONER,
    Role.BROKER,
    Role.COMMISSIONER,
    Role.SAFEGUARDING_LEAD,
    Role.ANALYST,
    Role.ADMINISTRATOR,
)


def _provider_manager(user: User) -> bool:
    """A provider's manager or administrator (never its care workers)."""
    org = user.organisation if user.is_authenticated else None
    return bool(
        org is not None
        and org.type == OrganisationType.PROVIDER
        and user.role in (Role.PROVIDER_MANAGER, Role.ADMINISTRATOR)
    )


def sees_complaints(user: User) -> bool:
    """The council's complaints for these council roles; a provider's managers see those about them."""
    return _council_role(user, *COMPLAINT_ROLES) or _provider_manager(user)


def records_complaints(user: User) -> bool:
    """Log a complaint as it arrives (providers log those made to them: provider-first)."""
    recorders = [r for r in COMPLAINT_ROLES if r != Role.ANALYST]
    return _council_role(user, *recorders) or _provider_manager(user)


def handles_council_complaints(user: User) -> bool:
    """Acknowledge, decide, escalate, refer and close at the council's stages (commissioning and the
    complaints function, held by administrators). Providers handle their own stage (manages_provider)."""
    return _council_role(user, Role.COMMISSIONER, Role.ADMINISTRATOR)


def sees_safeguarding(user: User) -> bool:
    """Safeguarding leads (all the council's cases), practitioners (cases they are involved in) and a
    provider's managers (what was shared with them): the selectors narrow each to those records."""
    return _council_role(user, Role.SAFEGUARDING_LEAD, Role.PRACTITIONER) or _provider_manager(user)


def leads_safeguarding(user: User) -> bool:
    """Triage, decide s42, run and close enquiries, audits, escalations and the data-quality report."""
    return _council_role(user, Role.SAFEGUARDING_LEAD)


def raises_safeguarding_concerns(user: User) -> bool:
    """Any council officer (also recording a concern from the public) and a provider's managers; care
    workers raise theirs from the visit on their phone."""
    council_roles = ROLES_BY_ORGANISATION_TYPE[OrganisationType.COUNCIL]
    return _council_role(user, *council_roles) or _provider_manager(user)


def designates_safeguarding_managers(user: User) -> bool:
    """Name the team and principal managers: safeguarding leads, and administrators (who manage staff
    but do not see safeguarding records)."""
    return _council_role(user, Role.SAFEGUARDING_LEAD, Role.ADMINISTRATOR)


def manages_provider_quality(user: User) -> bool:
    """QA visits, reviews, suspensions from a review, CQC imports: commissioners (and administrators)."""
    return can_manage_frameworks(user)


def sees_quality(user: User) -> bool:
    """Any part of the quality pages (navigation)."""
    return sees_complaints(user) or sees_safeguarding(user) or sees_providers(user)


# --- market oversight: sitreps and OPEL -----------------------------------------------------------


def sees_market(user: User) -> bool:
    """Every provider's sitreps, OPEL scores, the overdue list and the monthly return: the council's
    commissioners, analysts and brokers (brokers act on "able to take new packages"), and administrators."""
    return _council_role(user, Role.COMMISSIONER, Role.ANALYST, Role.BROKER, Role.ADMINISTRATOR)


def sees_market_summary(user: User) -> bool:
    """The market's OPEL, staff availability and trends: those who see the market, and the NHS partner."""
    org = user.organisation if user.is_authenticated else None
    nhs = bool(
        org is not None
        and org.type == OrganisationType.NHS_PARTNER
        and user.role in (Role.NHS_PARTNER_OFFICER, Role.ADMINISTRATOR)
    )
    return sees_market(user) or nhs


def configures_market(user: User) -> bool:
    """The sitrep schedule, the OPEL rules and the regional benchmark: commissioners (and administrators)."""
    return _council_role(user, Role.COMMISSIONER, Role.ADMINISTRATOR)


def submits_sitreps(user: User) -> bool:
    """A provider's managers (and its administrators) submit and amend its own sitreps."""
    org = user.organisation if user.is_authenticated else None
    return bool(
        org is not None
        and org.type == OrganisationType.PROVIDER
        and user.role in (Role.PROVIDER_MANAGER, Role.ADMINISTRATOR)
    )


# --- records (information governance) -----------------------------------------------------------


def can_export_subject_access(user: User) -> bool:
    """Export everything held about a person (a subject access request): practitioners and
    administrators at the person's council, and safeguarding leads (only their exports include
    safeguarding records: settings.SUBJECT_ACCESS_RESTRICTED)."""
    return _council_role(user, Role.PRACTITIONER, Role.ADMINISTRATOR, Role.SAFEGUARDING_LEAD)


def decides_disposals(user: User) -> bool:
    """Approve or reject the destruction of records past retention: the council's administrators."""
    return _council_role(user, Role.ADMINISTRATOR)


def sees_records(user: User) -> bool:
    return can_export_subject_access(user) or decides_disposals(user)


# --- outcome-based homecare: budgets of hours, reviews, feedback (ADR 0014) ----------------------


def configures_budgets(user: User) -> bool:
    """The council's carry-over rule for budgets of hours: commissioners (and administrators)."""
    return _council_role(user, Role.COMMISSIONER, Role.ADMINISTRATOR)


def approves_budget_excess(user: User) -> bool:
    """Approve hours over a week's budget and act on budget alerts: practitioners and brokers."""
    return _council_role(user, Role.PRACTITIONER, Role.BROKER)


def reviews_outcomes(user: User) -> bool:
    """Review the person's outcomes with them (and change the budget): practitioners."""
    return _council_role(user, Role.PRACTITIONER)


def records_feedback(user: User) -> bool:
    """Take feedback on the person's behalf, print forms, make one-time links: council officers who meet
    people (never the provider the feedback is about)."""
    return _council_role(user, Role.PRACTITIONER, Role.BROKER, Role.COMMISSIONER, Role.ADMINISTRATOR)


def sees_allocation_fairness(user: User) -> bool:
    """Equality of allocations across groups (aggregates only): commissioners, analysts, administrators."""
    return _council_role(user, Role.COMMISSIONER, Role.ANALYST, Role.ADMINISTRATOR)


# --- rota planning (ADR 0013) -------------------------------------------------------------------


def plans_rotas(user: User) -> bool:
    """Plan, change and publish rotas and keep care workers' rota profiles: a provider's managers, for
    their own organisation's care workers and the visits it delivers."""
    return can_respond_to_offers(user)


# --- reporting: KPIs and national returns (ADR 0012) ---------------------------------------------


def sees_performance(user: User) -> bool:
    """The KPI table: council staff (their council's figures), the NHS partner (NHS-funded care only) and a
    provider's managers (their own figures); reporting.populations narrows each to its population."""
    from homecare.reporting.populations import populations_for

    org = user.organisation if user.is_authenticated else None
    if org is None or user.role == Role.CARE_WORKER:
        return False
    if org.type == OrganisationType.PROVIDER:
        return _provider_manager(user)
    return bool(populations_for(user=user))


def comments_on_kpis(user: User) -> bool:
    """Write the officer's comment for the committee, and refresh the figures: analysts and commissioners."""
    return _council_role(user, Role.ANALYST, Role.COMMISSIONER)


def produces_national_returns(user: User) -> bool:
    """The quarterly Client Level Data file (NHS numbers and dates of birth): analysts only."""
    return _council_role(user, Role.ANALYST)
