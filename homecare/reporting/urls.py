from django.urls import path

from homecare.reporting import views

app_name = "reporting"
urlpatterns = [
    path("", views.kpis, name="kpis"),
    path("refresh", views.refresh, name="refresh"),
    path("kpis/<slug:kpi_id>", views.kpi_detail, name="kpi"),
    path("kpis/<slug:kpi_id>/comment", views.kpi_comment, name="kpi-comment"),
    path("kpis/<slug:kpi_id>/records", views.kpi_records, name="kpi-records"),
    path("returns/cld", views.cld_return, name="cld"),
]
