from django.urls import path

from homecare.providers import views, views_subcontracting

app_name = "providers"
urlpatterns = [
    path("", views.provider_list, name="providers"),
    path("your-organisation", views.your_organisation, name="your-organisation"),
    path("frameworks", views.framework_list, name="frameworks"),
    path("frameworks/new", views.framework_create, name="framework-create"),
    path("frameworks/<int:framework_pk>", views.framework_detail, name="framework"),
    path("frameworks/<int:framework_pk>/lots/new", views.lot_add, name="lot-add"),
    path(
        "frameworks/<int:framework_pk>/status/<slug:step>",
        views.framework_transition,
        name="framework-transition",
    ),
    path("lots/<int:lot_pk>/admissions/new", views.admission_record, name="admission-record"),
    path("lots/<int:lot_pk>/rates/new", views.rate_card_add, name="rate-card-add"),
    path("<int:provider_pk>", views.provider_detail, name="provider"),
    path("<int:provider_pk>/profile", views.provider_profile, name="profile"),
    path("<int:provider_pk>/ratings/new", views.rating_record, name="rating-record"),
    path("<int:provider_pk>/suspend", views.suspension_start, name="suspension-start"),
    path("<int:provider_pk>/capacity", views.capacity_declare, name="capacity"),
    path("<int:provider_pk>/ethical-employment", views.ethical_declaration, name="ethical-declaration"),
    path("suspensions/<int:suspension_pk>/end", views.suspension_end, name="suspension-end"),
    # Lead providers, subcontractors and the living-wage floor (ADR 0015).
    path("lead-providers", views_subcontracting.lead_appointments, name="lead-appointments"),
    path("lead-providers/new", views_subcontracting.lead_appoint, name="lead-appoint"),
    path("subcontracting/", views_subcontracting.subcontracting_list, name="subcontracting-list"),
    path("subcontracting/new", views_subcontracting.subcontractor_register, name="subcontractor-register"),
    path(
        "subcontracting/<int:subcontracting_pk>",
        views_subcontracting.subcontracting_detail,
        name="subcontracting",
    ),
    path(
        "subcontracting/<int:subcontracting_pk>/<slug:step>",
        views_subcontracting.subcontracting_decide,
        name="subcontracting-decide",
    ),
    path("<int:provider_pk>/subcontractors", views_subcontracting.lead_monitoring, name="lead-monitoring"),
    path("<int:provider_pk>/lowest-pay", views_subcontracting.lowest_pay_attest, name="lowest-pay-attest"),
    path("living-wage", views_subcontracting.living_wage_page, name="living-wage"),
    path("living-wage/floors/new", views_subcontracting.wage_floor_set, name="wage-floor-set"),
]
