"""Writes for information governance: subject access exports, disposal proposals, decisions and disposal.

Guarantees:
- a subject access export is always audited (who, whose records, which format, how many of each kind);
- proposing only lists people past retention: nothing is destroyed until a named council administrator
  approves, and the approval (or rejection) is an immutable status row and an audit entry;
- disposal re-checks each person at the time it runs (care restarted, or a new record, keeps them), and
  destroys one person's records in one transaction: all of them or none.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.db.models import Exists, Max, OuterRef, Q, Subquery
from django.utils import timezone

from homecare.accounts.models import Organisation, OrganisationType, User
from homecare.people.models import Package, PackageStatus, Person, SupportPlan
from homecare.platform import jobs
from homecare.platform.audit_log import audit_record
from homecare.records import retention, subject_access
from homecare.records.discovery import Source, person_sources
from homecare.records.models import (
    DisposalItem,
    DisposalProposal,
    DisposalStatusChange,
    ItemOutcome,
    ProposalStatus,
)

FORMATS = {
    "json": ("application/json", "json"),
    "pdf": ("application/pdf", "pdf"),
}


# --- subject access -------------------------------------------------------------------------------------


def subject_access_export(
    *, actor: User | None, person: Person, export_format: str
) -> tuple[bytes, str, str]:
    """Everything held about the person as (content, content type, file name). Audited."""
    if export_format not in FORMATS:
        raise ValidationError({"format": "Choose JSON or PDF"})
    by = (actor.get_full_name() or actor.username) if actor is not None else ""
    export = subject_access.build(
        person=person, generated_by=by, role=actor.role if actor is not None else None
    )
    content = subject_access.as_pdf(export) if export_format == "pdf" else subject_access.as_json(export)
    audit_record(
        actor=actor,
        action="records.subject_access_exported",
        record=person,
        summary=f"Subject access export ({export_format.upper()}) of person {person.pk}",
        payload={
            "format": export_format,
            "counts": {s.source.label: s.count for s in export.included},
            "withheld": [s.label for s in export.withheld],
        },
    )
    content_type, extension = FORMATS[export_format]
    stamp = timezone.localtime(export.generated_at).strftime("%Y-%m-%d")
    return content, content_type, f"subject-access-{person.case_reference}-{stamp}.{extension}"


# --- who is past retention ------------------------------------------------------------------------------


def retention_periods() -> dict[str, int]:
    """The configured periods, checked (a bad setting fails loudly, not silently keeps or destroys)."""
    periods = dict(settings.RECORDS_RETENTION_YEARS)
    for record_class in periods:
        retention.years_for(record_class, periods)  # fail loudly on a bad setting
    return periods


def _holdings(person_id: int, sources: Iterable[Source]) -> dict[str, int]:
    held = {}
    for source in sources:
        count = source.rows(person_id).count()
        if count:
            held[source.label] = count
    return held


def _with_care_dates(people):
    open_packages = Package.objects.filter(person=OuterRef("pk")).exclude(status=PackageStatus.ENDED)
    last_end = (
        Package.objects.filter(person=OuterRef("pk"))
        .values("person")
        .annotate(last=Max("end_date"))
        .values("last")
    )
    last_plan = (
        SupportPlan.objects.filter(person=OuterRef("pk"))
        .values("person")
        .annotate(last=Max("created_at"))
        .values("last")
    )
    return people.annotate(
        has_open_package=Exists(open_packages),
        last_package_end=Subquery(last_end),
        last_plan_at=Subquery(last_plan),
    )


def _care_ended_on(person) -> dt.date | None:
    involvement = [timezone.localdate(person.created_at)]
    if person.last_plan_at is not None:
        involvement.append(timezone.localdate(person.last_plan_at))
    return retention.care_ended_on(
        open_packages=person.has_open_package,
        last_package_end=person.last_package_end,
        last_involvement=max(involvement),
    )


def _past_retention(person, *, today: dt.date, periods, sources) -> tuple[dt.date, dt.date, dict] | None:
    """(care ended, retain until, holdings) when the person's records may go, else None."""
    ended = _care_ended_on(person)
    if ended is None or retention.add_years(ended, retention.shortest_period(periods)) > today:
        return None
    held = _holdings(person.pk, sources)
    until = retention.retain_until(ended, {label.split(".")[0] for label in held}, periods)
    return (ended, until, held) if until <= today else None


