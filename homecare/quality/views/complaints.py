"""Complaint pages: lists (open, overdue, due soon), record, the complaint and its steps, letters, report."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from homecare.accounts import permissions
from homecare.people import selectors as people_selectors
from homecare.providers import selectors as provider_selectors
from homecare.quality import letters, presenters, services
from homecare.quality.forms import complaints as forms
from homecare.quality.models import ComplaintStage
from homecare.quality.selectors import complaints as selectors
from homecare.quality.timescales import Deadline
from homecare.quality.views.common import form_page, posted


def _back(complaint) -> tuple[str, str]:
    return reverse("quality:complaint", args=[complaint.pk]), f"Back to complaint {complaint.reference}"


@login_required
def complaint_list(request):
    permissions.require(permissions.sees_complaints(request.user))
    view = request.GET.get("view", "open")
    if view not in selectors.VIEWS:
        view = "open"
    rows = selectors.complaint_rows(user=request.user, view=view)
    return render(
        request,
        "quality/complaints.html",
        {
            "rows": [
                (r, presenters.deadline_text(r.acknowledgement), presenters.deadline_text(r.response))
                for r in rows
            ],
            "view": view,
            "views": selectors.VIEWS,
            "counts": selectors.counts(user=request.user),
            "can_record": permissions.records_complaints(request.user),
            "is_council": request.user.organisation.is_council,
        },
    )


@login_required
def complaint_new(request):
    user = request.user
    permissions.require(permissions.records_complaints(user))
    org = user.organisation
    form = forms.ComplaintForm(
        posted(request),
        providers=provider_selectors.providers_visible_to(user=user).order_by("name"),
        people=people_selectors.people_visible_to(user=user),
        provider_only=org if org.is_provider else None,
    )

    def call(data):
        return services.complaint_record(
            actor=user,
            received_on=data["received_on"],
            complainant_name=data["complainant_name"],
            complainant_type=data["complainant_type"],
            complainant_address=data["complainant_address"],
            person=data["person_reference"],
            subject=data.get("subject") or "provider",
            provider=data.get("provider") if org.is_council else org,
            stage=data.get("stage") or None,
            summary=data["summary"],
            desired_outcome=data["desired_outcome"],
            themes=data["themes"],
        )

    return form_page(
        request,
        form=form,
        call=call,
        title="Record a complaint",
        intro="Complaints go to the provider first; the council takes them on at its first stage if the "
        "complainant is not satisfied, or if the complaint is about the council. Acknowledgement is due "
        "within 3 working days and the decision within 28 days.",
        button="Record the complaint",
        success=lambda c: f"Complaint {c.reference} recorded",
        done=lambda c: reverse("quality:complaint", args=[c.pk]),
        back=(reverse("quality:complaints"), "Back to complaints"),
    )


@login_required
def complaint_detail(request, complaint_pk: int):
    complaint = selectors.complaint_for_user(user=request.user, pk=complaint_pk)
    today = timezone.localdate()
    stages = []
    for record in complaint.stages.all():
        live = complaint.is_open and record.stage == complaint.stage
        ack = presenters.deadline_text(
            Deadline(record.acknowledgement_due if live else None, record.acknowledged_on, today)
        )
        resp = presenters.deadline_text(
            Deadline(record.response_due if live else None, record.responded_on, today)
        )
        stages.append((record, ack, resp))
    council_handler = (
        permissions.handles_council_complaints(request.user)
        and request.user.organisation_id == complaint.council_id
    )
    return render(
        request,
        "quality/complaint.html",
        {
            "complaint": complaint,
            "tag": presenters.complaint_tag(complaint),
            "stages": stages,
            "changes": complaint.status_changes.select_related("by"),
            "actions": presenters.complaint_actions(
                complaint,
                stage_handler=services.handles_stage(request.user, complaint),
                council_handler=council_handler,
            ),
        },
    )


def _step(request, complaint_pk: int, *, who: str = "stage"):
    """The complaint (404 if not visible), then 403 unless the user may take this kind of step: "stage"
    (whoever handles the current stage), "council" (the council's complaint handlers) or "either"."""
    complaint = selectors.complaint_for_user(user=request.user, pk=complaint_pk)
    council_handler = (
        permissions.handles_council_complaints(request.user)
        and request.user.organisation_id == complaint.council_id
    )
    stage_handler = services.handles_stage(request.user, complaint)
    allowed = {"stage": stage_handler, "council": council_handler, "either": stage_handler or council_handler}
    permissions.require(allowed[who])
    return complaint


@login_required
def complaint_acknowledge(request, complaint_pk: int):
    complaint = _step(request, complaint_pk)
    record = selectors.stage_record(complaint)
    due = (
        f" Acknowledgement is due by {record.acknowledgement_due:%-d %B %Y}."
        if record.acknowledgement_due
        else ""
    )
    return form_page(
        request,
        form=forms.AcknowledgeForm(posted(request)),
        call=lambda d: services.complaint_acknowledge(actor=request.user, complaint=complaint, **d),
        title="Acknowledge the complaint",
        caption=f"Complaint {complaint.reference} · {complaint.get_stage_display()}",
        intro=f"The acknowledgement letter sets out the action plan.{due}",
        button="Acknowledge",
        success="Acknowledged: the letter is ready to print",
        done=reverse("quality:complaint", args=[complaint.pk]),
        back=_back(complaint),
    )


@login_required
def complaint_respond(request, complaint_pk: int):
    complaint = _step(request, complaint_pk)
    initial = {"themes": list(complaint.themes.values_list("theme", flat=True))}
    return form_page(
        request,
        form=forms.RespondForm(posted(request), initial=initial),
        call=lambda d: services.complaint_respond(actor=request.user, complaint=complaint, **d),
        title="Record the decision",
        caption=f"Complaint {complaint.reference} · {complaint.get_stage_display()}",
        button="Record the decision",
        success="Decision recorded: the decision letter is ready to print",
        done=reverse("quality:complaint", args=[complaint.pk]),
        back=_back(complaint),
    )


@login_required
def complaint_escalate(request, complaint_pk: int):
    complaint = _step(request, complaint_pk, who="council")
    return form_page(
        request,
        form=forms.EscalateForm(posted(request)),
        call=lambda d: services.complaint_escalate(actor=request.user, complaint=complaint, **d),
        title="Escalate the complaint",
        caption=f"Complaint {complaint.reference} · {complaint.get_stage_display()}",
        intro="The next stage starts on the date the complainant asked, with its own timescales.",
        button="Escalate",
        success="Escalated to the next stage",
        done=reverse("quality:complaint", args=[complaint.pk]),
        back=_back(complaint),
    )


@login_required
def complaint_refer(request, complaint_pk: int):
    complaint = _step(request, complaint_pk, who="council")
    return form_page(
        request,
        form=forms.ReferForm(posted(request)),
        call=lambda d: services.complaint_refer_to_ombudsman(actor=request.user, complaint=complaint, **d),
        title="Referred to the Ombudsman",
        caption=f"Complaint {complaint.reference}",
        button="Record the referral",
        success="Referral to the Ombudsman recorded",
        done=reverse("quality:complaint", args=[complaint.pk]),
        back=_back(complaint),
    )


@login_required
def complaint_ombudsman_decision(request, complaint_pk: int):
    complaint = _step(request, complaint_pk, who="council")
    return form_page(
        request,
        form=forms.OmbudsmanDecisionForm(posted(request)),
        call=lambda d: services.complaint_record_ombudsman_decision(
            actor=request.user, complaint=complaint, **d
        ),
        title="The Ombudsman's decision",
        caption=f"Complaint {complaint.reference}",
        button="Record and close",
        success="The Ombudsman's decision is recorded and the complaint closed",
        done=reverse("quality:complaint", args=[complaint.pk]),
        back=_back(complaint),
    )


@login_required
def complaint_close(request, complaint_pk: int):
    complaint = _step(request, complaint_pk, who="either")
    return form_page(
        request,
        form=forms.CloseForm(posted(request)),
        call=lambda d: services.complaint_close(actor=request.user, complaint=complaint, **d),
        title="Close the complaint",
        caption=f"Complaint {complaint.reference}",
        button="Close",
        success="Complaint closed",
        done=reverse("quality:complaint", args=[complaint.pk]),
        back=_back(complaint),
    )


@login_required
def complaint_withdraw(request, complaint_pk: int):
    complaint = _step(request, complaint_pk, who="either")
    return form_page(
        request,
        form=forms.WithdrawForm(posted(request)),
        call=lambda d: services.complaint_withdraw(actor=request.user, complaint=complaint, **d),
        title="Record that the complaint was withdrawn",
        caption=f"Complaint {complaint.reference}",
        button="Record",
        success="Recorded as withdrawn",
        done=reverse("quality:complaint", args=[complaint.pk]),
        back=_back(complaint),
    )


def _letter(request, complaint_pk: int, letter: str):
    complaint = selectors.complaint_for_user(user=request.user, pk=complaint_pk)
    stage = request.GET.get("stage")
    if stage and stage not in ComplaintStage.values:
        raise Http404
    done_field = "acknowledged_on" if letter == "acknowledgement" else "responded_on"
    candidates = [
        s for s in complaint.stages.all() if (not stage or s.stage == stage) and getattr(s, done_field)
    ]
    if letter not in letters.KINDS or not candidates:
        raise Http404("No such letter yet")
    return complaint, letters.build(complaint, candidates[-1], letter)


@login_required
def complaint_letter(request, complaint_pk: int, letter: str):
    complaint, built = _letter(request, complaint_pk, letter)
    return render(request, "quality/letter.html", {"complaint": complaint, "letter": built, "kind": letter})


@login_required
def complaint_letter_pdf(request, complaint_pk: int, letter: str):
    complaint, built = _letter(request, complaint_pk, letter)
    response = HttpResponse(letters.pdf(built), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{complaint.reference}-{letter}.pdf"'
    return response


@login_required
def complaints_report(request):
    permissions.require(permissions.sees_complaints(request.user) and request.user.organisation.is_council)
    today = timezone.localdate()
    default_since = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    form = forms.ReportPeriodForm(request.GET or None, initial={"since": default_since, "until": today})
    since, until = default_since, today
    if form.is_bound and form.is_valid():
        since, until = form.cleaned_data["since"], form.cleaned_data["until"]
        if since > until:
            form.add_error("until", "The end of the period must be on or after its start")
            since, until = default_since, today
    report = selectors.complaint_report(user=request.user, since=since, until=until)
    return render(request, "quality/complaints_report.html", {"form": form, "report": report})
