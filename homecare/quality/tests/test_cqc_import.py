"""The CQC ratings import: CQC's published layout, every row checked, all or nothing; new Requires
Improvement / Inadequate ratings open a review and may suspend new placements."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from homecare.providers import selectors as provider_selectors
from homecare.providers import services as provider_services
from homecare.providers.models import CqcRating, Suspension
from homecare.quality import cqc_import, services
from homecare.quality.models import ProviderReview

pytestmark = pytest.mark.django_db

# The columns of CQC's "Latest ratings" Locations sheet, in its order.
HEADER = [
    "Location ID",
    "Location ODS Code",
    "Location Name",
    "Care Home?",
    "Location Type",
    "Location Primary Inspection Category",
    "Location Street Address",
    "Location Address Line 2",
    "Location City",
    "Location Post Code",
    "Location Local Authority",
    "Location Region",
    "Location NHS Region",
    "Location ONSPD CCG Code",
    "Location ONSPD CCG",
    "Location Commissioning CCG Code",
    "Location Commissioning CCG Name",
    "Service / Population Group",
    "Domain",
    "Latest Rating",
    "Publication Date",
    "Report Type",
    "Inherited Rating (Y/N)",
    "URL",
    "Provider ID",
    "Provider Name",
    "Brand ID",
    "Brand Name",
]
ACORN_LOCATION, BIRCH_LOCATION, ELSEWHERE = "1-101010101", "1-202020202", "1-303030303"


def row(location, rating, published="14/01/2026", domain="Overall", group="Overall", name="Acorn Homecare"):
    values = dict.fromkeys(HEADER, "")
    values.update(
        {
            "Location ID": location,
            "Location Name": name,
            "Care Home?": "N",
            "Location Type": "Social Care Org",
            "Service / Population Group": group,
            "Domain": domain,
            "Latest Rating": rating,
            "Publication Date": published,
            "Provider ID": "1-99",
            "Provider Name": name,
        }
    )
    return values


def csv_bytes(rows, header=HEADER, encoding="utf-8-sig") -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


@pytest.fixture
def profiles(clara, acorn, birch):
    provider_services.provider_profile_save(actor=clara, provider=acorn, cqc_location_id=ACORN_LOCATION)
    provider_services.provider_profile_save(actor=clara, provider=birch, cqc_location_id=BIRCH_LOCATION)
    provider_services.rating_record(actor=clara, provider=acorn, rating="good", rated_on=dt.date(2024, 5, 1))
    provider_services.rating_record(actor=clara, provider=birch, rating="good", rated_on=dt.date(2024, 9, 1))


def test_new_ratings_are_recorded_and_a_downgrade_opens_a_review(clara, acorn, birch, profiles):
    data = csv_bytes(
        [
            row(ACORN_LOCATION, "Requires improvement"),
            row(ACORN_LOCATION, "Inadequate", domain="Safe"),  # a key question, not the overall rating
            row(BIRCH_LOCATION, "Good", published="01/09/2024", name="Birch Care"),  # what we already hold
            row(ELSEWHERE, "Outstanding", name="Someone else's agency"),
            row("1-404040404", "Insufficient evidence to rate"),
        ]
    )
    result = services.cqc_ratings_import(actor=clara, data=data, filename="ratings.csv")
    assert result.status == "applied", result.errors
    assert (
        result.rows_read,
        result.ratings_recorded,
        result.unchanged,
        result.not_ours,
        result.reviews_opened,
    ) == (
        5,
        1,
        1,
        1,
        1,
    )
    assert provider_selectors.current_rating(provider=acorn).rating == "requires_improvement"
    review = ProviderReview.objects.get()
    assert (review.provider, review.rating.rating, review.opened_by) == (acorn, "requires_improvement", clara)
    assert result.changes == [
        {
            "provider": "Acorn Homecare",
            "location": ACORN_LOCATION,
            "from": "Good",
            "to": "Requires Improvement",
            "rated_on": "2026-01-14",
        }
    ]


def test_importing_the_same_file_again_changes_nothing(clara, profiles):
    data = csv_bytes([row(ACORN_LOCATION, "Inadequate")])
    services.cqc_ratings_import(actor=clara, data=data, filename="a.csv")
    again = services.cqc_ratings_import(actor=clara, data=data, filename="a.csv")
    assert (again.ratings_recorded, again.unchanged, again.reviews_opened) == (0, 1, 0)
    assert ProviderReview.objects.count() == 1


def test_an_older_rating_in_the_file_does_not_replace_a_newer_one(clara, acorn, profiles):
    result = services.cqc_ratings_import(
        actor=clara,
        data=csv_bytes([row(ACORN_LOCATION, "Outstanding", published="01/01/2023")]),
        filename="old.csv",
    )
    assert result.unchanged == 1 and provider_selectors.current_rating(provider=acorn).rating == "good"


def test_any_bad_row_rejects_the_whole_file_and_every_error_is_reported_with_its_row(clara, profiles):
    before = CqcRating.objects.count()
    future = (timezone.localdate() + dt.timedelta(days=3)).strftime("%d/%m/%Y")
    data = csv_bytes(
        [
            row(ACORN_LOCATION, "Inadequate"),  # fine, but must not be recorded
            row("1-12", "Good"),
            row(BIRCH_LOCATION, "Excellent"),
            row(ELSEWHERE, "Good", published="31/02/2026"),
            row(ELSEWHERE.replace("3", "5"), "Good", published=future),
            row(ACORN_LOCATION, "Good"),  # contradicts row 2
        ]
    )
    result = services.cqc_ratings_import(actor=clara, data=data, filename="bad.csv")
    assert result.status == "rejected"
    assert [(e["row"], e["column"]) for e in result.errors] == [
        (3, "Location ID"),
        (4, "Latest Rating"),
        (5, "Publication Date"),
        (6, "Publication Date"),
        (7, "Location ID"),
    ]
    assert "'Excellent' is not a CQC rating" in result.errors[1]["message"]
    assert CqcRating.objects.count() == before and not ProviderReview.objects.exists()


def test_a_file_without_cqcs_columns_is_refused(clara, profiles):
    data = csv_bytes([{"Name": "Acorn"}], header=["Name", "Rating"])
    result = services.cqc_ratings_import(actor=clara, data=data, filename="other.csv")
    assert result.status == "rejected" and result.errors[0]["row"] == 1
    assert "Location ID" in result.errors[0]["column"]


def test_a_windows_1252_file_is_read(clara, acorn, profiles):
    data = csv_bytes(
        [row(ACORN_LOCATION, "Outstanding", name="Acorn Homecare – Café Quarter")], encoding="cp1252"
    )
    result = services.cqc_ratings_import(actor=clara, data=data, filename="excel.csv")
    assert result.status == "applied" and result.ratings_recorded == 1


def test_a_new_inadequate_rating_can_suspend_new_placements_at_once(
    clara, acorn, birch, profiles, northbridge
):
    data = csv_bytes(
        [row(ACORN_LOCATION, "Inadequate"), row(BIRCH_LOCATION, "Requires improvement", name="Birch")]
    )
    result = services.cqc_ratings_import(actor=clara, data=data, filename="r.csv", suspend_inadequate=True)
    assert (result.reviews_opened, result.suspensions_started) == (2, 1)
    suspension = Suspension.objects.get()
    assert suspension.provider == acorn and suspension.council == northbridge
    assert ProviderReview.objects.get(provider=acorn).suspension == suspension
    assert ProviderReview.objects.get(provider=birch).suspension is None


def test_an_already_suspended_provider_is_not_suspended_twice(clara, acorn, profiles, northbridge):
    provider_services.suspension_start(
        actor=clara, provider=acorn, council=northbridge, reason="Earlier", starts_on=timezone.localdate()
    )
    result = services.cqc_ratings_import(
        actor=clara,
        data=csv_bytes([row(ACORN_LOCATION, "Inadequate")]),
        filename="r.csv",
        suspend_inadequate=True,
    )
    assert (result.reviews_opened, result.suspensions_started) == (1, 0)


def test_only_commissioners_import(alice, profiles):
    with pytest.raises(PermissionDenied):
        services.cqc_ratings_import(actor=alice, data=csv_bytes([]), filename="x.csv")


def test_the_parser_counts_rows_it_skips():
    parsed = cqc_import.parse(
        csv_bytes([row(ELSEWHERE, "Good", group="Older people"), row(ELSEWHERE, "Good")]),
        today=dt.date(2026, 2, 1),
    )
    assert (parsed.rows_read, parsed.other_rows, len(parsed.ratings), parsed.errors) == (2, 1, 1, [])