def _already_proposed(council: Organisation):
    return DisposalItem.objects.filter(
        proposal__council=council,
        outcome=ItemOutcome.PENDING,
        proposal__status__in=[ProposalStatus.PROPOSED, ProposalStatus.APPROVED],
    ).values("person_ref")


@transaction.atomic
def disposals_propose(
    *, council: Organisation, actor: User | None = None, today: dt.date | None = None
) -> DisposalProposal | None:
    """List the council's people whose records are past retention in a new proposal (None if nobody is).

    Only proposes: nothing is changed or destroyed. People already in an open proposal are left there.
    """
    if council.type != OrganisationType.COUNCIL:
        raise ValidationError("Only a council proposes disposals of its records")
    today = today or timezone.localdate()
    periods = retention_periods()
    sources = person_sources()
    # Anyone whose care ended within the shortest period can't be past any: the database rules them out.
    earliest = retention.add_years(today, -retention.shortest_period(periods))
    people = (
        _with_care_dates(Person.objects.filter(council=council))
        .filter(
            Q(last_package_end__isnull=True) | Q(last_package_end__lte=earliest),
            has_open_package=False,
            created_at__date__lte=earliest,
        )
        .exclude(pk__in=_already_proposed(council))
    )
    found = []
    for person in people.order_by("pk").iterator(chunk_size=500):
        past = _past_retention(person, today=today, periods=periods, sources=sources)
        if past is not None:
            found.append((person, *past))
    if not found:
        return None
    now = timezone.now()
    proposal = DisposalProposal.objects.create(
        council=council, proposed_at=now, proposed_by=actor, retention_years=periods
    )
    DisposalItem.objects.bulk_create(
        DisposalItem(
            proposal=proposal,
            person_ref=person.pk,
            case_reference=person.case_reference,
            care_ended_on=ended,
            retain_until=until,
            holdings=held,
        )
        for person, ended, until, held in found
    )
    DisposalStatusChange.objects.create(
        proposal=proposal,
        to_status=ProposalStatus.PROPOSED,
        at=now,
        by=actor,
        reason=f"{len(found)} {'person' if len(found) == 1 else 'people'} past retention on {today:%d/%m/%Y}",
    )
    audit_record(
        actor=actor,
        action="records.disposal_proposed",
        record=proposal,
        summary=f"Disposal proposal {proposal.pk}: {len(found)} past retention",
        payload={"people": [p.pk for p, *_ in found], "retention_years": periods},
    )
    return proposal


def disposals_propose_all(*, today: dt.date | None = None) -> list[DisposalProposal]:
    """The scheduled job: a proposal for each council with anyone past retention."""
    made = []
    for council in Organisation.objects.filter(type=OrganisationType.COUNCIL).order_by("pk"):
        proposal = disposals_propose(council=council, today=today)
        if proposal is not None:
            made.append(proposal)
    return made


# --- the decision ---------------------------------------------------------------------------------------


