"""The DHSC adult social care Client Level Data (CLD) quarterly return: builder, validator and encoder.

File rules (reference/standards.md §1): row 1 holds the headers spelt exactly as the specification;
Windows-1252 with no byte-order mark; no value may start with = + - @ (a minus before a number is
allowed). One row per event (Request, Assessment, Service, Review), each carrying the submission and
person fields.

What the platform maps (ADR 0012), for people of the council with anything in the quarter:
- **Request**: the person's record being opened (the platform records people as they are referred for
  homecare). Route of access is not recorded.
- **Assessment**: a person's first completed support plan (start: drafted, end: completed), "Long term
  assessment". **Review**: each later completed support plan.
- **Service**: each confirmed package version in force in the quarter that the council arranges
  (council, joint or direct payment; not self-funders, not NHS CHC only). Service_Component "Home support
  or domiciliary care" ("Reablement" on a reablement lot), Service_Type "Long term support: Community"
  ("Short term support: ST-Max" for reablement), Delivery_Mechanism "Direct payment" or "CASSR
  commissioned support", the provider's CQC location, Unit_Cost from the award's hourly rate card
  (Cost_Frequency_Unit_Type "Hourly"), Planned_units_per_week the version's weekly hours.
- Fields the platform does not hold (gender, ethnicity, GP practice, primary support reason,
  accommodation and employment status, carers' fields…) are left blank; the validator reports each
  blank mandatory field.

Validation uses DHSC's data-quality codes (create_GetDQValues_procedure.sql): field status 2 mandatory,
1 applicable, 0 not applicable; check ≥1 valid, 0 blank (not mandatory), −1 blank but mandatory,
−2…−6 invalid, −7 a Release 1 value. The full per-field rule table was not found, so which invalid
code means what (below, `INVALID_*`) and which fields are mandatory are this module's assumptions.
Dates are written as YYYY-MM-DD (also an assumption: the specification's format was not found).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

import nhs_number
from django.db.models import Q

from homecare.accounts.models import Organisation
from homecare.people.models import (
    Funding,
    Package,
    PackageVersion,
    Person,
    SupportPlan,
    SupportPlanStatus,
    VersionStatus,
)
from homecare.reporting.periods import LONDON, Quarter

SUBMISSION = ("LA_Code", "Reporting_Period_Start_Date", "Reporting_Period_End_Date")
PERSON = (
    "NHS_Number",
    "LA_Person_Unique_Identifier",
    "GP_Practice_Code",
    "Gender",
    "Ethnicity",
    "Date_of_Birth",
    "Date_of_Death",
    "Client_Type",
    "Primary_Support_Reason",
    "Postcode",
    "Accommodation_Status",
    "Employment_Status",
    "Has_Unpaid_Carer",
    "Autism_Spectrum_Disorder_ASD",
    "Visual_Impairment",
    "Hearing_Impairment",
    "Dementia",
    "Client_Funding_Status",
)
EVENTS = (
    "Event_Type",
    "Event_Reference",
    "Event_Start_Date",
    "Event_End_Date",
    "Event_Description",
    "Event_Outcome",
)
REQUESTS = ("Request_Route_of_Access",)
ASSESSMENTS = ("Assessment_Type", "Eligible_Needs_Identified", "Method_of_Assessment")
CARERS = (
    "Total_Hrs_Caring_per_week",
    "No_of_adults_being_cared_for",
    "Adult_1_Linked_Person_ID",
    "Adult_2_Linked_Person_ID",
    "Adult_3_Linked_Person_ID",
)
SERVICES = ("Service_Type", "Service_Component", "Delivery_Mechanism", "Provider_CQC_Location_ID")
REVIEWS = ("Review_Reason", "Review_Outcomes_Achieved", "Method_of_Review")
COSTS = ("Unit_Cost", "Cost_Frequency_Unit_Type", "Planned_units_per_week")
HEADERS = SUBMISSION + PERSON + EVENTS + REQUESTS + ASSESSMENTS + CARERS + SERVICES + REVIEWS + COSTS

EVENT_TYPES = ("Request", "Assessment", "Service", "Review")
SERVICE_TYPES = (
    "Long term support: Community",
    "Long term support: Nursing care",
    "Long term support: Residential care",
    "Long term support: Prison",
    "Short term support: ST-Max",
    "Short term support: Ongoing low level",
    "Short term support: Other short term",
    "Unpaid carer support: Direct to unpaid carer",
    "Unpaid carer support: Support involving the person cared-for",
)
RELEASE_1 = ("Carer Support: Direct to Carer", "Carer Support: Support involving the person cared-for")
SERVICE_COMPONENTS = (
    "Home support or domiciliary care",
    "Reablement",
    "Short term residential care",
    "Short term nursing care",
    "Direct payment",
    "Equipment",
    "Extra care housing",
    "Shared Lives",
    "Community supported living",
)
DELIVERY_MECHANISMS = ("Direct payment", "CASSR managed personal budget", "CASSR commissioned support")
COST_FREQUENCIES = (
    "Per session",
    "Hourly",
    "Daily",
    "Weekly",
    "Fortnightly",
    "4-weekly",
    "Monthly",
    "Quarterly",
    "Annually",
    "One-off",
)
OUTCOMES = (
    "Progress to reablement/ST-Max",
    "Progress to assessment, review or reassessment",
    "Progress to support planning or services",
    "Continuation of support or services",
    "Admitted to hospital",
    "NFA: Deceased",
    "NFA: Information and advice or signposting",
    "NFA: No services offered for other reason",
    "NFA: Other",
    "NFA: Referral to NHS services or NHS funded social care",
    "NFA: Referral to other service within the local authority",
    "NFA: Responsibility moved to another local authority",
    "NFA: Self-funded client or under 12wk disregard",
    "NFA: Support declined",
    "NFA: Support ended as planned",
    "NFA: Support ended for other reason",
)
CLIENT_TYPES = ("Service user", "Carer", "Carer known by association")
ASSESSMENT_TYPES = ("Short term assessment", "Long term assessment")
ALLOWED = {
    "Event_Type": EVENT_TYPES,
    "Client_Type": CLIENT_TYPES,
    "Service_Type": SERVICE_TYPES,
    "Service_Component": SERVICE_COMPONENTS,
    "Delivery_Mechanism": DELIVERY_MECHANISMS,
    "Cost_Frequency_Unit_Type": COST_FREQUENCIES,
    "Event_Outcome": OUTCOMES,
    "Assessment_Type": ASSESSMENT_TYPES,
}
DATES = (
    "Reporting_Period_Start_Date",
    "Reporting_Period_End_Date",
    "Date_of_Birth",
    "Date_of_Death",
    "Event_Start_Date",
    "Event_End_Date",
)
NUMBERS = ("Unit_Cost", "Planned_units_per_week", "Total_Hrs_Caring_per_week", "No_of_adults_being_cared_for")
ALWAYS_MANDATORY = (
    "LA_Code",
    "Reporting_Period_Start_Date",
    "Reporting_Period_End_Date",
    "LA_Person_Unique_Identifier",
    "Date_of_Birth",
    "Client_Type",
    "Event_Type",
    "Event_Reference",
    "Event_Start_Date",
)
MANDATORY_BY_EVENT = {
    "Service": ("Service_Type", "Service_Component"),
    "Assessment": ("Assessment_Type",),
    "Request": (),
    "Review": (),
}
APPLICABLE_BY_EVENT = {
    "Request": REQUESTS,
    "Assessment": ASSESSMENTS,
    "Service": SERVICES + COSTS,
    "Review": REVIEWS,
}
EVENT_ONLY = REQUESTS + ASSESSMENTS + SERVICES + REVIEWS + COSTS

VALID, BLANK, BLANK_MANDATORY = 1, 0, -1
INVALID_VALUE, INVALID_DATE, INVALID_NUMBER, INVALID_FORMULA, INVALID_ENCODING, RELEASE_1_VALUE = (
    -2,
    -3,
    -4,
    -5,
    -6,
    -7,
)
CODE_WORDS = {
    BLANK_MANDATORY: "Blank but mandatory",
    INVALID_VALUE: "Not an allowed value",
    INVALID_DATE: "Not a valid date, or dates out of order",
    INVALID_NUMBER: "Not a number",
    INVALID_FORMULA: "Starts with = + - or @ (rejected by the Data Landing Portal)",
    INVALID_ENCODING: "Cannot be written in Windows-1252",
    RELEASE_1_VALUE: "A Release 1 value",
}
FORMULA_STARTS = ("=", "+", "-", "@")
PLAIN_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


@dataclass
class Extract:
    quarter: Quarter
    rows: list[dict]
    counts: dict[str, int] = field(default_factory=dict)


def _day(value: dt.datetime | dt.date | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.astimezone(LONDON).date()
    return value.isoformat()


def _person_fields(person: Person) -> dict:
    return {
        "NHS_Number": person.nhs_number or "",
        "LA_Person_Unique_Identifier": person.case_reference,
        "Date_of_Birth": _day(person.date_of_birth),
        "Client_Type": "Service user",
        "Postcode": person.postcode,
        "Client_Funding_Status": "",
    }


def build(*, council: Organisation, quarter: Quarter) -> Extract:
    """Every event of the council's people that counts in the quarter (started before it ended, and ended
    within or after it, or not at all), as rows keyed by the headers."""
    start, end = quarter.first_day, quarter.last_day
    base = {
        "LA_Code": council.ods_code,
        "Reporting_Period_Start_Date": _day(start),
        "Reporting_Period_End_Date": _day(end),
    }
    rows: list[dict] = []
    people: dict[int, Person] = {}

    def row(person: Person, **event) -> dict:
        people[person.pk] = person
        values = dict.fromkeys(HEADERS, "") | base | _person_fields(person) | event
        return {h: "" if values[h] is None else str(values[h]) for h in HEADERS}

    def counts_in_quarter(first: dt.date, last: dt.date | None) -> bool:
        return first <= end and (last is None or last >= start)

    for person in Person.objects.filter(council=council).order_by("pk"):
        opened = person.created_at.astimezone(LONDON).date()
        if start <= opened <= end:
            rows.append(
                row(
                    person,
                    Event_Type="Request",
                    Event_Reference=f"REQ-{person.case_reference}",
                    Event_Start_Date=_day(opened),
                    Event_End_Date=_day(opened),
                    Event_Outcome="Progress to assessment, review or reassessment",
                )
            )
    plans = (
        SupportPlan.objects.filter(person__council=council, status=SupportPlanStatus.COMPLETED)
        .select_related("person")
        .order_by("person_id", "completed_at", "pk")
    )
    seen: set[int] = set()
    for plan in plans:
        first = plan.person_id not in seen
        seen.add(plan.person_id)
        began, done = plan.created_at.astimezone(LONDON).date(), plan.completed_at.astimezone(LONDON).date()
        if not counts_in_quarter(began, done) or done > end:
            continue
        if first:
            rows.append(
                row(
                    plan.person,
                    Event_Type="Assessment",
                    Event_Reference=f"SP{plan.pk}",
                    Event_Start_Date=_day(began),
                    Event_End_Date=_day(done),
                    Assessment_Type="Long term assessment",
                    Event_Outcome="Progress to support planning or services",
                )
            )
        else:
            rows.append(
                row(
                    plan.person,
                    Event_Type="Review",
                    Event_Reference=f"SP{plan.pk}",
                    Event_Start_Date=_day(began),
                    Event_End_Date=_day(done),
                    Event_Outcome="Continuation of support or services",
                )
            )
    rows.extend(_service_rows(council, start, end, row, counts_in_quarter))
    counts: dict[str, int] = defaultdict(int)
    for r in rows:
        counts[r["Event_Type"]] += 1
    counts["People"] = len(people)
    return Extract(quarter=quarter, rows=rows, counts=dict(counts))


def _service_rows(council, start, end, row, counts_in_quarter) -> list[dict]:
    from homecare.brokerage.models import Award
    from homecare.providers.models import ProviderProfile

    versions = (
        PackageVersion.objects.filter(
            package__person__council=council,
            status=VersionStatus.CONFIRMED,
            funding__in=(Funding.COUNCIL, Funding.JOINT, Funding.DIRECT_PAYMENT),
            effective_from__lte=end,
        )
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=start))
        .exclude(package__status__in=("draft", "awaiting_provider"))
        .select_related("package__person")
        .prefetch_related("visit_pattern")
        .order_by("package_id", "number")
    )
    package_ids = {v.package_id for v in versions}
    awards = {
        a.round.case.package_id: a
        for a in Award.objects.filter(round__case__package_id__in=package_ids).select_related(
            "round__case", "rate_card", "offer__lot"
        )
    }
    cqc = dict(ProviderProfile.objects.values_list("provider_id", "cqc_location_id"))
    providers = dict(Package.objects.filter(pk__in=package_ids).values_list("pk", "provider_id"))
    out = []
    for version in versions:
        package = version.package
        began = max(version.effective_from, package.start_date)
        finished = version.effective_to or package.end_date
        if not counts_in_quarter(began, finished):
            continue
        award = awards.get(package.pk)
        reablement = bool(award and award.offer.lot and award.offer.lot.service == "reablement")
        hours = (
            version.weekly_budget_hours
            if version.weekly_budget_hours is not None
            else version.planned_week.total_hours
        )
        direct = version.funding == Funding.DIRECT_PAYMENT
        if finished is None or finished > end:
            outcome = ""  # still open at the quarter's end
        elif version.effective_to is not None and (
            package.end_date is None or version.effective_to < package.end_date
        ):
            outcome = "Continuation of support or services"  # a new version follows
        else:
            outcome = "NFA: Support ended for other reason"
        rate = award.rate_card.amount if award and award.rate_card else None
        out.append(
            row(
                package.person,
                Event_Type="Service",
                Event_Reference=f"{package.reference}-V{version.number}",
                Event_Start_Date=_day(began),
                Event_End_Date=_day(finished),
                Event_Outcome=outcome,
                Service_Type="Short term support: ST-Max" if reablement else "Long term support: Community",
                Service_Component="Reablement" if reablement else "Home support or domiciliary care",
                Delivery_Mechanism="Direct payment" if direct else "CASSR commissioned support",
                Provider_CQC_Location_ID=cqc.get(providers.get(package.pk), ""),
                Unit_Cost=f"{rate:.2f}" if rate is not None else "",
                Cost_Frequency_Unit_Type="Hourly" if rate is not None else "",
                Planned_units_per_week=f"{Decimal(hours):.2f}" if hours else "",
            )
        )
    return out


# --- validation ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Failure:
    row_number: int  # the data row's line in the file (headers are line 1)
    person: str
    event: str
    field: str
    value: str
    code: int

    @property
    def reason(self) -> str:
        return CODE_WORDS[self.code]


@dataclass
class Report:
    rows: int
    failures: list[Failure]

    @property
    def failed_rows(self) -> set[int]:
        return {f.row_number for f in self.failures}

    @property
    def passing(self) -> int:
        return self.rows - len(self.failed_rows)


def field_status(name: str, event_type: str) -> int:
    """DHSC's field status for a field on an event: 2 mandatory, 1 applicable, 0 not applicable."""
    if name in ALWAYS_MANDATORY or name in MANDATORY_BY_EVENT.get(event_type, ()):
        return 2
    if name in EVENT_ONLY and name not in APPLICABLE_BY_EVENT.get(event_type, ()):
        return 0
    return 1


