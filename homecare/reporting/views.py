"""Thin reporting views: the committee KPI table (and its exports), one KPI's chart, values and comments,
the records behind a number, refreshing the figures, and the quarterly CLD return."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from homecare.accounts import permissions
from homecare.govuk_forms.forms import add_service_errors
from homecare.platform.jobs import enqueue
from homecare.reporting import cld, exports, forms, presenters, selectors, services
from homecare.reporting.kpis import get as get_kpi
from homecare.reporting.periods import Month, Quarter
from homecare.reporting.populations import COUNCIL


def _population_and_month(request):
    """The population asked for (404 if not the user's) and the table's last month."""
    permissions.require(permissions.sees_performance(request.user))
    visible = selectors.populations_visible_to(user=request.user)
    choices = [(selectors.population_param(p), p.label) for p in visible]
    current = Month.of(timezone.localdate())
    form = forms.TableForm(request.GET or None, current=current, populations=choices)
    population = selectors.population_for(user=request.user, key=request.GET.get("population"))
    month = form.chosen_month() if form.is_bound and form.is_valid() else current
    return form, population, month


def _download(content, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def kpis(request):
    form, population, month = _population_and_month(request)
    months = selectors.months_ending(month)
    direct = request.GET.get("source") == selectors.DIRECT
    table = selectors.committee_table(
        population=population,
        months=months,
        source=selectors.DIRECT if direct else selectors.AGGREGATES,
        now=timezone.now(),
    )
    export = request.GET.get("format")
    stem = f"kpis-{month.key}"
    if export == "csv":
        return _download(exports.table_csv(table), "text/csv; charset=utf-8", f"{stem}.csv")
    if export == "xlsx":
        return _download(
            exports.table_xlsx(table),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            f"{stem}.xlsx",
        )
    if export == "pdf":
        source = "computed from the records" if direct else "from the figures last refreshed"
        generated = f"Produced {timezone.localtime():%d %B %Y %H:%M}, {source}."
        return _download(exports.table_pdf(table, generated=generated), "application/pdf", f"{stem}.pdf")
    council_view = population.kind == COUNCIL
    return render(
        request,
        "reporting/kpis.html",
        {
            "form": form,
            "table": table,
            "groups": presenters.grouped_rows(table),
            "population": population,
            "population_param": selectors.population_param(population),
            "month": month,
            "direct": direct,
            "can_refresh": council_view and permissions.comments_on_kpis(request.user),
            "can_cld": permissions.produces_national_returns(request.user),
            "last_refresh": selectors.last_refresh(council=population.council),
        },
    )


def _kpi(population, kpi_id: str):
    kpi = get_kpi(kpi_id)
    if kpi is None or population.kind not in kpi.populations:
        raise Http404
    return kpi


def _detail_page(request, population, month, kpi, comment_form=None, status=200):
    months = selectors.months_ending(month)
    table = selectors.committee_table(population=population, months=months)
    row = table.row(kpi.id)
    council_view = population.kind == COUNCIL
    can_comment = council_view and permissions.comments_on_kpis(request.user)
    current = (
        selectors.current_comments(council=population.council, month=month).get(kpi.id)
        if council_view
        else None
    )
    return render(
        request,
        "reporting/kpi.html",
        {
            "kpi": kpi,
            "row": presenters.row_view(row),
            "chart": presenters.kpi_chart(row) if kpi.has_data else None,
            "months": [
                (m, presenters.number(v, kpi.unit), n, d, rag.label, presenters.RAG_TAGS[rag])
                for m, v, n, d, rag in zip(
                    row.months, row.values, row.numerators, row.denominators, row.rags, strict=True
                )
            ][::-1],
            "population": population,
            "population_param": selectors.population_param(population),
            "month": month,
            "can_drill": kpi.drill is not None
            and kpi.has_data
            and (kpi.drill_allowed is None or kpi.drill_allowed(request.user)),
            "can_comment": can_comment,
            "comment_form": comment_form
            or forms.CommentForm(initial={"month": month.key, "text": current.text if current else ""}),
            "history": selectors.comment_history(council=population.council, kpi_id=kpi.id, month=month)
            if council_view
            else [],
        },
        status=status,
    )


@login_required
def kpi_detail(request, kpi_id: str):
    _form, population, month = _population_and_month(request)
    return _detail_page(request, population, month, _kpi(population, kpi_id))


@login_required
@require_POST
def kpi_comment(request, kpi_id: str):
    _form, population, _month = _population_and_month(request)
    kpi = _kpi(population, kpi_id)
    permissions.require(population.kind == COUNCIL and permissions.comments_on_kpis(request.user))
    form = forms.CommentForm(request.POST)
    if form.is_valid():
        month = form.cleaned_data["month"]
        try:
            services.kpi_comment_add(
                council=population.council,
                kpi_id=kpi.id,
                month=month,
                text=form.cleaned_data["text"],
                amendment_reason=form.cleaned_data["amendment_reason"],
                actor=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Comment saved for {month.first_day:%B %Y}")
            return redirect(f"{reverse('reporting:kpi', args=[kpi.id])}?month={month.key}")
        return _detail_page(request, population, month, kpi, comment_form=form, status=422)
    return _detail_page(
        request, population, Month.of(timezone.localdate()), kpi, comment_form=form, status=422
    )


@login_required
def kpi_records(request, kpi_id: str):
    _form, population, month = _population_and_month(request)
    kpi = _kpi(population, kpi_id)
    drill = selectors.drill_down(
        user=request.user, population=population, kpi=kpi, month=month, now=timezone.now()
    )
    if request.GET.get("format") == "csv":
        rows = [drill.headers, *(drill.cells(r) for r in drill.rows)]
        return _download(
            "".join(exports.csv_line(r) for r in rows), "text/csv; charset=utf-8", f"{kpi.id}-{month.key}.csv"
        )
    page = Paginator(drill.rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "reporting/records.html",
        {
            "kpi": kpi,
            "month": month,
            "drill": drill,
            "page": page,
            "rows": [drill.cells(r) for r in page],
            "population": population,
            "population_param": selectors.population_param(population),
        },
    )


@login_required
@require_POST
def refresh(request):
    permissions.require(permissions.comments_on_kpis(request.user))
    council = request.user.organisation
    enqueue("homecare.reporting.tasks.refresh_aggregates_job", council.pk, request.user.pk)
    messages.success(request, "The figures are being refreshed")
    return redirect("reporting:kpis")


@login_required
def cld_return(request):
    permissions.require(permissions.produces_national_returns(request.user))
    council = request.user.organisation
    form = forms.QuarterForm(request.GET or None, current=Quarter.of(timezone.localdate()))
    quarter = form.chosen_quarter() if form.is_bound and form.is_valid() else Quarter.of(timezone.localdate())
    extract = cld.build(council=council, quarter=quarter)
    report = cld.validate(extract.rows)
    if request.GET.get("format") == "csv":
        return _download(
            cld.encode(extract.rows),
            "text/csv; charset=windows-1252",
            f"CLD-{council.ods_code or council.pk}-{quarter.key}.csv",
        )
    return render(
        request,
        "reporting/cld.html",
        {
            "form": form,
            "quarter": quarter,
            "extract": extract,
            "report": report,
            "failures": report.failures[:500],
        },
    )