def _decide(*, proposal: DisposalProposal, actor: User, to_status: str, note: str) -> DisposalProposal:
    proposal = DisposalProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status != ProposalStatus.PROPOSED:
        raise ValidationError(f"This proposal has already been decided ({proposal.get_status_display()})")
    if actor.organisation_id != proposal.council_id:
        raise ValidationError("Only the council's own administrators decide its disposals")
    now = timezone.now()
    proposal.status, proposal.decided_by, proposal.decided_at = to_status, actor, now
    proposal.decision_note = note
    proposal.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    DisposalStatusChange.objects.create(
        proposal=proposal,
        from_status=ProposalStatus.PROPOSED,
        to_status=to_status,
        at=now,
        by=actor,
        reason=note,
    )
    verb = "approved" if to_status == ProposalStatus.APPROVED else "rejected"
    audit_record(
        actor=actor,
        action=f"records.disposal_{verb}",
        record=proposal,
        summary=f"Disposal proposal {proposal.pk} {verb} by {actor.get_full_name() or actor.username}",
        reason=note,
        payload={"people": list(proposal.items.values_list("person_ref", flat=True))},
    )
    return proposal


@transaction.atomic
def disposal_approve(*, proposal: DisposalProposal, actor: User, note: str = "") -> DisposalProposal:
    """A named administrator approves; disposal then runs as a job once this is committed."""
    proposal = _decide(proposal=proposal, actor=actor, to_status=ProposalStatus.APPROVED, note=note.strip())
    transaction.on_commit(lambda: jobs.enqueue("homecare.records.tasks.carry_out_disposal", proposal.pk))
    return proposal


@transaction.atomic
def disposal_reject(*, proposal: DisposalProposal, actor: User, note: str) -> DisposalProposal:
    if not note.strip():
        raise ValidationError({"note": "Enter why these records are being kept"})
    return _decide(proposal=proposal, actor=actor, to_status=ProposalStatus.REJECTED, note=note.strip())


# --- disposal -------------------------------------------------------------------------------------------


class _Keep(Exception):
    """This person's records stay (the reason is the message)."""


def _rows_to_destroy(person_id: int, sources: tuple[Source, ...]) -> dict[Source, list]:
    """Primary keys of every row about the person, collected before anything is deleted (once live rows
    go, the paths through them no longer find the history rows that point the same way)."""
    return {s: list(s.rows(person_id).values_list("pk", flat=True)) for s in sources}


def _add_link_rows(doomed: dict[Source, list], sources: tuple[Source, ...]) -> None:
    """Link tables are found through one side only: take every link row touching a row that goes."""
    ids = {s.model: s_pks for s, s_pks in doomed.items()}
    for source in (s for s in sources if s.is_internal):
        extra = set(doomed[source])
        for f in source.model._meta.concrete_fields:
            if f.is_relation and ids.get(f.related_model):
                linked = source.model._base_manager.filter(**{f"{f.attname}__in": ids[f.related_model]})
                extra |= set(linked.values_list("pk", flat=True))
        doomed[source] = sorted(extra)


def _check_nothing_else_points_at(doomed: dict[Source, list]) -> None:
    """Refuse to leave a row that is not about this person pointing at one that goes (it would have to
    go too, and it may be someone else's record)."""
    ids = {s.model: s_pks for s, s_pks in doomed.items()}
    for source, own in doomed.items():
        for f in source.model._meta.concrete_fields:
            if not (f.is_relation and ids.get(f.related_model)):
                continue
            stray = (
                source.model._base_manager.filter(**{f"{f.attname}__in": ids[f.related_model]})
                .exclude(pk__in=own)
                .values_list("pk", flat=True)
                .first()
            )
            if stray is not None:
                raise _Keep(f"{source.label} {stray} refers to these records but is not about this person")


def _delete_rows(model, pks: list) -> None:
    """Plain DELETEs: disposal is the one lawful removal of append-only evidence, so it does not go
    through the models' refusals or Django's cascade (both databases check foreign keys at commit)."""
    table = connection.ops.quote_name(model._meta.db_table)
    column = connection.ops.quote_name(model._meta.pk.column)
    with connection.cursor() as cursor:
        for start in range(0, len(pks), 500):
            chunk = pks[start : start + 500]
            placeholders = ", ".join(["%s"] * len(chunk))
            # Table and column names come from model meta, quoted; the values are parameters.
            cursor.execute(f"DELETE FROM {table} WHERE {column} IN ({placeholders})", chunk)  # noqa: S608 # nosec B608


