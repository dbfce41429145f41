"""Call-monitoring API: care workers' phones (bearer token per device) and signed-in staff.

Event submission is idempotent on the phone's client id: a retry gets the first result back, a
different event reusing an id gets 409, and concurrent copies store one row (the unique constraint
decides; see services.event_record).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from ninja import Router, Status
from ninja.security import HttpBearer, django_auth

from homecare.accounts.models import Role
from homecare.visits import presenters, selectors, services
from homecare.visits.schemas import (
    DeviceIn,
    DeviceOut,
    EventBatchIn,
    EventBatchOut,
    EventIn,
    EventOut,
    InvalidRequest,
    Problem,
    VisitOut,
)


class DeviceToken(HttpBearer):
    """`Authorization: Bearer <token>` from a registered phone; the care worker it belongs to."""

    openapi_description = "A care worker's device token, from POST /api/v1/visits/devices"

    def authenticate(self, request: HttpRequest, token: str):
        return services.device_user(token)


router = Router(tags=["call monitoring"], auth=[DeviceToken(), django_auth])


def _user(request: HttpRequest):
    return request.auth


@router.post(
    "/devices",
    auth=django_auth,
    response={201: DeviceOut, 403: Problem},
    summary="Register this phone (signed in as a care worker); returns its token once",
)
def register_device(request: HttpRequest, payload: DeviceIn):
    try:
        device, raw = services.device_register(user=request.user, name=payload.name)
    except PermissionDenied:
        return Status(403, Problem(detail="Only care workers register phones"))
    return Status(201, DeviceOut(id=device.pk, name=device.name, token=raw))


@router.get("/mine", response=list[VisitOut], summary="My visits today and tomorrow (care workers)")
def my_visits(request: HttpRequest):
    user = _user(request)
    if user.role != Role.CARE_WORKER:
        return []
    visits = selectors.worker_visits(user=user).prefetch_related("package__support_plan__outcomes")
    return [presenters.visit_for_phone(v) for v in visits.select_related("package__support_plan")]


@router.get("/{int:visit_id}", response={200: VisitOut, 404: Problem}, summary="One visit you may see")
def get_visit(request: HttpRequest, visit_id: int):
    visit = (
        selectors.visits_visible_to(user=_user(request))
        .select_related("person", "package__support_plan")
        .filter(pk=visit_id)
        .first()
    )
    if visit is None:
        return Status(404, Problem(detail="No such visit"))
    return Status(200, presenters.visit_for_phone(visit))


def _event_input(payload: EventIn) -> services.EventInput:
    return services.EventInput(
        client_id=payload.client_id,
        kind=payload.kind,
        occurred_at=payload.occurred_at,
        latitude=payload.latitude,
        longitude=payload.longitude,
        accuracy_m=payload.accuracy_m,
        tag_token=payload.tag_token,
        tasks_done=tuple(payload.tasks_done),
        text=payload.text,
    )


def _submit(user, payload: EventIn) -> EventOut:
    visit = selectors.visits_visible_to(user=user).filter(pk=payload.visit_id).first()
    if visit is None:
        return EventOut(
            client_id=payload.client_id, result="not_found", errors={"visit_id": ["No such visit"]}
        )
    event = _event_input(payload)
    try:
        row, created = services.event_record(actor=user, visit=visit, event=event)
    except services.DuplicateEventConflict as exc:
        return EventOut(client_id=payload.client_id, result="conflict", errors={"client_id": [str(exc)]})
    except ValidationError as exc:
        return EventOut(
            client_id=payload.client_id, result="rejected", errors=services.validation_errors(exc)
        )
    except PermissionDenied:
        return EventOut(
            client_id=payload.client_id, result="not_found", errors={"visit_id": ["No such visit"]}
        )
    visit = row.visit if not created else visit
    visit.refresh_from_db(fields=["status", "verification"])
    return EventOut(
        client_id=payload.client_id,
        event_id=row.pk,
        result="stored" if created else "already_stored",
        visit_status=visit.status,
        verification=visit.verification,
        clock_flag=row.clock_flag,
    )


@router.post(
    "/events",
    response={200: EventOut, 201: EventOut, 404: EventOut, 409: EventOut, 422: EventOut | InvalidRequest},
    summary="Send one event: 201 stored, 200 already stored (a retry), 409 id reused, 422 refused",
)
def submit_event(request: HttpRequest, payload: EventIn):
    out = _submit(_user(request), payload)
    status = {"stored": 201, "already_stored": 200, "conflict": 409, "rejected": 422, "not_found": 404}
    return Status(status[out.result], out)


@router.post(
    "/events/batch",
    response=EventBatchOut,
    summary="Send the phone's queue (up to 500 events, any order); one result per event",
)
def submit_events(request: HttpRequest, payload: EventBatchIn):
    user = _user(request)
    items = [(e.visit_id, _event_input(e)) for e in payload.events]
    outcomes = services.events_record_batch(actor=user, items=items)
    derived = {
        pk: (status, verification)
        for pk, status, verification in selectors.visits_visible_to(user=user)
        .filter(pk__in={o.event.visit_id for o in outcomes if o.event})
        .values_list("pk", "status", "verification")
    }
    return EventBatchOut(
        results=[
            EventOut(
                client_id=e.client_id,
                event_id=o.event.pk if o.event else None,
                result=o.result,
                visit_status=derived.get(o.event.visit_id, (None, None))[0] if o.event else None,
                verification=derived.get(o.event.visit_id, (None, None))[1] if o.event else None,
                clock_flag=o.event.clock_flag if o.event else "",
                errors={k: [str(m) for m in v] for k, v in o.errors.items()},
            )
            for e, o in zip(payload.events, outcomes, strict=True)
        ]
    )