def check(name: str, value: str, event_type: str) -> int:
    """DHSC's check result for one value."""
    if value == "":
        return BLANK_MANDATORY if field_status(name, event_type) == 2 else BLANK
    if value.startswith(FORMULA_STARTS) and not (value[0] == "-" and _is_number(value)):
        return INVALID_FORMULA
    try:
        value.encode("cp1252")
    except UnicodeEncodeError:
        return INVALID_ENCODING
    if name in ALLOWED:
        if value in RELEASE_1:
            return RELEASE_1_VALUE
        if value not in ALLOWED[name]:
            return INVALID_VALUE
    if name in DATES and not _is_date(value):
        return INVALID_DATE
    if name in NUMBERS and not _is_number(value):
        return INVALID_NUMBER
    if name == "NHS_Number" and not (len(value) == 10 and value.isdigit() and nhs_number.is_valid(value)):
        return INVALID_VALUE
    return VALID


def _is_date(value: str) -> bool:
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10


def _is_number(value: str) -> bool:
    """A plain decimal ("12", "-3.50"): Decimal() would also take "Infinity", "NaN" and "1e5"."""
    return PLAIN_NUMBER.fullmatch(value) is not None


def row_failures(number: int, r: dict) -> list[Failure]:
    """Every problem with one data row (`number` is its line in the file)."""
    event_type = r.get("Event_Type", "")
    person = r.get("LA_Person_Unique_Identifier", "")
    found: list[tuple[str, int]] = []
    if set(r) != set(HEADERS):
        found.append(("headers", INVALID_VALUE))
    else:
        found.extend((name, code) for name in HEADERS if (code := check(name, r[name], event_type)) < 0)
        start, finish, period_end = r["Event_Start_Date"], r["Event_End_Date"], r["Reporting_Period_End_Date"]
        if _is_date(start) and _is_date(finish) and finish < start:
            found.append(("Event_End_Date", INVALID_DATE))
        if _is_date(start) and _is_date(period_end) and start > period_end:
            found.append(("Event_Start_Date", INVALID_DATE))
    return [Failure(number, person, event_type, name, r.get(name, ""), code) for name, code in found]


def validate(rows: list[dict]) -> Report:
    failures = [f for number, r in enumerate(rows, start=2) for f in row_failures(number, r)]
    return Report(rows=len(rows), failures=failures)


def encode(rows: list[dict]) -> bytes:
    """The file: exact headers, then the rows that pass validation, in Windows-1252 with no byte-order mark.
    Rows that fail are left out (the report page lists them) rather than sent to be rejected."""
    failed = validate(rows).failed_rows
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADERS)
    for number, r in enumerate(rows, start=2):
        if number not in failed:
            writer.writerow([r[h] for h in HEADERS])
    return out.getvalue().encode("cp1252")
