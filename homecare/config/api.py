"""The JSON API (django-ninja). Apps mount their routers here; the schema is at /api/v1/openapi.json."""

from ninja import NinjaAPI
from ninja.security import django_auth

api = NinjaAPI(
    title="OpenHomecare API",
    version="1.0.0",
    description="Call monitoring and integrations for commissioned homecare. All data is synthetic.",
    auth=django_auth,
)


def mount_routers() -> None:
    from homecare.people.api import router as people_router
    from homecare.visits.api import router as visits_router

    api.add_router("/people/", people_router)
    api.add_router("/visits/", visits_router)


mount_routers()
