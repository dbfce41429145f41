from django.urls import path

from homecare.records import views

app_name = "records"
urlpatterns = [
    path("", views.index, name="index"),
    path("people/<int:person_pk>/subject-access", views.subject_access_page, name="subject-access"),
    path("disposals/", views.disposals, name="disposals"),
    path("disposals/propose", views.disposals_propose, name="disposals-propose"),
    path("disposals/<int:proposal_pk>", views.disposal_detail, name="disposal"),
]
