from django.urls import path

from homecare.market import views

app_name = "market"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("providers/<int:provider_pk>", views.provider_detail, name="provider"),
    path("sitreps/", views.sitreps, name="sitreps"),
    path("sitreps/new", views.sitrep_new, name="sitrep-new"),
    path("sitreps/<int:sitrep_pk>", views.sitrep_detail, name="sitrep"),
    path("sitreps/<int:sitrep_pk>/amend", views.sitrep_amend, name="sitrep-amend"),
    path("overdue", views.overdue, name="overdue"),
    path("settings/schedule", views.schedule_settings, name="schedule"),
    path("settings/rules", views.rules, name="rules"),
    path("settings/benchmark", views.benchmark, name="benchmark"),
    path("returns", views.monthly_return, name="returns"),
]
