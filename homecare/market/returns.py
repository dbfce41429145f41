"""The monthly homecare return, in the shape of the NHS Capacity Tracker's homecare questions.

Providers must update the Capacity Tracker monthly, between the 8th and the 14th (reference/standards.md
§5): people receiving care, care staff directly employed and agency or bank, absences, and COVID-19 and
seasonal flu vaccination of staff. This return gives each provider (and its council) those figures for a
month from what is already known: the provider's latest sitrep due in the month (the workforce picture)
and call monitoring (people who had a visit, hours delivered). A provider with no people and no staff
makes a nil return; one with no sitrep in the month has blanks, and says so.

The exact national field list was not found, so the column names describe what each figure is; the
file is CSV (UTF-8) with formula-like cells neutralised.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from homecare.accounts.models import Organisation
from homecare.market import opel, schedule, selectors
from homecare.market.models import Sitrep
from homecare.providers.models import ProviderProfile

HEADERS = (
    "Council",
    "Provider",
    "CQC location ID",
    "Month",
    "Sitreps due",
    "Sitreps submitted",
    "Latest sitrep due",
    "People receiving care",
    "People with a visit in the month (call monitoring)",
    "Hours delivered in the month (call monitoring)",
    "Care staff directly employed",
    "Agency or bank care staff",
    "Staff absent: sickness",
    "Staff absent: isolating",
    "Staff absent: leave",
    "Staff absent: other",
    "Staff absent: total",
    "Staff absence %",
    "Vacant care posts",
    "Staff vaccinated: seasonal flu",
    "Staff vaccinated: seasonal flu %",
    "Staff vaccinated: COVID-19",
    "Staff vaccinated: COVID-19 %",
    "Able to take new packages",
    "Outbreak",
    "Nil return",
    "Note",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class ReturnRow:
    council: Organisation
    provider: Organisation
    cqc_location_id: str
    month: dt.date
    sitreps_due: int
    sitreps_in: int
    sitrep: Sitrep | None
    people_with_visits: int
    hours_delivered: Decimal

    @property
    def absence_percent(self) -> Decimal | None:
        return opel.percent(self.sitrep.staff_absent, self.sitrep.staff_in_post) if self.sitrep else None

    def vaccinated_percent(self, name: str) -> Decimal | None:
        value = getattr(self.sitrep, name) if self.sitrep else None
        return None if value is None else opel.percent(value, self.sitrep.staff_in_post)

    @property
    def nil_return(self) -> bool:
        return bool(
            self.sitrep is not None
            and self.sitrep.people_supported == 0
            and self.sitrep.staff_in_post == 0
            and self.people_with_visits == 0
        )

    @property
    def note(self) -> str:
        if self.sitrep is None:
            return "No sitrep due in the month was submitted: workforce figures are missing"
        if self.sitreps_in < self.sitreps_due:
            return f"{self.sitreps_due - self.sitreps_in} of {self.sitreps_due} sitreps were not submitted"
        return ""

    def cells(self) -> list:
        s = self.sitrep

        def blank(value):
            return "" if value is None else value

        return [
            self.council.name,
            self.provider.name,
            self.cqc_location_id,
            f"{self.month:%Y-%m}",
            self.sitreps_due,
            self.sitreps_in,
            f"{schedule.london_date(s.due_at):%Y-%m-%d}" if s else "",
            s.people_supported if s else "",
            self.people_with_visits,
            f"{self.hours_delivered:.2f}",
            s.staff_in_post if s else "",
            s.agency_staff if s else "",
            s.absent_sickness if s else "",
            s.absent_isolation if s else "",
            s.absent_leave if s else "",
            s.absent_other if s else "",
            s.staff_absent if s else "",
            blank(self.absence_percent),
            s.vacancies if s else "",
            blank(s.staff_flu_vaccinated) if s else "",
            blank(self.vaccinated_percent("staff_flu_vaccinated")),
            blank(s.staff_covid_vaccinated) if s else "",
            blank(self.vaccinated_percent("staff_covid_vaccinated")),
            ("Yes" if s.can_take_new_packages else "No") if s else "",
            s.get_outbreak_status_display() if s else "",
            "Yes" if self.nil_return else "No",
            self.note,
        ]


def month_bounds(first: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of the month that starts on `first`."""
    following = dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return first, following - dt.timedelta(days=1)


def monthly_return(
    *, council: Organisation, month: dt.date, providers: list[Organisation], now: dt.datetime | None = None
) -> list[ReturnRow]:
    """One row per provider for the month starting `month` (providers already scoped by the caller). In
    the current month, only the sitreps that have fallen due by `now` count as due."""
    first, last = month_bounds(month)
    start = schedule.due_moment(first, dt.time(0, 0))
    end = schedule.due_moment(last + dt.timedelta(days=1), dt.time(0, 0))
    fallen_due = min(end, (now or timezone.now()) + dt.timedelta(microseconds=1))
    slots = schedule.due_moments(selectors.schedules_for(council=council), start, fallen_due)
    since = selectors.reporting_since(council=council)
    ids = [p.pk for p in providers]
    latest: dict[int, Sitrep] = {}
    counts: dict[int, int] = {}
    for sitrep in selectors.current_versions(
        Sitrep.objects.filter(council=council, provider_id__in=ids, due_at__gte=start, due_at__lt=fallen_due)
    ).order_by("due_at", "id"):
        latest[sitrep.provider_id] = sitrep
        counts[sitrep.provider_id] = counts.get(sitrep.provider_id, 0) + 1
    delivery = selectors.month_delivery(council=council, start=first, end=last)
    locations = dict(
        ProviderProfile.objects.filter(provider_id__in=ids).values_list("provider_id", "cqc_location_id")
    )
    rows = []
    for provider in providers:
        people, hours = delivery.get(provider.pk, (0, Decimal("0.00")))
        owed_from = since.get(provider.pk)
        rows.append(
            ReturnRow(
                council=council,
                provider=provider,
                cqc_location_id=locations.get(provider.pk, ""),
                month=first,
                sitreps_due=sum(1 for s in slots if owed_from is None or s >= owed_from),
                sitreps_in=counts.get(provider.pk, 0),
                sitrep=latest.get(provider.pk),
                people_with_visits=people,
                hours_delivered=hours,
            )
        )
    return rows


def safe_cell(value) -> str:
    """A cell a spreadsheet will not run as a formula (OWASP CSV injection)."""
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def csv_text(rows: list[ReturnRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row.cells()])
    return out.getvalue()
