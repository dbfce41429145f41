"""Payment runs for the council's finance team; statements, remittances and disputes for providers.
Thin: scope → selector/service → render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from homecare.accounts import permissions
from homecare.finance import exports, forms, selectors, services
from homecare.govuk_forms.forms import add_service_errors
from homecare.visits import selectors as visit_selectors


@login_required
def runs(request):
    permissions.require(permissions.sees_payments(request.user) or permissions.manages_visits(request.user))
    if permissions.manages_visits(request.user):
        return render(
            request,
            "finance/provider_statements.html",
            {
                "statements": selectors.statements_visible_to(user=request.user)
                .select_related("run")
                .order_by("-run__period_start")
            },
        )
    frameworks = selectors.frameworks_for_payments(user=request.user)
    form = forms.RunForm(request.POST or None, frameworks=frameworks)
    if request.method == "POST":
        permissions.require(permissions.runs_payments(request.user))
        if form.is_valid():
            try:
                run = services.run_create(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "Payment run calculated: check the held visits before approval")
                return redirect("finance:run", run_pk=run.pk)
    return render(
        request,
        "finance/runs.html",
        {
            "runs": selectors.runs_visible_to(user=request.user),
            "form": form,
            "can_run": permissions.runs_payments(request.user),
            "disputes": selectors.open_disputes(user=request.user),
        },
        status=400 if form.errors else 200,
    )


@login_required
def run_detail(request, run_pk: int):
    run = selectors.run_for_user(user=request.user, pk=run_pk)
    statements = run.statements.select_related("provider")
    return render(
        request,
        "finance/run.html",
        {
            "run": run,
            "statements": statements,
            "totals": {
                "payable": sum(s.payable for s in statements),
                "nhs": sum(s.nhs_recharge for s in statements),
                "visits": sum(s.visits for s in statements),
                "held": sum(s.held_visits for s in statements),
            },
            "can_run": permissions.runs_payments(request.user),
        },
    )


@login_required
@require_POST
def run_action(request, run_pk: int, action: str):
    run = selectors.run_for_user(user=request.user, pk=run_pk)
    permissions.require(permissions.runs_payments(request.user))
    step = {
        "calculate": services.run_calculate,
        "approve": services.run_approve,
        "lock": services.run_lock,
    }.get(action)
    if step is None:
        raise PermissionDenied
    try:
        step(actor=request.user, run=run)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, {"calculate": "Recalculated", "approve": "Approved", "lock": "Locked"}[action]
        )
    return redirect("finance:run", run_pk=run.pk)


@login_required
def held(request, run_pk: int):
    run = selectors.run_for_user(user=request.user, pk=run_pk)
    return render(
        request,
        "finance/held.html",
        {
            "run": run,
            "lines": selectors.held_lines(run=run),
            "form": forms.HoldForm(),
            "can_run": permissions.runs_payments(request.user),
        },
    )


@login_required
@require_POST
def hold_resolve(request, run_pk: int, visit_pk: int):
    run = selectors.run_for_user(user=request.user, pk=run_pk)
    visit = visit_selectors.visit_for_user(user=request.user, pk=visit_pk)
    permissions.require(permissions.runs_payments(request.user))
    form = forms.HoldForm(request.POST)
    if form.is_valid():
        try:
            services.hold_resolve(actor=request.user, visit=visit, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            services.run_calculate(actor=request.user, run=run)
            messages.success(request, "Decision recorded and the run recalculated")
            return redirect("finance:held", run_pk=run.pk)
    return render(
        request,
        "finance/held.html",
        {
            "run": run,
            "lines": selectors.held_lines(run=run),
            "form": form,
            "form_visit": visit.pk,
            "can_run": True,
        },
        status=400,
    )


@login_required
def payment_file(request, run_pk: int):
    run = selectors.run_for_user(user=request.user, pk=run_pk)
    return _csv(exports.payment_file(run), f"payment-file-PR{run.pk:05d}.csv")


@login_required
def recharge_file(request, run_pk: int):
    run = selectors.run_for_user(user=request.user, pk=run_pk)
    return _csv(exports.nhs_recharge_file(run), f"nhs-recharge-PR{run.pk:05d}.csv")


def _csv(text: str, filename: str) -> HttpResponse:
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def statement_detail(request, statement_pk: int):
    statement = selectors.statement_for_user(user=request.user, pk=statement_pk)
    return render(
        request,
        "finance/statement.html",
        {
            "statement": statement,
            "lines": selectors.statement_lines(statement=statement),
            "adjustments": statement.adjustments.all(),
            "total": services.statement_total(statement),
            "is_provider": permissions.manages_visits(request.user),
        },
    )


@login_required
def remittance(request, statement_pk: int):
    statement = selectors.statement_for_user(user=request.user, pk=statement_pk)
    response = HttpResponse(exports.remittance_pdf(statement), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="remittance-{statement.run_id}-{statement.pk}.pdf"'
    )
    return response


@login_required
def statement_csv(request, statement_pk: int):
    statement = selectors.statement_for_user(user=request.user, pk=statement_pk)
    return _csv(
        exports.statement_lines_file(statement), f"statement-PR{statement.run_id:05d}-{statement.pk}.csv"
    )


@login_required
def line_detail(request, line_pk: int):
    line = selectors.line_for_user(user=request.user, pk=line_pk)
    form = forms.DisputeForm(request.POST or None)
    if request.method == "POST":
        permissions.require(permissions.manages_visits(request.user))
        if form.is_valid():
            try:
                services.dispute_raise(actor=request.user, line=line, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "Dispute sent to the council's finance team")
                return redirect("finance:line", line_pk=line.pk)
    return render(
        request,
        "finance/line.html",
        {
            "line": line,
            "visits": selectors.line_visits(line=line)[:200],
            "disputes": line.disputes.select_related("raised_by", "resolved_by"),
            "form": form,
            "can_dispute": permissions.manages_visits(request.user),
        },
        status=400 if form.errors else 200,
    )


@login_required
def dispute_detail(request, dispute_pk: int):
    dispute = selectors.dispute_for_user(user=request.user, pk=dispute_pk)
    form = forms.DisputeDecisionForm(request.POST or None)
    if request.method == "POST":
        permissions.require(permissions.runs_payments(request.user))
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.dispute_resolve(
                    actor=request.user,
                    dispute=dispute,
                    uphold=data["decision"] == "uphold",
                    resolution=data["resolution"],
                    adjustment=data["adjustment"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "Dispute resolved")
                return redirect("finance:dispute", dispute_pk=dispute.pk)
    return render(
        request,
        "finance/dispute.html",
        {"dispute": dispute, "form": form, "can_decide": permissions.runs_payments(request.user)},
        status=400 if form.errors else 200,
    )


urlpatterns = [
    path("", runs, name="runs"),
    path("runs/<int:run_pk>/", run_detail, name="run"),
    path("runs/<int:run_pk>/held/", held, name="held"),
    path("runs/<int:run_pk>/held/<int:visit_pk>", hold_resolve, name="hold-resolve"),
    path("runs/<int:run_pk>/payment-file.csv", payment_file, name="payment-file"),
    path("runs/<int:run_pk>/nhs-recharge.csv", recharge_file, name="recharge-file"),
    path("runs/<int:run_pk>/<slug:action>", run_action, name="run-action"),
    path("statements/<int:statement_pk>/", statement_detail, name="statement"),
    path("statements/<int:statement_pk>/remittance.pdf", remittance, name="remittance"),
    path("statements/<int:statement_pk>/lines.csv", statement_csv, name="statement-csv"),
    path("lines/<int:line_pk>/", line_detail, name="line"),
    path("disputes/<int:dispute_pk>/", dispute_detail, name="dispute"),
]
