"""Thin market oversight views: the market picture, a provider's sitreps and OPEL, submitting and amending
sitreps, the overdue list, the council's settings and the monthly return."""

from __future__ import annotations

from itertools import pairwise

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from homecare.accounts import permissions
from homecare.govuk_forms.forms import add_service_errors
from homecare.market import forms, opel, oversight, presenters, returns, schedule, selectors, services

# Carried into the next sitrep from the last one: they rarely change week to week. Absences, PPE,
# outbreak and "able to take new packages" are asked afresh every time.
CARRIED_FORWARD = (
    "staff_in_post",
    "vacancies",
    "agency_staff",
    "bcp_reviewed_on",
    "staff_flu_vaccinated",
    "staff_covid_vaccinated",
)


def _posted(request):
    return request.POST if request.method == "POST" else None


def _council(request):
    """The signed-in council officer's council (market pages for council staff)."""
    permissions.require(permissions.sees_market(request.user))
    return request.user.organisation


@login_required
def overview(request):
    user = request.user
    if permissions.submits_sitreps(user):
        return redirect("market:sitreps")
    permissions.require(permissions.sees_market_summary(user))
    council = selectors.market_council(user=user)
    if council is None:
        raise Http404
    picture = oversight.market_picture(council=council, now=timezone.now())
    detail = permissions.sees_market(user)
    trend = picture.trend
    return render(
        request,
        "market/overview.html",
        {
            "picture": picture,
            "detail": detail,
            "rows": [presenters.standing_row(s) for s in picture.standings] if detail else [],
            "market_tag": presenters.OPEL_TAGS[picture.score.level],
            "market_reasons": [r.text for r in picture.score.reasons],
            "levels": [
                (level, picture.levels.get(level, 0), presenters.OPEL_TAGS[level]) for level in range(1, 5)
            ],
            "availability": presenters.percent_text(picture.staff_availability),
            "against": presenters.against_text(picture.against_benchmark),
            "charts": presenters.market_charts(picture),
            "trend_rows": presenters.trend_table(
                trend.labels, level=trend.levels, availability=trend.availability, reporting=trend.reporting
            ),
            "trend_headers": ["Sitrep due", "Market OPEL", "Staff availability %", "Providers reporting"],
            "can_configure": permissions.configures_market(user),
        },
    )


@login_required
def provider_detail(request, provider_pk: int):
    user = request.user
    provider = selectors.market_provider_for_user(user=user, pk=provider_pk)
    own = permissions.manages_provider(user, provider)
    permissions.require(permissions.sees_market(user) or own)
    councils = list(selectors.councils_for_provider(provider=provider)) if own else [user.organisation]
    now = timezone.now()
    blocks = []
    for council in councils:
        picture = oversight.provider_picture(council=council, provider=provider, now=now)
        trend = picture.trend
        blocks.append(
            {
                "picture": picture,
                "row": presenters.standing_row(picture.standing),
                "charts": presenters.provider_charts(picture),
                "trend_rows": presenters.trend_table(
                    trend.labels, level=trend.levels, availability=trend.availability, hours=trend.hours
                ),
                "trend_headers": ["Sitrep due", "OPEL", "Staff availability %", "Hours delivered"],
                "history": [(s, score, presenters.OPEL_TAGS[score.level]) for s, score in picture.history],
            }
        )
    return render(request, "market/provider.html", {"provider": provider, "own": own, "blocks": blocks})


@login_required
def sitreps(request):
    user = request.user
    now = timezone.now()
    if permissions.submits_sitreps(user):
        provider = user.organisation
        owing = [
            oversight.owed(council=c, provider=provider, now=now)
            for c in selectors.councils_for_provider(provider=provider)
        ]
        recent = (
            selectors.sitreps_visible_to(user=user)
            .select_related("council", "amends")
            .order_by("-due_at", "-submitted_at")[:60]
        )
        return render(request, "market/sitreps_provider.html", {"owing": owing, "recent": recent, "now": now})
    council = _council(request)
    rows = selectors.current_versions(selectors.sitreps_visible_to(user=user)).select_related(
        "provider", "amends"
    )
    page = Paginator(rows.order_by("-due_at", "provider__name"), 50).get_page(request.GET.get("page"))
    return render(request, "market/sitreps_council.html", {"page": page, "council": council})


