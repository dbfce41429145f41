"""Case audits: the month's sample, an audit against the Care Act template, and its actions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from homecare.accounts import permissions
from homecare.accounts.models import Role
from homecare.govuk_forms.forms import add_service_errors
from homecare.quality import services
from homecare.quality.care_act_audit import TEMPLATE
from homecare.quality.forms import safeguarding as forms
from homecare.quality.selectors import safeguarding as selectors


@login_required
def audit_list(request):
    permissions.require(permissions.leads_safeguarding(request.user))
    form = forms.AuditSampleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            made = services.audits_sample_month(
                actor=request.user,
                council=request.user.organisation,
                month=form.cleaned_data["month"],
                per_manager=form.cleaned_data["per_manager"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{len(made)} case{'s' if len(made) != 1 else ''} sampled for audit")
            return redirect("quality:audits")
    audits = selectors.audits_visible_to(user=request.user).select_related("concern__person", "auditor")
    return render(request, "quality/audits.html", {"form": form, "audits": audits[:200]})


def _audit_context(request, audit, **extra):
    answers = {a.question: a for a in audit.answers.all()}
    return {
        "audit": audit,
        "questions": [(q, answers.get(q.code)) for q in TEMPLATE],
        "may_complete": audit.completed_at is None and audit.auditor_id == request.user.pk,
        "action_form": extra.get("action_form")
        or forms.AuditActionForm(staff=selectors.council_users(user=request.user, roles=list(Role))),
        "done_form": forms.ActionDoneForm(),
        **extra,
    }


@login_required
def audit_detail(request, audit_pk: int):
    audit = selectors.audit_for_user(user=request.user, pk=audit_pk)
    may_complete = audit.completed_at is None and audit.auditor_id == request.user.pk
    if request.method == "POST":
        permissions.require(may_complete)
    form = forms.AuditForm(request.POST or None) if may_complete else None
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            services.audit_complete(
                actor=request.user,
                audit=audit,
                answers=form.answers(),
                findings=form.cleaned_data["findings"],
                overall=form.cleaned_data["overall"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Audit completed")
            return redirect("quality:audit", audit.pk)
    return render(request, "quality/audit.html", _audit_context(request, audit, form=form))


@login_required
def audit_action(request, audit_pk: int):
    """Add an action (POST), or mark one done (POST with `action`)."""
    audit = selectors.audit_for_user(user=request.user, pk=audit_pk)
    permissions.require(permissions.leads_safeguarding(request.user))
    if request.method != "POST":
        return redirect("quality:audit", audit.pk)
    if "action" in request.POST:
        return _action_done(request, audit)
    form = forms.AuditActionForm(
        request.POST, staff=selectors.council_users(user=request.user, roles=list(Role))
    )
    if form.is_valid():
        try:
            services.audit_action_add(actor=request.user, audit=audit, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Action added")
            return redirect("quality:audit", audit.pk)
    return render(request, "quality/audit.html", _audit_context(request, audit, action_form=form, form=None))


def _action_done(request, audit):
    form = forms.ActionDoneForm(request.POST)
    action = audit.actions.filter(pk=request.POST.get("action") or 0).first() if form.is_valid() else None
    try:
        if action is None:
            raise ValidationError("Say what was done")
        services.audit_action_complete(actor=request.user, action=action, note=form.cleaned_data["note"])
    except ValidationError as exc:
        context = _audit_context(request, audit, form=None, problem=" ".join(exc.messages))
        return render(request, "quality/audit.html", context)
    messages.success(request, "Action marked as done")
    return redirect("quality:audit", audit.pk)
