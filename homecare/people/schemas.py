from __future__ import annotations

import datetime as dt

from ninja import Schema


class PersonSummary(Schema):
    id: int
    case_reference: str
    nhs_number: str | None
    given_name: str
    family_name: str
    date_of_birth: dt.date
    postcode: str
    zone: str

    @staticmethod
    def resolve_zone(person) -> str:
        return person.zone.name
