"""Reading CQC's published ratings file: pure parsing and validation, row by row, no database.

Layout: the "Latest ratings" file CQC publishes with its care directory (the Locations sheet, saved as
CSV): one row per location, service or population group and key question (Domain), with headers
"Location ID", "Location Name", "Service / Population Group", "Domain", "Latest Rating",
"Publication Date", "Provider ID", "Provider Name" among others (columns we do not use are ignored,
in any order). Only a location's overall rating is read: Domain "Overall", and Service / Population
Group "Overall" where the file has that column. Ratings are CQC's four-point scale; "Insufficient
evidence to rate" and similar are counted as not rated, not as errors. Dates are as CQC writes them
(27/03/2025) or ISO (2025-03-27). The file may be UTF-8 (with or without a BOM) or Windows-1252.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

from homecare.providers.rules import cqc_location_id_problem

REQUIRED_COLUMNS = ("Location ID", "Domain", "Latest Rating", "Publication Date")
OPTIONAL_COLUMNS = ("Location Name", "Service / Population Group", "Provider ID", "Provider Name")
RATINGS = {
    "outstanding": "outstanding",
    "good": "good",
    "requires improvement": "requires_improvement",
    "inadequate": "inadequate",
}
NOT_RATED = {"insufficient evidence to rate", "no rating", "not rated", "not yet rated", ""}
DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d %B %Y", "%d %b %Y")
MAX_BYTES = 60 * 1024 * 1024
MAX_ERRORS_KEPT = 500


@dataclass(frozen=True)
class RatingRow:
    row: int
    location_id: str
    location_name: str
    provider_name: str
    rating: str
    rated_on: dt.date


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class ParsedFile:
    ratings: list[RatingRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rows_read: int = 0
    other_rows: int = 0  # key questions and population groups other than the overall rating
    not_rated: int = 0


def decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _date(value: str) -> dt.date | None:
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(value.strip(), fmt).date()  # noqa: DTZ007 - a date, no time
        except ValueError:
            continue
    return None


def parse(data: bytes, *, today: dt.date) -> ParsedFile:
    """Every overall rating in the file, or the errors that stop the import, each with its row number
    (row 1 is the header) and column."""
    parsed = ParsedFile()
    if len(data) > MAX_BYTES:
        parsed.errors.append(RowError(0, "", f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB"))
        return parsed
    reader = csv.DictReader(io.StringIO(decode(data)))
    headers = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in headers]
    if missing:
        parsed.errors.append(
            RowError(1, ", ".join(missing), "Missing column: is this CQC's ratings file (Locations, as CSV)?")
        )
        return parsed
    reader.fieldnames = headers
    has_group = "Service / Population Group" in headers
    seen: dict[str, RatingRow] = {}
    for number, raw in enumerate(reader, start=2):
        parsed.rows_read += 1
        values = {k: (v or "").strip() for k, v in raw.items() if k is not None}
        if values.get("Domain", "").lower() != "overall" or (
            has_group and values.get("Service / Population Group", "").lower() != "overall"
        ):
            parsed.other_rows += 1
            continue
        row_errors = []
        location = values.get("Location ID", "")
        problem = cqc_location_id_problem(location)
        if problem:
            row_errors.append(RowError(number, "Location ID", f"'{location}' is not a CQC location ID"))
        rating_text = values.get("Latest Rating", "").lower()
        if rating_text in NOT_RATED:
            parsed.not_rated += 1
            continue
        rating = RATINGS.get(rating_text)
        if rating is None:
            row_errors.append(
                RowError(number, "Latest Rating", f"'{values['Latest Rating']}' is not a CQC rating")
            )
        rated_on = _date(values.get("Publication Date", ""))
        if rated_on is None:
            row_errors.append(
                RowError(number, "Publication Date", f"'{values.get('Publication Date', '')}' is not a date")
            )
        elif rated_on > today:
            row_errors.append(RowError(number, "Publication Date", "The publication date is in the future"))
        if row_errors:
            parsed.errors.extend(row_errors)
            continue
        item = RatingRow(
            row=number,
            location_id=location,
            location_name=values.get("Location Name", ""),
            provider_name=values.get("Provider Name", ""),
            rating=rating,  # type: ignore[arg-type]
            rated_on=rated_on,  # type: ignore[arg-type]
        )
        earlier = seen.get(location)
        if earlier is not None and (earlier.rating, earlier.rated_on) != (item.rating, item.rated_on):
            parsed.errors.append(
                RowError(
                    number, "Location ID", f"{location} has a different overall rating on row {earlier.row}"
                )
            )
            continue
        if earlier is None:
            seen[location] = item
            parsed.ratings.append(item)
    if parsed.rows_read == 0:
        parsed.errors.append(RowError(1, "", "The file has a header but no rows"))
    return parsed
