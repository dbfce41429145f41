from homecare.visits.views import boards, imports, mobile

app_name = "visits"

urlpatterns = boards.urlpatterns + imports.urlpatterns + mobile.urlpatterns
