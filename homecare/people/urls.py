from django.urls import path

from homecare.people import views

app_name = "people"
urlpatterns = [
    path("", views.search, name="search"),
    path("new", views.person_create, name="create"),
    path("<int:person_pk>", views.person_detail, name="person"),
    path("<int:person_pk>/edit", views.person_edit, name="person-edit"),
    path("<int:person_pk>/history", views.person_history, name="person-history"),
    path("<int:person_pk>/support-plans/new", views.support_plan_create, name="support-plan-create"),
    path("<int:person_pk>/packages/new", views.package_create, name="package-create"),
    path("support-plans/<int:plan_pk>", views.support_plan_detail, name="support-plan"),
    path("support-plans/<int:plan_pk>/edit", views.support_plan_edit, name="support-plan-edit"),
    path("support-plans/<int:plan_pk>/complete", views.support_plan_complete, name="support-plan-complete"),
    path("packages/<int:package_pk>", views.package_detail, name="package"),
    path("packages/<int:package_pk>/edit", views.package_edit, name="package-edit"),
    path("packages/<int:package_pk>/change", views.package_change, name="package-change"),
    path("packages/<int:package_pk>/<slug:transition>", views.package_transition, name="package-transition"),
    path("versions/<int:version_pk>/visits/new", views.visit_add, name="visit-add"),
    path("versions/<int:version_pk>/terms", views.version_terms, name="version-terms"),
    path("versions/<int:version_pk>/confirm", views.version_confirm, name="version-confirm"),
    path("versions/<int:version_pk>/discard", views.version_discard, name="version-discard"),
    path("visits/<int:row_pk>/edit", views.visit_edit, name="visit-edit"),
    path("visits/<int:row_pk>/remove", views.visit_remove, name="visit-remove"),
]
