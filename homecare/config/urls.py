from django.urls import include, path

from homecare.config.api import api

urlpatterns = [
    path("", include("homecare.accounts.urls")),
    path("", include("homecare.platform.urls")),
    path("people/", include("homecare.people.urls")),
    path("providers/", include("homecare.providers.urls")),
    path("brokerage/", include("homecare.brokerage.urls")),
    path("visits/", include("homecare.visits.urls")),
    path("finance/", include("homecare.finance.urls")),
    path("quality/", include("homecare.quality.urls")),
    path("records/", include("homecare.records.urls")),
    path("market/", include("homecare.market.urls")),
    path("performance/", include("homecare.reporting.urls")),
    path("outcomes/", include("homecare.outcomes.urls")),
    path("rotas/", include("homecare.rostering.urls")),
    path("api/v1/", api.urls),
]

handler400 = "homecare.platform.views.bad_request"
handler403 = "homecare.platform.views.permission_denied"
handler404 = "homecare.platform.views.page_not_found"
handler500 = "homecare.platform.views.server_error"
