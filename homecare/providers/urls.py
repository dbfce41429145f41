from django.urls import path

from homecare.providers import views

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
]
