from django.urls import path

from homecare.quality import views
from homecare.quality.views import audits, complaints, provider_quality, safeguarding

app_name = "quality"
urlpatterns = [
    path("", views.home, name="home"),
    # complaints
    path("complaints/", complaints.complaint_list, name="complaints"),
    path("complaints/new", complaints.complaint_new, name="complaint-new"),
    path("complaints/report", complaints.complaints_report, name="complaints-report"),
    path("complaints/<int:complaint_pk>", complaints.complaint_detail, name="complaint"),
    path(
        "complaints/<int:complaint_pk>/acknowledge",
        complaints.complaint_acknowledge,
        name="complaint-acknowledge",
    ),
    path("complaints/<int:complaint_pk>/decision", complaints.complaint_respond, name="complaint-respond"),
    path("complaints/<int:complaint_pk>/escalate", complaints.complaint_escalate, name="complaint-escalate"),
    path("complaints/<int:complaint_pk>/ombudsman", complaints.complaint_refer, name="complaint-refer"),
    path(
        "complaints/<int:complaint_pk>/ombudsman-decision",
        complaints.complaint_ombudsman_decision,
        name="complaint-ombudsman-decision",
    ),
    path("complaints/<int:complaint_pk>/close", complaints.complaint_close, name="complaint-close"),
    path("complaints/<int:complaint_pk>/withdraw", complaints.complaint_withdraw, name="complaint-withdraw"),
    path(
        "complaints/<int:complaint_pk>/letters/<slug:letter>",
        complaints.complaint_letter,
        name="complaint-letter",
    ),
    path(
        "complaints/<int:complaint_pk>/letters/<slug:letter>.pdf",
        complaints.complaint_letter_pdf,
        name="complaint-letter-pdf",
    ),
    # safeguarding
    path("safeguarding/", safeguarding.concern_list, name="concerns"),
    path("safeguarding/new", safeguarding.concern_new, name="concern-new"),
    path("safeguarding/<int:concern_pk>", safeguarding.concern_detail, name="concern"),
    path("safeguarding/<int:concern_pk>/triage", safeguarding.concern_triage, name="concern-triage"),
    path("safeguarding/<int:concern_pk>/decision", safeguarding.concern_decide, name="concern-decide"),
    path("safeguarding/<int:concern_pk>/enquiry", safeguarding.concern_plan, name="concern-plan"),
    path("safeguarding/<int:concern_pk>/outcome", safeguarding.concern_outcome, name="concern-outcome"),
    path("safeguarding/<int:concern_pk>/close", safeguarding.concern_close, name="concern-close"),
    path("safeguarding/<int:concern_pk>/share", safeguarding.concern_share, name="concern-share"),
    path("safeguarding/escalations/", safeguarding.escalation_list, name="escalations"),
    path("safeguarding/escalations/<int:escalation_pk>", safeguarding.escalation_detail, name="escalation"),
    path("safeguarding/patterns/", safeguarding.pattern_list, name="pattern-alerts"),
    path(
        "safeguarding/patterns/<int:pattern_pk>/acknowledge",
        safeguarding.pattern_acknowledge,
        name="pattern-acknowledge",
    ),
    path("safeguarding/audits/", audits.audit_list, name="audits"),
    path("safeguarding/audits/<int:audit_pk>", audits.audit_detail, name="audit"),
    path("safeguarding/audits/<int:audit_pk>/actions", audits.audit_action, name="audit-action"),
    path("safeguarding/data-quality", safeguarding.data_quality, name="data-quality"),
    path("safeguarding/managers", safeguarding.managers, name="safeguarding-managers"),
    # provider quality
    path("providers/", provider_quality.provider_list, name="providers"),
    path("providers/<int:provider_pk>", provider_quality.provider_detail, name="provider"),
    path("providers/<int:provider_pk>/qa-visits/new", provider_quality.qa_visit_new, name="qa-visit-new"),
    path("providers/<int:provider_pk>/reviews/new", provider_quality.review_open, name="review-open"),
    path("qa-visits/<int:qa_visit_pk>", provider_quality.qa_visit_detail, name="qa-visit"),
    path("qa-visits/<int:qa_visit_pk>/findings", provider_quality.qa_finding_add, name="qa-finding-add"),
    path("qa-visits/<int:qa_visit_pk>/actions", provider_quality.qa_action_add, name="qa-action-add"),
    path("qa-visits/<int:qa_visit_pk>/actions/done", provider_quality.qa_action_done, name="qa-action-done"),
    path("qa-visits/<int:qa_visit_pk>/publish", provider_quality.qa_visit_publish, name="qa-visit-publish"),
    path("reviews/<int:review_pk>", provider_quality.review_detail, name="review"),
    path("reviews/<int:review_pk>/suspend", provider_quality.review_suspend, name="review-suspend"),
    path("reviews/<int:review_pk>/close", provider_quality.review_close, name="review-close"),
    path("cqc-imports/", provider_quality.cqc_import, name="cqc-import"),
    path("cqc-imports/<int:import_pk>", provider_quality.cqc_import_result, name="cqc-import-result"),
]
