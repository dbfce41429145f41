from django.urls import path

from homecare.brokerage import views

app_name = "brokerage"
urlpatterns = [
    path("", views.waiting_list, name="waiting-list"),
    path("packages/<int:package_pk>", views.case_detail, name="case"),
    path("packages/<int:package_pk>/send", views.send_to_brokerage, name="send"),
    path("packages/<int:package_pk>/rounds/new", views.round_start, name="round-start"),
    path("packages/<int:package_pk>/escalate", views.escalate, name="escalate"),
    path("rounds/<int:round_pk>/award", views.award, name="award"),
    path("offers/", views.offers, name="offers"),
    path("offers/<int:offer_pk>", views.offer_detail, name="offer"),
    path("offers/<int:offer_pk>/<slug:response>", views.offer_respond, name="offer-respond"),
]
