"""The demo's quality and safeguarding: a handful of complaints at each stage, safeguarding concerns from
raised to closed (one from a care worker's phone, one "unsafe" escalation, a pattern), a case-audit
sample, QA visits and reviews of the providers CQC rates poorly, so `make run` shows every screen.

Made through the quality services (so the rules, status rows and history apply), with dates relative to
the borough's day and people picked by a seeded random stream: the same seed gives the same records. The
in-app notifications stay; the e-mails those services would send are dropped (a demo has nobody to tell).
Small by design: a few dozen rows, whatever the size of the borough.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import transaction

from homecare.accounts.models import Role, User
from homecare.people.models import Package, PackageStatus, Person
from homecare.providers.models import CqcRating
from homecare.quality import services
from homecare.quality.models import SafeguardingConcern
from homecare.quality.services.audits import audits_sample_month
from homecare.visits import services as visit_services
from homecare.visits.models import VisitAssignment, VisitStatus

from .vocabulary import (
    ADMIN_USERNAME,
    BROKER_USERNAME,
    COMMISSIONER_USERNAME,
    PRACTITIONER_USERNAME,
    PROVIDER2_USERNAME,
    PROVIDER_USERNAME,
    SAFEGUARDING_USERNAME,
)

TEAM_MANAGER_USERNAME = "safeguarding-tm"


@contextmanager
def _without_emails():
    """Drop the e-mails queued (on commit) while the demo history is written; keep everything else."""
    connection = transaction.get_connection()
    before = len(connection.run_on_commit)
    yield
    del connection.run_on_commit[before:]


def build_quality(writer) -> None:
    if writer.people == 0:
        return
    with _without_emails():
        _Builder(writer).build()


class _Builder:
    def __init__(self, writer):
        self.writer = writer
        self.rng = random.Random(f"quality-{writer.seed}")
        self.today = writer.today
        self.council = writer.council
        self.providers = writer.providers
        users = {
            u.username: u
            for u in User.objects.filter(
                organisation__isnull=False,
                username__in=[
                    ADMIN_USERNAME,
                    BROKER_USERNAME,
                    COMMISSIONER_USERNAME,
                    PRACTITIONER_USERNAME,
                    PROVIDER2_USERNAME,
                    PROVIDER_USERNAME,
                    SAFEGUARDING_USERNAME,
                ],
            )
        }
        self.admin, self.broker = users[ADMIN_USERNAME], users[BROKER_USERNAME]
        self.commissioner, self.practitioner = users[COMMISSIONER_USERNAME], users[PRACTITIONER_USERNAME]
        self.provider1, self.provider2 = users[PROVIDER_USERNAME], users[PROVIDER2_USERNAME]
        self.principal = users[SAFEGUARDING_USERNAME]  # Sam Gallagher, principal manager
        self.team_manager = User.objects.create_user(
            TEAM_MANAGER_USERNAME,
            password=None,
            first_name="Tess",
            last_name="Okonjo",
            organisation=self.council,
            role=Role.SAFEGUARDING_LEAD,
            job_title="Team manager (safeguarding)",
        )
        writer.summary.users += 1

    def days_ago(self, n: int) -> dt.date:
        return self.today - dt.timedelta(days=n)

    def people_of(self, provider, count: int):
        """`count` people with an active package with the provider, picked reproducibly."""
        ids = list(
            Package.objects.filter(
                person__council=self.council, provider=provider, status=PackageStatus.ACTIVE
            )
            .order_by("person_id")
            .values_list("person_id", flat=True)
            .distinct()
        )
        chosen = self.rng.sample(ids, min(count, len(ids)))
        return list(Person.objects.filter(pk__in=chosen).order_by("pk"))

    def build(self) -> None:
        services.manager_designate(actor=self.admin, user=self.principal, level="principal_manager")
        services.manager_designate(actor=self.admin, user=self.team_manager, level="team_manager")
        first, second = self.providers[0], self.providers[1]
        people = self.people_of(first, 6) + self.people_of(second, 3)
        if len(people) < 9:
            return  # too small a borough for the stories below
        self.complaints(people, first, second)
        self.concerns(people, first)
        self.provider_quality()

    # --- complaints ---------------------------------------------------------------------------------

    def complaints(self, people, first, second) -> None:
        c, pm1, pm2 = self.commissioner, self.provider1, self.provider2

        def record(person, provider, received, summary, themes, subject="provider", actor=None):
            return services.complaint_record(
                actor=actor or self.practitioner,
                person=person,
                provider=provider,
                subject=subject,
                received_on=received,
                complainant_name=f"{self.writer.fake.first_name()} {person.family_name}",
                complainant_type=self.rng.choice(["family", "person", "advocate"]),
                complainant_address=f"{person.address_line_1}\n{person.town}\n{person.postcode}",
                summary=summary,
                themes=themes,
            )

        def ack(complaint, actor, on):
            return services.complaint_acknowledge(
                actor=actor,
                complaint=complaint,
                acknowledged_on=on,
                action_plan="The manager will review call monitoring for the last six weeks, speak to the "
                "care workers and the family, and reply in writing.",
            )

        def decide(complaint, actor, on, outcome):
            return services.complaint_respond(
                actor=actor,
                complaint=complaint,
                responded_on=on,
                outcome=outcome,
                findings="Call monitoring showed morning visits 40 to 70 minutes late on 9 of 14 days.",
                response="We apologise. The morning round has been reorganised so the same two care workers "
                "arrive by 08:00, and we will check call monitoring weekly for a month.",
            )

        # Waiting for the provider: one due soon, one overdue.
        record(
            people[0],
            first,
            self.days_ago(1),
            "Carers arrive late and rush the morning call.",
            ["late_missed"],
        )
        record(
            people[6],
            second,
            self.days_ago(12),
            "Different carer every day; nobody knows Dad's routine.",
            ["continuity", "communication"],
        )
        # Upheld by the provider and closed.
        closed = record(
            people[1], first, self.days_ago(40), "Medication missed twice last week.", ["medication"]
        )
        closed = decide(ack(closed, pm1, self.days_ago(39)), pm1, self.days_ago(20), "upheld")
        services.complaint_close(actor=pm1, complaint=closed, note="Family satisfied with the response")
        # Not upheld by the provider; the family went to the council, whose first stage is under way.
        escalated = record(
            people[7], second, self.days_ago(30), "A carer was rude to my mother.", ["staff_conduct"]
        )
        escalated = decide(ack(escalated, pm2, self.days_ago(29)), pm2, self.days_ago(12), "not_upheld")
        escalated = services.complaint_escalate(
            actor=c,
            complaint=escalated,
            escalated_on=self.days_ago(8),
            reason="Family dispute the provider's account",
        )
        ack(escalated, c, self.days_ago(6))
        # About the council itself: through both stages and on to the Ombudsman.
        council = record(
            people[2],
            None,
            self.days_ago(75),
            "Waited five weeks for a package after discharge.",
            ["waiting", "assessment"],
            subject="council",
        )
        council = decide(ack(council, c, self.days_ago(74)), c, self.days_ago(50), "partly_upheld")
        council = services.complaint_escalate(
            actor=c,
            complaint=council,
            escalated_on=self.days_ago(45),
            reason="Asks for a review of the remedy",
        )
        council = decide(ack(council, c, self.days_ago(44)), c, self.days_ago(20), "not_upheld")
        services.complaint_refer_to_ombudsman(
            actor=c, complaint=council, referred_on=self.days_ago(5), ombudsman_reference="25 018 442"
        )

    # --- safeguarding -------------------------------------------------------------------------------

    def concerns(self, people, first) -> None:
        tm = self.team_manager

        def raise_(person, days, text, types, actor=None, provider=None, **extra):
            return services.concern_raise(
                actor=actor or self.broker,
                person=person,
                provider=provider,
                description=text,
                abuse_types=types,
                raised_at=self.writer.now - dt.timedelta(days=days, hours=self.rng.randint(1, 6)),
                **extra,
            )

        def walk(concern, *, to, feels_safe="safe", conclusion="substantiated"):
            concern = services.concern_triage(
                actor=tm,
                concern=concern,
                urgency="high",
                abuse_types=list(concern.abuse_types.values_list("abuse_type", flat=True)),
                note="Spoke to the person and the provider; immediate risk managed.",
                allocated_worker=self.practitioner,
                team_manager=tm,
            )
            if to == "triaged":
                return concern
            concern = services.concern_decide(
                actor=tm,
                concern=concern,
                care_and_support_needs=True,
                experiencing_abuse_or_risk=True,
                unable_to_protect=True,
                reason="Needs care and support, at risk, cannot protect themselves",
                make_enquiry=True,
            )
            concern = services.concern_start_enquiry(
                actor=tm,
                concern=concern,
                enquiry_officer=self.practitioner,
                plan="Visit the person; interview "
                "care workers; review call monitoring and medication records.",
                msp_asked="expressed",
                msp_outcomes_expressed="I want to feel safe with my carers and keep living at home.",
            )
            if to == "enquiry":
                return concern
            concern = services.concern_record_outcome(
                actor=self.practitioner,
                concern=concern,
                findings="Account supported by call monitoring and records.",
                conclusion=conclusion,
                risk_outcome="reduced",
                msp_achieved="partially",
            )
            return services.concern_close(
                actor=tm,
                concern=concern,
                msp_feels_safe=feels_safe,
                closure_summary="Outcome shared with the person and family; provider action plan in place.",
            )

        self.care_worker_concern(first)
        raise_(
            people[3],
            1,
            "Neighbour says he has been asked for money by a carer.",
            ["financial"],
            source="public",
            raiser_name="A neighbour",
            raiser_contact="0116 496 0417",
        )
        shared = walk(
            raise_(people[4], 3, "Pressure sore not reported by the agency.", ["neglect"], provider=first),
            to="triaged",
        )
        services.concern_share_with_provider(
            actor=tm,
            concern=shared,
            summary="Please send the last four weeks' visit notes and the skin care plan "
            "by Friday, and make sure the district nurse referral has been made.",
        )
        walk(
            raise_(people[5], 10, "Bruising on both forearms; says she was grabbed.", ["physical"]),
            to="enquiry",
        )
        walk(
            raise_(people[1], 30, "Left without food over a weekend.", ["neglect"], provider=first),
            to="closed",
            feels_safe="unsafe",
        )  # → an escalation to the principal manager
        walk(
            raise_(people[2], 25, "Cash missing from the kitchen tin.", ["financial"], provider=first),
            to="closed",
            feels_safe="fairly_safe",
            conclusion="partly",
        )
        outside = services.concern_triage(
            actor=tm,
            concern=raise_(people[8], 6, "Frequently refusing care; lives alone.", ["self_neglect"]),
            urgency="routine",
            abuse_types=["self_neglect"],
            note="Has capacity; wants to be left alone.",
        )
        services.concern_decide(
            actor=tm,
            concern=outside,
            care_and_support_needs=True,
            experiencing_abuse_or_risk=True,
            unable_to_protect=False,
            reason="Has capacity to make this decision",
            make_enquiry=False,
            outside_route="care_review",
            outside_reason="Care and support review with the person, this week",
        )
        # A second financial concern about the same person: a pattern for the team manager.
        raise_(
            people[3],
            0,
            "Bank card handed to a carer for shopping; receipts missing.",
            ["financial"],
            actor=self.practitioner,
        )
        # As migrated from the previous case system: the data-quality report has something to find.
        SafeguardingConcern.objects.create(
            council=self.council,
            person=people[0],
            source="council_staff",
            status="managed_outside",
            raised_at=self.writer.now - dt.timedelta(days=60),
            recorded_by=self.admin,
            recorded_at=self.writer.now - dt.timedelta(days=60),
            urgency="routine",
            description="Migrated record: concern about a family member's visits.",
            care_and_support_needs=True,
            experiencing_abuse_or_risk=True,
            unable_to_protect=True,
        )
        try:
            audits_sample_month(
                actor=tm, council=self.council, month=self.today.replace(day=1), per_manager=2
            )
        except ValidationError:  # a month already sampled, or nothing concluded in it: no sample to show
            pass

    def care_worker_concern(self, provider) -> None:
        """A care worker raised one from a visit on their phone (through call monitoring, like the app)."""
        assignment = (
            VisitAssignment.objects.filter(
                visit__provider=provider, visit__status=VisitStatus.COMPLETED, visit__date__lt=self.today
            )
            .select_related("visit", "care_worker")
            .order_by("-visit__planned_start", "id")
            .first()
        )
        if assignment is None:
            return
        visit = assignment.visit
        event = visit_services.EventInput(
            client_id=uuid.UUID(int=self.rng.getrandbits(128)),
            kind="concern",
            occurred_at=visit.actual_end or visit.planned_start,
            text="Mrs didn't want me to wash her arms; large bruises on both. Says she fell but her son was "
            "shouting when I arrived.",
        )
        _, created = visit_services.event_record(
            actor=assignment.care_worker, visit=visit, event=event, now=self.writer.now
        )
        self.writer.summary.call_events += int(created)

    # --- provider quality ---------------------------------------------------------------------------

    def provider_quality(self) -> None:
        c = self.commissioner
        plans = [
            (self.providers[0], 20, "green", ["Call monitoring above 95%; care plans reviewed on time."]),
            (
                self.providers[1],
                45,
                "amber",
                [
                    "Medication records incomplete in 3 of 10 files.",
                    "Rotas do not allow travel time between calls.",
                ],
            ),
        ]
        poor = list(
            CqcRating.objects.filter(
                provider__in=self.providers, rating__in=["requires_improvement", "inadequate"]
            )
            .order_by("provider_id", "-rated_on")
            .select_related("provider")
        )
        seen: set[int] = set()
        for rating in poor:
            if rating.provider_id in seen:
                continue
            seen.add(rating.provider_id)
            plans.append(
                (rating.provider, 12, "red", ["Staff training out of date; two missed visits unreported."])
            )
            services.review_open(
                actor=c,
                provider=rating.provider,
                rating=rating,
                reason=f"CQC rated {rating.provider.name} {rating.get_rating_display()} "
                f"(published {rating.rated_on:%-d %B %Y})",
            )
        for provider, days, rag, findings in plans:
            visit = services.qa_visit_record(
                actor=c,
                provider=provider,
                visit_date=self.days_ago(days),
                kind=self.rng.choice(["announced", "unannounced", "contract_monitoring"]),
                summary="Looked at ten care files, rotas and call monitoring; spoke to four people and three "
                "care workers.",
            )
            for text in findings:
                services.qa_finding_add(
                    actor=c, qa_visit=visit, area="safe" if rag != "green" else "well_led", rag=rag, text=text
                )
            if rag != "green":
                services.qa_action_add(
                    actor=c,
                    qa_visit=visit,
                    description="Send an improvement plan",
                    due_on=self.days_ago(days) + dt.timedelta(days=28),
                )
            services.qa_visit_publish(actor=c, qa_visit=visit, rag=rag)
        # One still being written up.
        draft = services.qa_visit_record(
            actor=c,
            provider=self.providers[2],
            visit_date=self.days_ago(2),
            kind="desk_review",
            summary="Desk review of the provider's quarterly returns.",
        )
        services.qa_finding_add(
            actor=c, qa_visit=draft, area="contract", rag="green", text="Returns on time."
        )
