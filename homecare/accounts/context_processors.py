"""Navigation for the layout, from the user's role (never per-role copies of templates)."""

from django.urls import reverse

from homecare.accounts.models import Role
from homecare.accounts.permissions import (
    can_respond_to_offers,
    manages_provider,
    plans_rotas,
    sees_frameworks,
    sees_market_summary,
    sees_payments,
    sees_people,
    sees_performance,
    sees_quality,
    sees_records,
    sees_visit_board,
    sees_waiting_list,
    sets_fees,
    submits_sitreps,
)

# The KPI pages are open to more roles (by URL); the navigation shows them to those whose work they are.
PERFORMANCE_NAV_ROLES = frozenset(
    {Role.ANALYST, Role.COMMISSIONER, Role.NHS_PARTNER_OFFICER, Role.PROVIDER_MANAGER}
)


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = [("Home", reverse("accounts:dashboard"))]
    if sees_people(user):
        items.append(("People", reverse("people:search")))
    org = user.organisation
    if org is not None and org.is_council:
        items.append(("Providers", reverse("providers:providers")))
    elif org is not None and org.is_provider and manages_provider(user, org):
        items.append(("Your organisation", reverse("providers:provider", args=[org.pk])))
    elif sees_frameworks(user):
        items.append(("Frameworks", reverse("providers:frameworks")))
    if sees_waiting_list(user):
        items.append(("Waiting list", reverse("brokerage:waiting-list")))
    if can_respond_to_offers(user):
        items.append(("Offers", reverse("brokerage:offers")))
    if sees_payments(user):
        items.append(("Payments", reverse("finance:runs")))
    if sets_fees(user):
        items.append(("Fee setting", reverse("finance:fee-setting")))
    elif can_respond_to_offers(user):
        items.append(("Statements", reverse("finance:runs")))
    if user.role == Role.CARE_WORKER:
        items.append(("Your visits", reverse("visits:app")))
    elif sees_visit_board(user):
        items.append(("Visits", reverse("visits:board")))
        items.append(("Variations", reverse("visits:variations")))
    if sees_quality(user):
        items.append(("Quality", reverse("quality:home")))
    if sees_records(user):
        items.append(("Records", reverse("records:index")))
    if sees_people(user):
        # Budgets of hours, outcome reviews and feedback (ADR 0014); providers see their own packages'.
        items.append(("Budgets and feedback", reverse("outcomes:budgets")))
    if sees_market_summary(user):
        items.append(("Market", reverse("market:overview")))
    elif submits_sitreps(user):
        items.append(("Sitreps", reverse("market:sitreps")))
    if plans_rotas(user):
        items.append(("Rotas", reverse("rostering:plans")))
    if sees_performance(user) and user.role in PERFORMANCE_NAV_ROLES:
        items.append(("Performance", reverse("reporting:kpis")))
    current = request.path
    return {
        "nav_items": [
            {
                "label": label,
                "href": href,
                "active": href == current or (href != "/" and current.startswith(href)),
            }
            for label, href in items
        ]
    }
