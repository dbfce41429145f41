"""Thin brokerage views: the waiting list and case for brokers, the offer portal for providers."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from homecare.accounts import permissions
from homecare.brokerage import forms, presenters, selectors, services
from homecare.brokerage.models import OfferStatus, RoundStatus
from homecare.govuk_forms.forms import add_service_errors
from homecare.people import selectors as people_selectors
from homecare.providers.selectors import zones_for_council


def _posted(request):
    return request.POST if request.method == "POST" else None


@login_required
def waiting_list(request):
    permissions.require(permissions.sees_waiting_list(request.user))
    council = request.user.organisation
    form = forms.WaitingListFilterForm(request.GET or None, zones=zones_for_council(council=council))
    filters = selectors.WaitingFilters()
    if form.is_bound and form.is_valid():
        zone = form.cleaned_data.get("zone")
        filters = selectors.WaitingFilters(
            zone_id=zone.pk if zone else None,
            hospital_discharge=form.cleaned_data["hospital_discharge"],
            hard_to_place=form.cleaned_data["hard_to_place"],
        )
    cases = selectors.waiting_cases(user=request.user, filters=filters)
    if request.GET.get("format") == "csv":
        return _waiting_csv(selectors.waiting_entries(selectors.waiting_rows(cases), cases))
    page = Paginator(selectors.waiting_rows(cases), 50).get_page(request.GET.get("page"))
    page.object_list = selectors.waiting_entries(page.object_list, cases)
    return render(
        request,
        "brokerage/waiting_list.html",
        {
            "form": form,
            "page": page,
            "headlines": selectors.waiting_headlines(user=request.user, cases=cases),
            "csv_query": request.GET.urlencode(),
        },
    )


def _waiting_csv(entries) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y-%m-%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="waiting-list-{stamp}.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
            "Case reference",
            "Person",
            "Zone",
            "Days waiting",
            "Priority",
            "Hospital discharge",
            "Hard to place",
            "Interim arrangement",
            "Rounds so far",
            "Acceptances",
        ]
    )
    for r in entries:
        writer.writerow(
            [
                r.case_reference,
                r.person,
                r.zone,
                r.days_waiting,
                r.priority_label,
                "Yes" if r.hospital_discharge else "No",
                "Yes" if r.hard_to_place else "No",
                r.interim,
                r.rounds,
                r.accepted,
            ]
        )
    return response


@login_required
def send_to_brokerage(request, package_pk: int):
    package = people_selectors.package_for_user(user=request.user, pk=package_pk)
    permissions.require(permissions.can_transition_package(request.user, "submit"))
    form = forms.SendForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.package_send_to_brokerage(actor=request.user, package=package, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{package.reference} is on the waiting list and offered to providers")
            return redirect("brokerage:case", package.pk)
    return render(request, "brokerage/send.html", {"form": form, "package": package})


def _case_context(request, case, **forms_in_use):
    rounds = list(
        case.rounds.prefetch_related("offers__provider", "offers__messages__author").order_by("-number")
    )
    open_round = next((r for r in rounds if r.status == RoundStatus.OPEN), None)
    ranked = services.candidates(open_round) if open_round else []
    award_form = forms_in_use.get("award_form") or forms.AwardForm(
        choices=[(c.offer_id, c.provider) for c in ranked],
        initial={"offer": ranked[0].offer_id} if ranked else None,
    )
    return {
        "case": case,
        "package": case.package,
        "person": case.package.person,
        "rounds": rounds,
        "open_round": open_round,
        "ranked": ranked,
        "ranking_description": presenters.ranking_description(),
        "award_form": award_form,
        "escalate_form": forms_in_use.get("escalate_form") or forms.EscalateForm(),
        "can_broker": permissions.can_broker(request.user),
        "days_waiting": selectors.days_waiting(case),
    }


@login_required
def case_detail(request, package_pk: int):
    case = selectors.case_for_package(user=request.user, package_pk=package_pk)
    return render(request, "brokerage/case.html", _case_context(request, case))


@login_required
@require_POST
def round_start(request, package_pk: int):
    case = selectors.case_for_package(user=request.user, package_pk=package_pk)
    permissions.require(permissions.can_broker(request.user))
    try:
        offer_round = services.round_open(
            case=case, actor=request.user, widen=bool(request.POST.get("widen"))
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, f"Round {offer_round.number} offered to {offer_round.offers.count()} providers"
        )
    return redirect("brokerage:case", package_pk)


@login_required
@require_POST
def award(request, round_pk: int):
    offer_round = selectors.round_for_user(user=request.user, pk=round_pk)
    permissions.require(permissions.can_broker(request.user))
    case = selectors.case_for_package(user=request.user, package_pk=offer_round.case.package_id)
    ranked = services.candidates(offer_round)
    form = forms.AwardForm(request.POST, choices=[(c.offer_id, c.provider) for c in ranked])
    if form.is_valid():
        offer = selectors.offer_for_user(user=request.user, pk=form.cleaned_data["offer"])
        try:
            services.round_award(
                actor=request.user,
                offer_round=offer_round,
                offer=offer,
                override_reason=form.cleaned_data["override_reason"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Awarded to {offer.provider}; the package is now active")
            return redirect("people:package", case.package_id)
    return render(request, "brokerage/case.html", _case_context(request, case, award_form=form), status=200)


@login_required
def escalate(request, package_pk: int):
    case = selectors.case_for_package(user=request.user, package_pk=package_pk)
    permissions.require(permissions.can_broker(request.user))
    form = forms.EscalateForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.case_escalate(actor=request.user, case=case, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Escalation recorded")
            return redirect("brokerage:case", package_pk)
    return render(request, "brokerage/case.html", _case_context(request, case, escalate_form=form))


# --- provider portal ----------------------------------------------------------------------------


@login_required
def offers(request):
    permissions.require(permissions.can_respond_to_offers(request.user))
    all_offers = list(selectors.provider_offers(user=request.user)[:200])
    return render(
        request,
        "brokerage/offers.html",
        {
            "open_offers": [
                o
                for o in all_offers
                if o.round.status == RoundStatus.OPEN
                and o.status in (OfferStatus.PENDING, OfferStatus.QUERIED, OfferStatus.ACCEPTED)
            ],
            "past_offers": [
                o
                for o in all_offers
                if not (
                    o.round.status == RoundStatus.OPEN
                    and o.status in (OfferStatus.PENDING, OfferStatus.QUERIED, OfferStatus.ACCEPTED)
                )
            ],
        },
    )


def _offer_page(request, offer, **forms_in_use):
    return render(
        request,
        "brokerage/offer.html",
        {
            "offer": offer,
            "summary": presenters.offer_summary(offer),
            "can_respond": permissions.can_respond_to_offers(request.user)
            and offer.round.status == RoundStatus.OPEN
            and offer.status in services.RESPONDABLE,
            "can_reply": permissions.can_broker(request.user),
            "accept_form": forms_in_use.get("accept_form") or forms.AcceptForm(),
            "query_form": forms_in_use.get("query_form") or forms.QueryForm(),
            "decline_form": forms_in_use.get("decline_form") or forms.DeclineForm(),
            "reply_form": forms_in_use.get("reply_form") or forms.ReplyForm(),
            "thread": offer.messages.select_related("author"),
        },
    )


@login_required
def offer_detail(request, offer_pk: int):
    offer = selectors.offer_for_user(user=request.user, pk=offer_pk)
    return _offer_page(request, offer)


@login_required
@require_POST
def offer_respond(request, offer_pk: int, response: str):
    offer = selectors.offer_for_user(user=request.user, pk=offer_pk)
    if response == "reply":
        permissions.require(permissions.can_broker(request.user))
        form = forms.ReplyForm(request.POST)
        action = lambda data: services.query_reply(  # noqa: E731
            actor=request.user,
            offer=offer,
            text=data["text"],
            refer_to_practitioner=data["refer_to_practitioner"],
        )
    else:
        permissions.require(permissions.can_respond_to_offers(request.user))
        form_class, action = {
            "accept": (
                forms.AcceptForm,
                lambda data: services.offer_accept(
                    actor=request.user, offer=offer, earliest_start=data["earliest_start"]
                ),
            ),
            "query": (
                forms.QueryForm,
                lambda data: services.offer_query(actor=request.user, offer=offer, text=data["text"]),
            ),
            "decline": (
                forms.DeclineForm,
                lambda data: services.offer_decline(
                    actor=request.user, offer=offer, reason=data["reason"], note=data["note"]
                ),
            ),
        }.get(response, (None, None))
        permissions.require(form_class is not None)
        form = form_class(request.POST)
    if form.is_valid():
        try:
            action(form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Response sent" if response != "reply" else "Reply sent")
            return redirect("brokerage:offer", offer.pk)
    return _offer_page(request, offer, **{f"{response}_form": form})