def _submission_council(request):
    """The council a provider is submitting to: named in ?council=, or its only one."""
    user = request.user
    raw = request.GET.get("council", "")
    if raw:
        if not raw.isdigit():
            raise Http404
        return selectors.council_for_submission(user=user, council_pk=int(raw)), []
    councils = list(selectors.councils_for_provider(provider=user.organisation))
    return (councils[0], councils) if len(councils) == 1 else (None, councils)


def _prefill(council, provider, now) -> tuple[dict, dict]:
    start, end = schedule.reporting_period(timezone.localdate(now))
    figures = selectors.platform_figures(council=council, provider=provider, start=start, end=end)
    initial = {"people_supported": figures.people_supported, "hours_delivered": figures.hours_delivered}
    last = selectors.latest_sitrep(council=council, provider=provider)
    if last is not None:
        initial |= {name: getattr(last, name) for name in CARRIED_FORWARD}
        initial |= {f"zone_{z.zone_id}": z.spare_hours for z in last.zone_capacity.all()}
    else:
        capacity = selectors.current_capacity(council=council, provider=provider)
        initial |= {f"zone_{zone_id}": hours for zone_id, hours in capacity.items()}
    return initial, presenters.platform_hint(figures, start, end)


@login_required
def sitrep_new(request):
    user = request.user
    permissions.require(permissions.submits_sitreps(user))
    council, councils = _submission_council(request)
    if council is None:
        return render(request, "market/choose_council.html", {"councils": councils})
    now = timezone.now()
    owed = oversight.owed(council=council, provider=user.organisation, now=now)
    if owed.submitted is not None:
        messages.success(request, "You have already sent this sitrep. You can amend it here.")
        return redirect("market:sitrep", owed.submitted.pk)
    zones = selectors.council_zones(council=council)
    initial, hints = _prefill(council, user.organisation, now)
    initial["slot"] = owed.slot.due_at.isoformat()
    form = forms.SitrepForm(_posted(request), zones=zones, initial=initial)
    for name, hint in hints.items():
        form.fields[name].help_text = hint
    if request.method == "POST" and form.is_valid():
        try:
            sitrep = services.sitrep_submit(
                council=council,
                provider=user.organisation,
                figures=form.figures(),
                for_slot=form.cleaned_data["slot"],
                actor=user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Sitrep sent to {council.name}")
            return redirect("market:sitrep", sitrep.pk)
    return render(request, "market/sitrep_form.html", {"form": form, "council": council, "owed": owed})


@login_required
def sitrep_detail(request, sitrep_pk: int):
    sitrep = selectors.sitrep_for_user(user=request.user, pk=sitrep_pk)
    versions = selectors.sitrep_versions(sitrep=sitrep)
    current = versions[-1]
    score = opel.provider_score(sitrep.situation(), selectors.rules_for(council=sitrep.council))
    return render(
        request,
        "market/sitrep.html",
        {
            "sitrep": sitrep,
            "is_current": sitrep.pk == current.pk,
            "current": current,
            "rows": presenters.sitrep_rows(sitrep),
            "score": score,
            "tag": presenters.OPEL_TAGS[score.level],
            "versions": versions,
            "amendments": [
                (after, presenters.amendment_changes(before, after)) for before, after in pairwise(versions)
            ],
            "can_amend": permissions.manages_provider(request.user, sitrep.provider)
            and sitrep.pk == current.pk,
            "sees_provider_page": permissions.sees_market(request.user)
            or permissions.manages_provider(request.user, sitrep.provider),
        },
    )


@login_required
def sitrep_amend(request, sitrep_pk: int):
    sitrep = selectors.sitrep_for_user(user=request.user, pk=sitrep_pk)
    permissions.require(permissions.manages_provider(request.user, sitrep.provider))
    zones = selectors.council_zones(council=sitrep.council)
    form = forms.AmendForm(_posted(request), zones=zones, initial=forms.initial_from(sitrep))
    if request.method == "POST" and form.is_valid():
        try:
            amendment = services.sitrep_amend(
                sitrep=sitrep, figures=form.figures(), reason=form.cleaned_data["reason"], actor=request.user
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Sitrep amended; the original is kept")
            return redirect("market:sitrep", amendment.pk)
    return render(
        request, "market/sitrep_form.html", {"form": form, "council": sitrep.council, "sitrep": sitrep}
    )


@login_required
def overdue(request):
    council = _council(request)
    listing = oversight.overdue_list(council=council, now=timezone.now())
    return render(request, "market/overdue.html", {"listing": listing})


@login_required
def schedule_settings(request):
    council = _council(request)
    can_change = permissions.configures_market(request.user)
    if request.method == "POST":
        permissions.require(can_change)
    schedules = selectors.schedules_for(council=council)
    current = schedule.schedule_at(schedules, timezone.now())
    form = forms.ScheduleForm(
        _posted(request),
        initial={
            "frequency": current.frequency,
            "first_weekday": current.weekdays[0],
            "second_weekday": current.weekdays[1] if len(current.weekdays) > 1 else None,
            "due_time": current.due_time,
            "reminder_hours": current.reminder_hours,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.sitrep_schedule_set(
                council=council,
                frequency=data["frequency"],
                weekdays=form.weekdays(),
                due_time=data["due_time"],
                reminder_hours=data["reminder_hours"],
                reason=data["reason"],
                actor=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Sitrep schedule changed; providers have been told")
            return redirect("market:schedule")
    return render(
        request,
        "market/schedule.html",
        {
            "form": form,
            "current": current,
            "can_change": can_change,
            "history": selectors.schedule_history(council=council),
            "next_due": schedule.next_due(schedules, timezone.now()),
        },
    )


def _rules_page(request, council, *, rules_form=None, benchmark_form=None, status=200):
    rules = selectors.rules_for(council=council)
    return render(
        request,
        "market/rules.html",
        {
            "form": rules_form or forms.RulesForm(rules=rules),
            "benchmark_form": benchmark_form
            or forms.BenchmarkForm(initial={"effective_from": timezone.localdate()}),
            "benchmark": selectors.benchmark_for(council=council, on=timezone.localdate()),
            "benchmarks": selectors.benchmark_history(council=council)[:20],
            "history": selectors.rule_history(council=council),
            "can_change": permissions.configures_market(request.user),
            "levels": opel.LEVEL_WORDS.items(),
        },
        status=status,
    )


@login_required
def rules(request):
    council = _council(request)
    if request.method != "POST":
        return _rules_page(request, council)
    permissions.require(permissions.configures_market(request.user))
    form = forms.RulesForm(request.POST, rules=selectors.rules_for(council=council))
    if form.is_valid():
        try:
            changed = services.opel_rules_update(
                council=council, rules=form.rules(), reason=form.cleaned_data["reason"], actor=request.user
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"OPEL rules changed ({changed} changed)")
            return redirect("market:rules")
    return _rules_page(request, council, rules_form=form)


@login_required
@require_POST
def benchmark(request):
    council = _council(request)
    permissions.require(permissions.configures_market(request.user))
    form = forms.BenchmarkForm(request.POST)
    if form.is_valid():
        try:
            services.benchmark_record(council=council, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Regional benchmark recorded")
            return redirect("market:rules")
    return _rules_page(request, council, benchmark_form=form)


@login_required
def monthly_return(request):
    user = request.user
    own = permissions.submits_sitreps(user)
    permissions.require(own or permissions.sees_market(user))
    today = timezone.localdate()
    form = forms.MonthForm(request.GET or None, today=today)
    month = form.first_day() if form.is_bound and form.is_valid() else today.replace(day=1)
    if own:
        provider = user.organisation
        rows = [
            row
            for council in selectors.councils_for_provider(provider=provider)
            for row in returns.monthly_return(council=council, month=month, providers=[provider])
        ]
    else:
        council = user.organisation
        rows = returns.monthly_return(
            council=council, month=month, providers=list(selectors.providers_reporting_to(council=council))
        )
    if request.GET.get("format") == "csv":
        response = HttpResponse(returns.csv_text(rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="homecare-return-{month:%Y-%m}.csv"'
        return response
    return render(
        request,
        "market/returns.html",
        {
            "form": form,
            "rows": rows,
            "month": month,
            "headers": returns.HEADERS,
            "csv_month": f"{month:%Y-%m}",
            "perms_market": permissions.sees_market(user),
        },
    )
