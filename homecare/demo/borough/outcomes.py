"""The demo's outcome-based homecare: the council's carry-over rule, equality monitoring answers, some
telecare in support plans, feedback surveys (most answered) and a few outcome reviews, so `make run`
shows every outcomes screen.

Rules and reviews go through the outcomes services; the many small rows (equality answers, equipment,
surveys, responses) are bulk-written from a seeded random stream, like the rest of the borough, and
start without an audit trail. Small and capped whatever the size of the borough.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from homecare.accounts.models import User
from homecare.outcomes import rules, services
from homecare.outcomes.models import (
    Channel,
    EqualityMonitoring,
    Ethnicity,
    FeedbackResponse,
    FeedbackSurvey,
    SurveyKind,
)
from homecare.people.models import (
    CareModel,
    EquipmentType,
    Package,
    PackageStatus,
    SupportPlanEquipment,
    VersionStatus,
)

from .vocabulary import COMMISSIONER_USERNAME, PRACTITIONER_USERNAME

MAX_EQUALITY = 2_000
MAX_EQUIPMENT = 300
MAX_SURVEYS = 400
REVIEWS = 6
SUPPLIERS = ("Northbridge Careline", "Telecare Direct (demo)", "Keysafe Fitters (demo)")
COMMENTS = (
    "The carers are kind and always ask what I want doing.",
    "Sometimes I don't know who is coming.",
    "They help me get to the day centre on Thursdays now.",
    "Evening visits are often late.",
    "",
    "",
)


def build_outcomes(writer) -> None:
    if writer.people == 0:
        return
    rng = random.Random(f"outcomes-{writer.seed}")
    council, today = writer.council, writer.today
    commissioner = User.objects.get(username=COMMISSIONER_USERNAME)
    practitioner = User.objects.get(username=PRACTITIONER_USERNAME)
    services.carry_over_rule_record(
        actor=commissioner,
        council=council,
        effective_from=rules.week_start(today) - dt.timedelta(weeks=26),
        mode="roll_over",
        max_hours=Decimal("2"),
        max_weeks=1,
        reason="Our Manchester-style flexibility: up to two unused hours roll into the next week",
    )
    active = list(
        Package.objects.filter(person__council=council, status=PackageStatus.ACTIVE, provider__isnull=False)
        .select_related("person")
        .order_by("pk")
    )
    _equality(rng, active, today)
    _equipment(rng, active, practitioner, today)
    _feedback(rng, active, practitioner, today, writer.providers)
    _reviews(rng, active, practitioner, today, council)


def _equality(rng, packages, today) -> None:
    people = sorted({p.person_id for p in packages})[:MAX_EQUALITY]
    ethnic = [e for e in Ethnicity.values if e != "prefer_not"]
    rows = []
    for person_id in people:
        if rng.random() < 0.25:  # not asked yet
            continue
        rows.append(
            EqualityMonitoring(
                person_id=person_id,
                sex=rng.choices(["female", "male", "prefer_not"], [62, 35, 3])[0],
                ethnicity=rng.choices([*ethnic, "prefer_not"], [9, 6, 3, 75, 2, 5])[0],
                disability=rng.choices(["yes", "no", "prefer_not", ""], [55, 30, 5, 10])[0],
                recorded_at=writer_now(today),
            )
        )
    EqualityMonitoring.objects.bulk_create(rows, batch_size=500)


def writer_now(day: dt.date) -> dt.datetime:
    from django.utils import timezone

    return timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))


def _equipment(rng, packages, practitioner, today) -> None:
    plans = sorted({p.support_plan_id for p in packages})
    rows = []
    for plan_id in rng.sample(plans, min(MAX_EQUIPMENT, len(plans) // 4)):
        kind = rng.choice([t for t in EquipmentType.values if t != "other"])
        installed = today - dt.timedelta(days=rng.randint(10, 400))
        rows.append(
            SupportPlanEquipment(
                support_plan_id=plan_id,
                equipment_type=kind,
                supplier=rng.choice(SUPPLIERS),
                installed_on=installed,
                review_on=installed + dt.timedelta(days=365),
                added_by=practitioner,
            )
        )
    SupportPlanEquipment.objects.bulk_create(rows, batch_size=500)


def _feedback(rng, packages, practitioner, today, providers) -> None:
    """A survey for packages past their first six weeks; about two in three answered, a little better
    for the first provider than the second, so the scores differ."""
    due = [p for p in packages if p.start_date <= today - dt.timedelta(weeks=6)]
    chosen = sorted(rng.sample(due, min(MAX_SURVEYS, len(due))), key=lambda p: p.pk)
    now = writer_now(today)
    surveys = FeedbackSurvey.objects.bulk_create(
        [
            FeedbackSurvey(
                package=p,
                person_id=p.person_id,
                council_id=p.person.council_id,
                provider_id=p.provider_id,
                kind=SurveyKind.FIRST_WEEKS,
                due_on=p.start_date + dt.timedelta(weeks=6),
                created_at=now,
            )
            for p in chosen
        ],
        batch_size=500,
    )
    lean = {providers[0].pk: 1, providers[1].pk: -1} if len(providers) > 1 else {}
    responses = []
    for survey in surveys:
        if rng.random() > 0.65:
            continue
        tilt = lean.get(survey.provider_id, 0)

        def answer(tilt=tilt) -> int:
            base = rng.choices([2, 3, 4, 5], [1, 3, 5, 4])[0]
            return max(1, min(5, base + (tilt if rng.random() < 0.4 else 0)))

        responses.append(
            FeedbackResponse(
                survey=survey,
                continuity=answer(),
                punctuality=answer(),
                dignity=answer(),
                outcomes=answer(),
                listened=answer(),
                comments=rng.choice(COMMENTS),
                answered_by=rng.choice(["person", "family", "with_help"]),
                channel=rng.choice([Channel.STAFF, Channel.PAPER, Channel.WEB_LINK]),
                recorded_by=practitioner,
                received_at=now - dt.timedelta(days=rng.randint(0, 60)),
            )
        )
    FeedbackResponse.objects.bulk_create(responses, batch_size=500)


def _reviews(rng, packages, practitioner, today, council) -> None:
    budget_ids = set(
        Package.objects.filter(
            person__council=council,
            status=PackageStatus.ACTIVE,
            provider__isnull=False,
            start_date__lt=today - dt.timedelta(weeks=8),
            versions__status=VersionStatus.CONFIRMED,
            versions__care_model=CareModel.BUDGET_OF_HOURS,
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:40]
    )
    budget = [p for p in packages if p.pk in budget_ids]
    for package in rng.sample(budget, min(REVIEWS, len(budget))):
        outcomes = list(package.support_plan.outcomes.all())
        services.outcome_review_record(
            actor=practitioner,
            package=package,
            reviewed_on=today - dt.timedelta(days=rng.randint(1, 20)),
            person_view="Feels more confident at home; would like help to get out more.",
            answers=[
                services.ReviewAnswer(
                    o.pk,
                    rng.choice(["fully", "partially", "partially", "not"]),
                    "Needs less prompting than at the start" if i == 0 else "Family now helps at weekends",
                )
                for i, o in enumerate(outcomes)
            ],
        )
