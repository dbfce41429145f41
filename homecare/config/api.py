"""The JSON API (django-ninja). Apps mount their routers here; the schema is at /api/v1/openapi.json."""

from ninja import NinjaAPI
from ninja.security import django_auth

# Every operation can also be refused before it runs, by Django or ninja rather than by our code: the
# schema says so, with the body those refusals carry ({"detail": …}), so a client (and schemathesis) knows
# every answer it can get.
REFUSAL = {
    "type": "object",
    "properties": {"detail": {"title": "What was wrong"}},
    "required": ["detail"],
}
REFUSALS = {
    "400": "The body is not valid JSON",
    "401": "Not signed in, or the device token is unknown or revoked",
    "403": "Not allowed (for a signed-in browser session: the CSRF token is missing or wrong)",
    "404": "No such record, or not yours to see",
    "422": "The request does not match the schema",
}


class HomecareAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema.setdefault("components", {}).setdefault("schemas", {})["Refusal"] = REFUSAL
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                responses = operation.setdefault("responses", {})
                documented = {str(code) for code in responses}  # ninja's own keys are ints
                for status, description in REFUSALS.items():
                    if status in documented or (status == "401" and "security" not in operation):
                        continue  # its own answer stands; an operation open to all needs no credentials
                    responses[int(status)] = {
                        "description": description,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Refusal"}}},
                    }
        return schema


api = HomecareAPI(
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
