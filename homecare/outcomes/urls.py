from django.urls import path

from homecare.outcomes.views import budgets, fairness, feedback

app_name = "outcomes"
urlpatterns = [
    path("", budgets.budgets, name="budgets"),
    path("carry-over", budgets.carry_over, name="carry-over"),
    path("packages/<int:package_pk>", budgets.package_budget, name="package-budget"),
    path("packages/<int:package_pk>/excess", budgets.excess_approve, name="excess-approve"),
    path("packages/<int:package_pk>/alerts", budgets.alert_acknowledge, name="alert-acknowledge"),
    path("packages/<int:package_pk>/visits/new", budgets.visit_plan, name="visit-plan"),
    path("packages/<int:package_pk>/reviews/new", feedback.review_new, name="review-new"),
    path("people/<int:person_pk>", budgets.person_budgets, name="person-budgets"),
    path("people/<int:person_pk>/equality", fairness.equality_monitoring, name="equality-monitoring"),
    path("reviews/<int:outcome_review_pk>", feedback.review_detail, name="review"),
    path("feedback/", feedback.feedback, name="feedback"),
    path("feedback/<int:survey_pk>", feedback.survey, name="survey"),
    path("feedback/<int:survey_pk>/link", feedback.survey_link, name="survey-link"),
    path("feedback/<int:survey_pk>/print", feedback.survey_print, name="survey-print"),
    path("feedback/answer/<str:token>", feedback.feedback_answer, name="feedback-answer"),
    path("equality", fairness.equality, name="equality"),
    path("support-plans/<int:plan_pk>/equipment", fairness.equipment_add, name="equipment-add"),
]
