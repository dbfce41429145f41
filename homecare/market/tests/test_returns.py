"""The monthly homecare return (Capacity Tracker questions) from sitreps and call monitoring."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest

from homecare.market import returns, schedule
from homecare.market.tests.factories import london, submit
from homecare.people.tests.factories import make_package
from homecare.providers.models import Admission, ProviderProfile
from homecare.visits import services as visit_services
from homecare.visits.tests.factories import MONDAY, generate_week

pytestmark = pytest.mark.django_db
JANUARY = dt.date(2026, 1, 1)


@pytest.fixture
def january(framework, northbridge, acorn, birch, paul, mary, alice):
    """Admitted in December; Acorn sends two of January's four sitreps, the second amended; Mary's week
    of visits from 5 January has three delivered (45 minutes each)."""
    Admission.objects.update(decided_at=london(dt.date(2025, 12, 1), 9))
    ProviderProfile.objects.create(provider=acorn, cqc_location_id="1-123456789")
    package = make_package(person=mary, actor=alice, provider=acorn, status="active", start_date=MONDAY)
    generate_week(package)
    for visit in package.visits.order_by("planned_start")[:3]:
        visit_services.visit_correct(
            actor=paul,
            visit=visit,
            reason_code="phone_problem",
            note="",
            start=visit.planned_start,
            end=visit.planned_start + dt.timedelta(minutes=45),
        )
    submit(council=northbridge, provider=acorn, actor=paul, now=london(dt.date(2026, 1, 7), 12, 1))
    last = submit(
        council=northbridge,
        provider=acorn,
        actor=paul,
        now=london(dt.date(2026, 1, 21), 12, 1),
        staff_in_post=50,
        absent_sickness=4,
        absent_isolation=1,
        agency_staff=6,
        staff_flu_vaccinated=35,
        staff_covid_vaccinated=None,
    )
    from homecare.market import services
    from homecare.market.tests.factories import figures

    services.sitrep_amend(
        sitrep=last,
        figures=figures(
            staff_in_post=50, absent_sickness=5, absent_isolation=1, agency_staff=6, staff_flu_vaccinated=35
        ),
        reason="One more sick",
        actor=paul,
        now=london(dt.date(2026, 1, 21), 15),
    )
    return returns.monthly_return(council=northbridge, month=JANUARY, providers=[acorn, birch])


def test_each_provider_gets_the_latest_sitrep_of_the_month_and_the_months_delivery(january, acorn):
    row = january[0]
    assert row.provider == acorn and row.cqc_location_id == "1-123456789"
    assert (row.sitreps_due, row.sitreps_in) == (4, 2)  # Wednesdays 7, 14, 21 and 28 January
    assert row.sitrep.amendment_reason == "One more sick"  # the latest version counts
    assert (row.people_with_visits, row.hours_delivered) == (1, Decimal("2.25"))
    assert row.sitrep.staff_absent == 7 and row.absence_percent == Decimal("14.0")
    assert row.vaccinated_percent("staff_flu_vaccinated") == Decimal("70.0")
    assert row.note == "2 of 4 sitreps were not submitted"


def test_a_provider_without_a_sitrep_in_the_month_has_blanks_and_says_so(january, birch):
    row = january[1]
    assert row.provider == birch and row.sitrep is None and not row.nil_return
    assert row.note.startswith("No sitrep due in the month was submitted")
    cells = row.cells()
    assert cells[returns.HEADERS.index("Care staff directly employed")] == ""


def test_the_csv_has_a_header_a_row_per_provider_and_the_capacity_tracker_figures(january):
    table = list(csv.reader(io.StringIO(returns.csv_text(january))))
    assert table[0] == list(returns.HEADERS)
    acorn = dict(zip(table[0], table[1], strict=True))
    assert acorn["Month"] == "2026-01" and acorn["Latest sitrep due"] == "2026-01-21"
    assert acorn["Care staff directly employed"] == "50" and acorn["Agency or bank care staff"] == "6"
    assert acorn["Staff absent: total"] == "7" and acorn["Staff absence %"] == "14.0"
    assert acorn["Staff vaccinated: seasonal flu"] == "35" and acorn["Staff vaccinated: COVID-19 %"] == "44.0"
    assert acorn["Hours delivered in the month (call monitoring)"] == "2.25"
    assert len(table) == 3


def test_a_provider_with_no_people_and_no_staff_makes_a_nil_return(framework, northbridge, birch, pippa):
    Admission.objects.update(decided_at=london(dt.date(2025, 12, 1), 9))
    submit(
        council=northbridge,
        provider=birch,
        actor=pippa,
        now=london(dt.date(2026, 1, 7), 12, 1),
        staff_in_post=0,
        absent_sickness=0,
        absent_leave=0,
        people_supported=0,
        staff_flu_vaccinated=None,
        staff_covid_vaccinated=None,
    )
    (row,) = returns.monthly_return(council=northbridge, month=JANUARY, providers=[birch])
    assert row.nil_return and row.absence_percent is None
    assert row.cells()[returns.HEADERS.index("Nil return")] == "Yes"


def test_formula_like_cells_are_neutralised():
    assert returns.safe_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert returns.safe_cell("@SUM") == "'@SUM" and returns.safe_cell("-1") == "'-1"
    assert returns.safe_cell("Acorn") == "Acorn" and returns.safe_cell(12) == "12"


def test_a_month_runs_from_its_first_to_its_last_day():
    assert returns.month_bounds(dt.date(2026, 2, 1)) == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert returns.month_bounds(dt.date(2026, 12, 1)) == (dt.date(2026, 12, 1), dt.date(2026, 12, 31))


def test_slots_in_a_month_that_starts_in_bst_are_counted_on_the_london_clock():
    # 1 April 2026 is a Wednesday; its noon slot is at 11:00 UTC and belongs to April, not March.
    start = schedule.due_moment(dt.date(2026, 4, 1), dt.time(0))
    end = schedule.due_moment(dt.date(2026, 5, 1), dt.time(0))
    moments = schedule.due_moments([], start, end)
    assert [schedule.london_date(m).day for m in moments] == [1, 8, 15, 22, 29]


def test_in_the_month_so_far_only_the_sitreps_already_due_count(january, northbridge, acorn):
    (row,) = returns.monthly_return(
        council=northbridge, month=JANUARY, providers=[acorn], now=london(dt.date(2026, 1, 15), 9)
    )
    assert (row.sitreps_due, row.sitreps_in) == (2, 1)  # 7 and 14 January; the 21st is not yet due
    assert row.sitrep.due_at == schedule.due_moment(dt.date(2026, 1, 7), dt.time(12))
