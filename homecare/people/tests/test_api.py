from django.urls import reverse


def test_the_api_finds_people_the_user_may_see(client, alice, mary):
    client.force_login(alice)
    response = client.get(reverse("api-1.0.0:search_people"), {"q": "Smith"})
    assert response.status_code == 200
    assert response.json() == [
        {
            "id": mary.pk,
            "case_reference": mary.case_reference,
            "nhs_number": mary.nhs_number,
            "given_name": "Mary",
            "family_name": "Smith",
            "date_of_birth": "1940-03-27",
            "postcode": "NG1 1AA",
            "zone": "Riverside",
        }
    ]
    one = client.get(reverse("api-1.0.0:get_person", args=[mary.pk])).json()
    assert one["zone"] == "Riverside" and one["id"] == mary.pk


def test_another_councils_practitioner_gets_not_found_from_the_api(client, sam, mary):
    client.force_login(sam)
    assert client.get(reverse("api-1.0.0:get_person", args=[mary.pk])).status_code == 404
    assert client.get(reverse("api-1.0.0:search_people"), {"q": "Smith"}).json() == []


def test_the_openapi_schema_describes_the_people_endpoints(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/people/" in schema["paths"]
    assert "/api/v1/people/{person_id}" in schema["paths"]