def _dispose_of(item: DisposalItem, *, today: dt.date, periods, sources) -> dict[str, int]:
    person = _with_care_dates(Person.objects.filter(pk=item.person_ref)).first()
    if person is None:
        raise _Keep("The person's records were already removed")
    if _past_retention(person, today=today, periods=periods, sources=sources) is None:
        raise _Keep("No longer past retention (care restarted or a newer record was added)")
    doomed = _rows_to_destroy(person.pk, sources)
    _add_link_rows(doomed, sources)
    _check_nothing_else_points_at(doomed)
    for source, pks in sorted(doomed.items(), key=lambda kv: -kv[0].depth):
        if pks:
            _delete_rows(source.model, pks)
    # Both databases check foreign keys at commit; check the tables that point at what went now, so a
    # failure rolls back this person only (and shows inside an outer transaction too).
    gone = {s.model for s, pks in doomed.items() if pks}
    children = {
        s.model._meta.db_table
        for s in doomed
        if any(f.is_relation and f.related_model in gone for f in s.model._meta.concrete_fields)
    }
    connection.check_constraints(table_names=sorted(children))
    return {s.label: len(pks) for s, pks in doomed.items() if pks}


def disposal_carry_out(*, proposal: DisposalProposal, today: dt.date | None = None) -> DisposalProposal:
    """Destroy the records of each person in an approved proposal, one person per transaction.

    A person whose records may no longer go is kept, with the reason. Each destruction is audited by
    reference (person id and counts). Running it again does nothing more.
    """
    proposal = DisposalProposal.objects.select_related("decided_by").get(pk=proposal.pk)
    if proposal.status != ProposalStatus.APPROVED:
        raise ValidationError("Only an approved proposal is carried out")
    today = today or timezone.localdate()
    periods, sources = retention_periods(), person_sources()
    for item in proposal.items.filter(outcome=ItemOutcome.PENDING).order_by("pk"):
        try:
            with transaction.atomic():
                destroyed = _dispose_of(item, today=today, periods=periods, sources=sources)
                item.outcome, item.destroyed = ItemOutcome.DISPOSED, destroyed
                item.settled_at = timezone.now()
                item.save(update_fields=["outcome", "destroyed", "settled_at"])
                audit_record(
                    actor=proposal.decided_by,
                    action="records.disposed",
                    record=None,
                    summary=f"Records of person {item.person_ref} destroyed (past retention since "
                    f"{item.retain_until:%d/%m/%Y}) under proposal {proposal.pk}",
                    payload={
                        "person_id": item.person_ref,
                        "proposal_id": proposal.pk,
                        "destroyed": destroyed,
                    },
                )
        except (_Keep, DatabaseError) as exc:
            item.outcome, item.outcome_note = ItemOutcome.KEPT, str(exc)[:500]
            item.settled_at = timezone.now()
            item.save(update_fields=["outcome", "outcome_note", "settled_at"])
    with transaction.atomic():
        proposal = DisposalProposal.objects.select_for_update().get(pk=proposal.pk)
        if proposal.status == ProposalStatus.APPROVED:
            now = timezone.now()
            disposed = proposal.items.filter(outcome=ItemOutcome.DISPOSED).count()
            proposal.status, proposal.disposed_at = ProposalStatus.DISPOSED, now
            proposal.save(update_fields=["status", "disposed_at"])
            DisposalStatusChange.objects.create(
                proposal=proposal,
                from_status=ProposalStatus.APPROVED,
                to_status=ProposalStatus.DISPOSED,
                at=now,
                by=proposal.decided_by,
                reason=f"{disposed} destroyed, {proposal.items.count() - disposed} kept",
            )
    return proposal
