from django.urls import path

from homecare.rostering import views

app_name = "rostering"
urlpatterns = [
    path("", views.plans, name="plans"),
    path("new", views.plan_new, name="plan-new"),
    path("<int:rota_pk>", views.plan_detail, name="plan"),
    path("<int:rota_pk>/plan-again", views.plan_again, name="plan-again"),
    path("<int:rota_pk>/publish", views.plan_publish, name="publish"),
    path("<int:rota_pk>/sickness", views.plan_sickness, name="sickness"),
    path("<int:rota_pk>/visits/<int:visit_pk>/move", views.plan_move, name="move"),
    path("care-workers/", views.care_workers, name="care-workers"),
    path("care-workers/<int:worker_pk>", views.care_worker, name="care-worker"),
    path("people/<int:rota_person_pk>", views.person_preferences, name="person"),
]
