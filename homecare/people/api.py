"""People API for integrations: scoped exactly as the pages are."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from homecare.people import selectors
from homecare.people.schemas import PersonSummary

router = Router(tags=["people"])


@router.get("/", response=list[PersonSummary], summary="Search people you may see")
def search_people(request: HttpRequest, q: str, limit: int = 25):
    return selectors.people_search(user=request.user, query=q)[: max(1, min(limit, 100))]


@router.get("/{person_id}", response=PersonSummary, summary="One person (404 when not yours to see)")
def get_person(request: HttpRequest, person_id: int):
    return selectors.person_for_user(user=request.user, pk=person_id)
