from homecare.visits.views import boards, imports, mobile, subcontracting, variations

app_name = "visits"

urlpatterns = (
    boards.urlpatterns
    + imports.urlpatterns
    + mobile.urlpatterns
    + variations.urlpatterns
    + subcontracting.urlpatterns
)
