from django.urls import path

from homecare.platform import views

app_name = "platform"
urlpatterns = [path("healthz", views.healthz, name="healthz")]
