from django.urls import reverse


def test_healthz_reports_the_database_and_queue(client, db):
    response = client.get(reverse("platform:healthz"))
    assert response.status_code == 200
    payload = response.json()
    assert payload["status"] == "ok"
    assert payload["database"]["status"] == "ok"
    assert payload["queue"] == {"status": "ok", "mode": "in-process"}
    assert response["Cache-Control"].startswith("no-store") or "no-cache" in response["Cache-Control"]


def test_unknown_pages_get_the_service_not_found_page(client, db):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_an_api_path_that_does_not_resolve_gets_json_not_the_page(client, db):
    response = client.get("/api/v1/visits/-1")  # a negative id matches no route
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json" and response.json() == {"detail": "Not Found"}


def test_pages_with_personal_data_are_not_cached(client, alice, mary):
    client.force_login(alice)
    response = client.get(reverse("people:person", args=[mary.pk]))
    assert "no-store" in response["Cache-Control"]
