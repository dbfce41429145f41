"""People API for integrations: scoped exactly as the pages are."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema

from homecare.people import selectors

router = Router(tags=["people"])


class PersonSummary(Schema):
    id: int
    case_reference: str
    nhs_number: str | None
    given_name: str
    family_name: str
    date_of_birth: dt.date
    postcode: str
    zone: str


@router.get("/", response=list[PersonSummary], summary="Search people you may see")
def search_people(request: HttpRequest, q: str, limit: int = 25):
    limit = max(1, min(limit, 100))
    people = selectors.people_search(user=request.user, query=q)[:limit]
    return [
        PersonSummary(
            id=p.pk,
            case_reference=p.case_reference,
            nhs_number=p.nhs_number,
            given_name=p.given_name,
            family_name=p.family_name,
            date_of_birth=p.date_of_birth,
            postcode=p.postcode,
            zone=p.zone.name,
        )
        for p in people
    ]


@router.get("/{person_id}", response=PersonSummary, summary="One person (404 when not yours to see)")
def get_person(request: HttpRequest, person_id: int):
    p = selectors.person_for_user(user=request.user, pk=person_id)
    return PersonSummary(
        id=p.pk,
        case_reference=p.case_reference,
        nhs_number=p.nhs_number,
        given_name=p.given_name,
        family_name=p.family_name,
        date_of_birth=p.date_of_birth,
        postcode=p.postcode,
        zone=p.zone.name,
    )
