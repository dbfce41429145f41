"""Fee setting: the annual uplift and the cost of care, as pure sums and the services around them.

Money is Decimal. Rounding is stated once: each published figure (a proposed rate, a cost component, an
annual cost) is rounded half up to the penny at the end of its own calculation, from unrounded inputs;
a total is the sum of the rounded figures shown above it, so every table adds up to the penny.
Percentages shown are rounded half up to two places.

The annual uplift (per rate card, current rate R):

    w   = Σ (share_i / 100) × (new_floor_i − old_floor_i) / old_floor_i      weighted wage-floor increase
    pay = w × (1 + pension% / 100)                           the pay increase with employer pension on it
    new = R × [ p × (1 + pay) + (1 − p) × (1 + cpi% / 100) ]       p = pay share of the rate / 100

So with every floor unchanged and 0% inflation the rate is unchanged, and with floors rising and
inflation ≥ 0 no rate falls. Its annual cost is the live package book's weekly hours (nights for
sleep-ins) × 52.14 weeks × (new − old rate).

The cost of care per contact hour (see `cost_of_care_breakdown` for each component).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from homecare.accounts.models import Organisation, User
from homecare.finance import selectors_fee_setting as selectors
from homecare.finance.models import (
    AgreedRate,
    CostOfCareModel,
    ReferencePrice,
    UpliftBand,
    UpliftScenario,
    UpliftStatus,
    WageFloor,
)
from homecare.platform.audit import delete_audited, save_audited
from homecare.providers import services as provider_services
from homecare.providers.models import Framework, FrameworkStatus, Lot, RateCard

PENNY = Decimal("0.01")
HUNDRED = Decimal(100)
WEEKS_A_YEAR = Decimal("52.14")  # 365.25 / 7, to two places: the weeks an annual cost is counted over
STATUTORY_LEAVE_WEEKS = Decimal("5.6")  # 28 days for a five-day week
WORKING_WEEKS = WEEKS_A_YEAR - STATUTORY_LEAVE_WEEKS  # 46.54: weeks a care worker is at work
CARE_TYPE_ORDER = {"day": 0, "waking_night": 1, "sleep_in": 2}
CARE_TYPE_LABELS = {"day": "Day care", "waking_night": "Waking night", "sleep_in": "Sleep-in"}
MAX_BANDS = 4
# New rates are dated within this century (a date near the calendar's ends would overflow the day before).
EARLIEST_RATE_DATE = dt.date(2000, 1, 1)
LATEST_RATE_DATE = dt.date(2099, 12, 31)


def to_penny(amount: Decimal) -> Decimal:
    return amount.quantize(PENNY, rounding=ROUND_HALF_UP)


def percent_change(old: Decimal, new: Decimal) -> Decimal:
    """(new − old) / old as a percentage, half up to two places; 0 when there was nothing before."""
    if old == 0:
        return Decimal("0.00")
    return ((new - old) / old * HUNDRED).quantize(PENNY, rounding=ROUND_HALF_UP)


# --- the annual uplift: pure sums -----------------------------------------------------------------


@dataclass(frozen=True)
class WageBand:
    """A band of the workforce mix: the share of care workers on a wage floor, its old and new amount."""

    name: str
    share_percent: Decimal
    old_hourly: Decimal
    new_hourly: Decimal


@dataclass(frozen=True)
class UpliftTerms:
    bands: tuple[WageBand, ...]
    pay_share_percent: Decimal
    non_pay_inflation_percent: Decimal
    pension_percent: Decimal

    @property
    def weighted_wage_increase(self) -> Decimal:
        """Σ share × (new − old) / old, as a fraction (0.05 is 5%), unrounded."""
        return sum(
            (b.share_percent / HUNDRED * (b.new_hourly - b.old_hourly) / b.old_hourly for b in self.bands),
            Decimal("0"),
        )

    @property
    def pay_increase(self) -> Decimal:
        """The weighted increase with the employer pension paid on it, as a fraction."""
        return self.weighted_wage_increase * (1 + self.pension_percent / HUNDRED)

    @property
    def rate_factor(self) -> Decimal:
        pay_share = self.pay_share_percent / HUNDRED
        return pay_share * (1 + self.pay_increase) + (1 - pay_share) * (
            1 + self.non_pay_inflation_percent / HUNDRED
        )

    @property
    def overall_percent(self) -> Decimal:
        """The uplift every rate gets before rounding to the penny, to two places."""
        return ((self.rate_factor - 1) * HUNDRED).quantize(PENNY, rounding=ROUND_HALF_UP)


def uplifted_rate(current: Decimal, terms: UpliftTerms) -> Decimal:
    """The proposed rate: the current rate × the uplift factor, rounded half up to the penny."""
    return to_penny(current * terms.rate_factor)


def workforce_mix_problem(shares: Sequence[Decimal]) -> str | None:
    """The workforce mix must name at least one band, each share above 0%, and total exactly 100%."""
    if not shares:
        return "Add at least one wage band to the workforce mix"
    if any(s <= 0 or s > 100 for s in shares):
        return "Each band's share of the workforce must be more than 0% and no more than 100%"
    total = sum(shares, Decimal("0"))
    if total != HUNDRED:
        return f"The workforce mix must total 100% (it totals {total.normalize():f}%)"
    return None


def validate_workforce_mix(shares: Sequence[Decimal]) -> None:
    problem = workforce_mix_problem(shares)
    if problem:
        raise ValidationError({"bands": problem})


def terms_of(scenario: UpliftScenario) -> UpliftTerms:
    return UpliftTerms(
        bands=tuple(
            WageBand(b.wage_floor_name, b.share_percent, b.old_hourly, b.new_hourly)
            for b in scenario.bands.all()
        ),
        pay_share_percent=scenario.pay_share_percent,
        non_pay_inflation_percent=scenario.non_pay_inflation_percent,
        pension_percent=scenario.pension_percent,
    )


# --- the annual uplift: reads over the framework and the package book ---------------------------


@dataclass(frozen=True)
class ProposalRow:
    lot: Lot
    area_type: str
    care_type: str
    current_card: RateCard
    current: Decimal
    proposed: Decimal
    change_percent: Decimal
    already_priced: bool  # a rate already starts on the scenario's date: agreeing would be refused

    @property
    def per(self) -> str:
        return "night" if self.care_type == "sleep_in" else "hour"

    @property
    def care_type_label(self) -> str:
        return CARE_TYPE_LABELS.get(self.care_type, self.care_type)


def uplift_proposal(scenario: UpliftScenario) -> list[ProposalRow]:
    """For each rate of the framework in force the day before the new rates start: the current rate, the
    proposed rate and the change. Rates that start later than that are not uplifted (none is in force)."""
    terms = terms_of(scenario)
    day_before = scenario.effective_from - dt.timedelta(days=1)
    taken = selectors.rate_dates_taken(framework=scenario.framework, on=scenario.effective_from)
    rows = []
    for card in selectors.rate_cards_in_force(framework=scenario.framework, on=day_before):
        proposed = uplifted_rate(card.amount, terms)
        rows.append(
            ProposalRow(
                lot=card.lot,
                area_type=card.area_type,
                care_type=card.care_type,
                current_card=card,
                current=card.amount,
                proposed=proposed,
                change_percent=percent_change(card.amount, proposed),
                already_priced=(card.lot_id, card.area_type, card.care_type) in taken,
            )
        )
    return sorted(
        rows, key=lambda r: (r.lot.service, r.lot.area_type, r.lot.pk, CARE_TYPE_ORDER[r.care_type])
    )


@dataclass(frozen=True)
class AnnualCostRow:
    area_type: str
    care_type: str
    weekly_units: Decimal  # hours, or nights for sleep-ins (council + NHS shares)
    current_rate: Decimal
    proposed_rate: Decimal
    annual_cost_now: Decimal
    council_increase: Decimal
    nhs_increase: Decimal
    packages: int

    @property
    def annual_increase(self) -> Decimal:
        return self.council_increase + self.nhs_increase

    @property
    def per(self) -> str:
        return "night" if self.care_type == "sleep_in" else "hour"

    @property
    def care_type_label(self) -> str:
        return CARE_TYPE_LABELS.get(self.care_type, self.care_type)


@dataclass(frozen=True)
class AnnualCost:
    on: dt.date
    packages: int
    rows: list[AnnualCostRow]
    unpriced: list[tuple[str, str, Decimal]]  # (area type, care type, weekly units) with no rate to uplift

    @property
    def annual_cost_now(self) -> Decimal:
        return sum((r.annual_cost_now for r in self.rows), Decimal("0"))

    @property
    def council_increase(self) -> Decimal:
        return sum((r.council_increase for r in self.rows), Decimal("0"))

    @property
    def nhs_increase(self) -> Decimal:
        return sum((r.nhs_increase for r in self.rows), Decimal("0"))

    @property
    def annual_increase(self) -> Decimal:
        return self.council_increase + self.nhs_increase

    @property
    def increase_percent(self) -> Decimal:
        return percent_change(self.annual_cost_now, self.annual_cost_now + self.annual_increase)


def annual_cost_row(
    *, area_type: str, care_type: str, units: selectors.BookUnits, current: Decimal, proposed: Decimal
) -> AnnualCostRow:
    """Weekly units × 52.14 × (new − old rate), for each payer, each rounded half up to the penny."""
    difference = proposed - current
    return AnnualCostRow(
        area_type=area_type,
        care_type=care_type,
        weekly_units=units.total,
        current_rate=current,
        proposed_rate=proposed,
        annual_cost_now=to_penny(units.total * WEEKS_A_YEAR * current),
        council_increase=to_penny(units.council * WEEKS_A_YEAR * difference),
        nhs_increase=to_penny(units.nhs * WEEKS_A_YEAR * difference),
        packages=units.packages,
    )


def uplift_annual_cost(scenario: UpliftScenario, *, on: dt.date | None = None) -> AnnualCost:
    """The full-year cost of the uplift on the council's live package book (today's, unless `on`).

    Simplification, stated: the whole active book is priced on this framework's homecare lot for the
    person's area type (as brokerage and call monitoring price packages); care with no rate on that lot
    is listed as unpriced rather than guessed.
    """
    on = on or timezone.localdate()
    book = selectors.package_book(council=scenario.council, on=on)
    lots = selectors.homecare_lots(framework=scenario.framework)
    proposals = {
        (r.lot.pk, r.area_type, r.care_type): r
        for r in uplift_proposal(scenario)
        if r.lot.service == "homecare"
    }
    rows, unpriced = [], []
    for (area_type, care_type), units in sorted(
        book.units.items(), key=lambda item: (item[0][0], CARE_TYPE_ORDER.get(item[0][1], 9))
    ):
        lot = lots.get(area_type)
        row = proposals.get((lot.pk, area_type, care_type)) if lot else None
        if row is None:
            unpriced.append((area_type, care_type, units.total))
            continue
        rows.append(
            annual_cost_row(
                area_type=area_type,
                care_type=care_type,
                units=units,
                current=row.current,
                proposed=row.proposed,
            )
        )
    return AnnualCost(on=on, packages=book.packages, rows=rows, unpriced=unpriced)


# --- the annual uplift: writes ------------------------------------------------------------------


@dataclass(frozen=True)
class BandChoice:
    """A band as entered: which wage floor and the share of the workforce on it."""

    wage_floor_name: str
    share_percent: Decimal


def _long_date(day: dt.date) -> str:
    return f"{day:%-d %B %Y}"


def _scenario_bands(*, council: Organisation, effective_from: dt.date, bands: Sequence[BandChoice]):
    """Validated bands with their floors: the old floor is the one in force the day before the new rates
    start, the new floor the one in force on that day."""
    errors: dict[str, list[str]] = {}
    names = [b.wage_floor_name for b in bands]
    if len(set(names)) != len(names):
        errors.setdefault("bands", []).append("Choose each wage floor once")
    problem = workforce_mix_problem([b.share_percent for b in bands])
    if problem:
        errors.setdefault("bands", []).append(problem)
    priced = []
    day_before = effective_from - dt.timedelta(days=1)
    for band in bands:
        old = selectors.wage_floor_on(council=council, name=band.wage_floor_name, on=day_before)
        new = selectors.wage_floor_on(council=council, name=band.wage_floor_name, on=effective_from)
        if old is None:
            errors.setdefault("bands", []).append(
                f"There is no {band.wage_floor_name} rate in force on {_long_date(day_before)}: "
                f"add it under wage floors first"
            )
            continue
        priced.append((band, old.hourly_amount, new.hourly_amount if new else old.hourly_amount))
    if errors:
        raise ValidationError(errors)
    return priced


def _validate_scenario(*, council: Organisation, framework: Framework, name: str, fields: dict) -> None:
    errors: dict[str, str] = {}
    if not council.is_council:
        raise ValidationError("Only a council sets fees")
    if framework.council_id != council.pk:
        errors["framework"] = "Choose one of your council's frameworks"
    elif framework.status == FrameworkStatus.EXPIRED:
        errors["framework"] = "An expired framework cannot have new rates"
    if not name.strip():
        errors["name"] = "Enter a name for the scenario, like 2026-27 uplift"
    if not EARLIEST_RATE_DATE <= fields["effective_from"] <= LATEST_RATE_DATE:
        errors["effective_from"] = "Enter a date from 2000 to 2099"
    for field, low, high, label in (  # the database's checks, as messages
        ("pay_share_percent", 0, 100, "The pay share"),
        ("pension_percent", 0, 100, "The employer pension"),
        ("non_pay_inflation_percent", -100, 100, "Non-pay inflation"),
    ):
        value = fields[field]
        if value is None or value < low or value > high:
            errors[field] = f"{label} must be from {low}% to {high}%"
    if errors:
        raise ValidationError(errors)


def _write_bands(*, actor: User, scenario: UpliftScenario, priced) -> None:
    for old_band in list(scenario.bands.all()):
        delete_audited(old_band, actor=actor, reason="Workforce mix changed")
    for position, (band, old, new) in enumerate(priced, start=1):
        save_audited(
            UpliftBand(
                scenario=scenario,
                position=position,
                wage_floor_name=band.wage_floor_name,
                share_percent=band.share_percent,
                old_hourly=old,
                new_hourly=new,
            ),
            actor=actor,
        )


@transaction.atomic
def scenario_create(
    *,
    actor: User,
    council: Organisation,
    framework: Framework,
    name: str,
    effective_from: dt.date,
    bands: Sequence[BandChoice],
    pay_share_percent: Decimal = Decimal("60"),
    non_pay_inflation_percent: Decimal = Decimal("0"),
    pension_percent: Decimal = Decimal("3"),
    notes: str = "",
) -> UpliftScenario:
    """A draft uplift scenario. Guarantees: the framework is the council's and not expired, the workforce
    mix totals exactly 100%, and each band has a wage floor in force the day before the new rates start
    (copied onto the band with the floor from that day)."""
    fields = {
        "pay_share_percent": pay_share_percent,
        "non_pay_inflation_percent": non_pay_inflation_percent,
        "pension_percent": pension_percent,
    }
    _validate_scenario(
        council=council, framework=framework, name=name, fields=fields | {"effective_from": effective_from}
    )
    priced = _scenario_bands(council=council, effective_from=effective_from, bands=bands)
    scenario = UpliftScenario(
        council=council,
        framework=framework,
        name=name.strip(),
        effective_from=effective_from,
        notes=notes.strip(),
        created_by=actor,
        **fields,
    )
    save_audited(scenario, actor=actor, reason="Scenario drafted")
    _write_bands(actor=actor, scenario=scenario, priced=priced)
    return scenario


@transaction.atomic
def scenario_update(
    *,
    actor: User,
    scenario: UpliftScenario,
    framework: Framework,
    name: str,
    effective_from: dt.date,
    bands: Sequence[BandChoice],
    pay_share_percent: Decimal,
    non_pay_inflation_percent: Decimal,
    pension_percent: Decimal,
    notes: str = "",
) -> UpliftScenario:
    """Change a draft scenario (the same guarantees as scenario_create); an agreed one is never changed."""
    scenario = UpliftScenario.objects.select_for_update().get(pk=scenario.pk)
    if scenario.status != UpliftStatus.DRAFT:
        raise ValidationError("An agreed scenario is never changed: draft a new one")
    fields = {
        "pay_share_percent": pay_share_percent,
        "non_pay_inflation_percent": non_pay_inflation_percent,
        "pension_percent": pension_percent,
    }
    _validate_scenario(
        council=scenario.council,
        framework=framework,
        name=name,
        fields=fields | {"effective_from": effective_from},
    )
    priced = _scenario_bands(council=scenario.council, effective_from=effective_from, bands=bands)
    scenario.framework = framework
    scenario.name = name.strip()
    scenario.effective_from = effective_from
    scenario.notes = notes.strip()
    for field, value in fields.items():
        setattr(scenario, field, value)
    save_audited(scenario, actor=actor, reason="Scenario changed")
    _write_bands(actor=actor, scenario=scenario, priced=priced)
    return scenario


@transaction.atomic
def scenario_agree(*, actor: User, scenario: UpliftScenario, add_rate_cards: bool = True) -> list[RateCard]:
    """Agree a draft scenario; with `add_rate_cards`, add each proposed rate as a new rate card from the
    scenario's date through the providers service (append-only: the old rates stay, in force until then),
    keeping each card's weekend and bank holiday enhancements, with the reason "Annual uplift <year>".

    All or nothing: if any rate cannot be added (a rate already starts that day, the framework expired)
    nothing is agreed. The row lock makes a second, simultaneous agreement wait and then be refused.
    """
    scenario = UpliftScenario.objects.select_for_update().select_related("framework").get(pk=scenario.pk)
    if scenario.status != UpliftStatus.DRAFT:
        raise ValidationError("This scenario has already been agreed")
    rows = uplift_proposal(scenario)
    if add_rate_cards and not rows:
        raise ValidationError(
            f"{scenario.framework.name} has no rates in force on "
            f"{_long_date(scenario.effective_from - dt.timedelta(days=1))} to uplift"
        )
    cards = []
    if add_rate_cards:
        reason = f"Annual uplift {scenario.effective_from.year} ({scenario.name})"
        for row in rows:
            card = provider_services.rate_card_add(
                actor=actor,
                lot=row.lot,
                care_type=row.care_type,
                amount=row.proposed,
                effective_from=scenario.effective_from,
                weekend_enhancement_percent=row.current_card.weekend_enhancement_percent,
                bank_holiday_enhancement_percent=row.current_card.bank_holiday_enhancement_percent,
                reason=reason,
                area_type=row.area_type,
            )
            AgreedRate.objects.create(scenario=scenario, rate_card=card, previous_rate_card=row.current_card)
            cards.append(card)
    scenario.status = UpliftStatus.AGREED
    scenario.agreed_by = actor
    scenario.agreed_at = timezone.now()
    save_audited(scenario, actor=actor, reason="Scenario agreed")
    return cards


# --- the cost of care: pure sums ------------------------------------------------------------------


@dataclass(frozen=True)
class CostDrivers:
    """The inputs of a cost-of-care model (a CostOfCareModel has the same attributes)."""

    care_worker_hourly_pay: Decimal
    average_visit_minutes: int
    travel_minutes_per_visit: Decimal
    miles_per_contact_hour: Decimal
    pence_per_mile: Decimal
    contact_hours_per_worker_week: Decimal
    training_hours_per_worker_year: Decimal
    supervision_hours_per_worker_year: Decimal
    holiday_pay_percent: Decimal = Decimal("12.07")
    employer_ni_percent: Decimal = Decimal("15")
    ni_threshold_annual: Decimal = Decimal("5000")
    pension_percent: Decimal = Decimal("3")
    pension_lower_limit_annual: Decimal = Decimal("6240")
    back_office_percent: Decimal = Decimal("30")
    surplus_percent: Decimal = Decimal("3")


DRIVER_FIELDS = tuple(CostDrivers.__dataclass_fields__)


@dataclass(frozen=True)
class CostLine:
    key: str
    label: str
    amount: Decimal  # £ per contact hour, half up to the penny
    how: str  # the sum, in words
    direct: bool  # a direct care cost (before back office and surplus)


@dataclass(frozen=True)
class CostBreakdown:
    lines: tuple[CostLine, ...]
    paid_hours_per_contact_hour: Decimal  # unrounded

    @property
    def total(self) -> Decimal:
        """The sum of the rounded lines: the published total always equals the table's lines."""
        return sum((line.amount for line in self.lines), Decimal("0"))

    @property
    def direct_total(self) -> Decimal:
        return sum((line.amount for line in self.lines if line.direct), Decimal("0"))

    def as_pairs(self) -> list[tuple[str, Decimal]]:
        return [(line.label, line.amount) for line in self.lines]


def _figure(value) -> str:
    """A driver as people write it: 15 not 15.00, 5,000 not 5000.00."""
    value = Decimal(value)
    return f"{int(value):,}" if value == value.to_integral_value() else f"{value.normalize():f}"


def cost_of_care_breakdown(model) -> CostBreakdown:
    """£ per contact hour, component by component, for a CostOfCareModel or CostDrivers.

    Paid hours per contact hour: 1 + travel minutes / visit minutes + (training + supervision hours a
    year) / (contact hours a week × 46.54 working weeks).
      1 Contact time          pay × 1
      2 Travel time           pay × travel minutes / visit minutes
      3 Training, supervision pay × (training + supervision) / annual contact hours
      4 Holiday pay           (1 + 2 + 3) × holiday %  (12.07% for 5.6 weeks)
      5 Employer NI           max(0, gross − NI threshold / annual contact hours) × NI %
      6 Employer pension      max(0, gross − pension lower limit / annual contact hours) × pension %
      7 Mileage               miles per contact hour × pence a mile / 100
      8 Back office, running  (1 … 7) × back office %
      9 Surplus               (1 … 8) × surplus %
    where gross = 1 + 2 + 3 + 4 and annual contact hours = contact hours a week × 46.54.

    Simplification, stated: the NI secondary threshold and the pension lower limit are annual; they are
    spread evenly over a care worker's annual contact hours, as if every worker worked the model's hours.
    The Employment Allowance (an employer's annual relief, not a cost per hour), sick pay and the pension
    earnings trigger are left out. Each line is rounded half up to the penny from unrounded sums, and the
    total is the sum of the lines shown.
    """
    pay = Decimal(model.care_worker_hourly_pay)
    annual_contact_hours = Decimal(model.contact_hours_per_worker_week) * WORKING_WEEKS
    travel_hours = Decimal(model.travel_minutes_per_visit) / Decimal(model.average_visit_minutes)
    non_contact_hours = (
        Decimal(model.training_hours_per_worker_year) + Decimal(model.supervision_hours_per_worker_year)
    ) / annual_contact_hours
    contact = pay
    travel = pay * travel_hours
    training = pay * non_contact_hours
    basic = contact + travel + training
    holiday = basic * Decimal(model.holiday_pay_percent) / HUNDRED
    gross = basic + holiday
    ni = max(Decimal("0"), gross - Decimal(model.ni_threshold_annual) / annual_contact_hours) * (
        Decimal(model.employer_ni_percent) / HUNDRED
    )
    pension = max(Decimal("0"), gross - Decimal(model.pension_lower_limit_annual) / annual_contact_hours) * (
        Decimal(model.pension_percent) / HUNDRED
    )
    mileage = Decimal(model.miles_per_contact_hour) * Decimal(model.pence_per_mile) / HUNDRED
    direct = gross + ni + pension + mileage
    back_office = direct * Decimal(model.back_office_percent) / HUNDRED
    surplus = (direct + back_office) * Decimal(model.surplus_percent) / HUNDRED
    lines = (
        CostLine(
            "contact", "Care worker pay for contact time", to_penny(contact), "Hourly pay × 1 hour", True
        ),
        CostLine(
            "travel",
            "Pay for travel time",
            to_penny(travel),
            f"Hourly pay × {_figure(model.travel_minutes_per_visit)} ÷ {model.average_visit_minutes} minutes",
            True,
        ),
        CostLine(
            "training",
            "Pay for training and supervision time",
            to_penny(training),
            "Hourly pay × (training + supervision hours) ÷ annual contact hours",
            True,
        ),
        CostLine(
            "holiday",
            "Holiday pay",
            to_penny(holiday),
            f"{_figure(model.holiday_pay_percent)}% of the pay above",
            True,
        ),
        CostLine(
            "ni",
            "Employer National Insurance",
            to_penny(ni),
            f"{_figure(model.employer_ni_percent)}% of pay above the "
            f"£{_figure(model.ni_threshold_annual)} threshold",
            True,
        ),
        CostLine(
            "pension",
            "Employer pension",
            to_penny(pension),
            f"{_figure(model.pension_percent)}% of qualifying earnings above "
            f"£{_figure(model.pension_lower_limit_annual)}",
            True,
        ),
        CostLine(
            "mileage",
            "Mileage",
            to_penny(mileage),
            f"{_figure(model.miles_per_contact_hour)} miles × {_figure(model.pence_per_mile)}p",
            True,
        ),
        CostLine(
            "back_office",
            "Back office and running costs",
            to_penny(back_office),
            f"{_figure(model.back_office_percent)}% of direct care costs",
            False,
        ),
        CostLine(
            "surplus", "Surplus", to_penny(surplus), f"{_figure(model.surplus_percent)}% of all costs", False
        ),
    )
    return CostBreakdown(lines=lines, paid_hours_per_contact_hour=1 + travel_hours + non_contact_hours)


@dataclass(frozen=True)
class ComparisonRow:
    label: str
    kind: str  # "model" | "council" | "reference"
    amount: Decimal
    difference: Decimal  # amount − the model's cost (negative: below the cost of care)
    difference_percent: Decimal

    @property
    def difference_size(self) -> Decimal:
        return abs(self.difference)


def compare(
    *,
    cost: Decimal,
    council_rates: Iterable[tuple[str, Decimal]],
    reference_prices: Iterable[tuple[str, Decimal]],
    model_label: str = "This model's cost of care",
) -> list[ComparisonRow]:
    """The model's cost first, then each council rate and each reference price against it."""
    rows = [ComparisonRow(model_label, "model", cost, Decimal("0.00"), Decimal("0.00"))]
    for kind, pairs in (("council", council_rates), ("reference", reference_prices)):
        for label, amount in pairs:
            rows.append(ComparisonRow(label, kind, amount, amount - cost, percent_change(cost, amount)))
    return rows


def cost_model_comparison(model: CostOfCareModel, *, on: dt.date | None = None) -> list[ComparisonRow]:
    """The model against the council's day rates in force for its area type on its live frameworks, and
    the latest reference price of each source and area."""
    on = on or timezone.localdate()
    council_rates = [
        (f"Council day rate: {card.framework.name} ({card.get_area_type_display().lower()})", card.amount)
        for card in selectors.council_day_rates(council=model.council, area_type=model.area_type, on=on)
    ]
    references = [
        (f"{p.source} {p.year}" + (f" ({p.area_note})" if p.area_note else ""), p.amount)
        for p in selectors.latest_reference_prices(council=model.council)
    ]
    return compare(
        cost=cost_of_care_breakdown(model).total, council_rates=council_rates, reference_prices=references
    )


# --- the cost of care: writes ---------------------------------------------------------------------

# (low, high) for each driver, in the units of the field; the form uses the same bounds.
DRIVER_BOUNDS: dict[str, tuple[Decimal, Decimal]] = {
    "care_worker_hourly_pay": (Decimal("1"), Decimal("100")),
    "average_visit_minutes": (Decimal("15"), Decimal("720")),
    "travel_minutes_per_visit": (Decimal("0"), Decimal("240")),
    "miles_per_contact_hour": (Decimal("0"), Decimal("200")),
    "pence_per_mile": (Decimal("0"), Decimal("200")),
    "contact_hours_per_worker_week": (Decimal("1"), Decimal("80")),
    "training_hours_per_worker_year": (Decimal("0"), Decimal("1000")),
    "supervision_hours_per_worker_year": (Decimal("0"), Decimal("1000")),
    "holiday_pay_percent": (Decimal("0"), Decimal("50")),
    "employer_ni_percent": (Decimal("0"), Decimal("50")),
    "ni_threshold_annual": (Decimal("0"), Decimal("100000")),
    "pension_percent": (Decimal("0"), Decimal("50")),
    "pension_lower_limit_annual": (Decimal("0"), Decimal("100000")),
    "back_office_percent": (Decimal("0"), Decimal("200")),
    "surplus_percent": (Decimal("0"), Decimal("50")),
}


def _validate_cost_model(*, name: str, area_type: str, drivers: dict) -> None:
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = "Enter a name for the model, like Urban 2026-27"
    if area_type not in ("urban", "rural"):
        errors["area_type"] = "Choose urban or rural"
    for field, (low, high) in DRIVER_BOUNDS.items():
        value = drivers.get(field)
        if value is None or Decimal(value) < low or Decimal(value) > high:
            errors[field] = f"Enter a number from {low.normalize():f} to {high.normalize():f}"
    if errors:
        raise ValidationError(errors)


def _drivers_with_defaults(drivers: dict) -> dict:
    """Every driver, a missing one at the model's default (the published rates from April 2026)."""
    unknown = set(drivers) - set(DRIVER_FIELDS)
    if unknown:
        raise TypeError(f"Not cost-of-care drivers: {sorted(unknown)}")
    return {
        name: drivers[name] if name in drivers else CostOfCareModel._meta.get_field(name).get_default()
        for name in DRIVER_FIELDS
    }


@transaction.atomic
def cost_model_create(
    *, actor: User, council: Organisation, name: str, area_type: str, notes: str = "", **drivers
) -> CostOfCareModel:
    """A cost-of-care model for one area type; every driver within its stated bounds (a driver not given
    takes the model's default)."""
    if not council.is_council:
        raise ValidationError("Only a council sets fees")
    drivers = _drivers_with_defaults(drivers)
    _validate_cost_model(name=name, area_type=area_type, drivers=drivers)
    model = CostOfCareModel(
        council=council,
        name=name.strip(),
        area_type=area_type,
        notes=notes.strip(),
        created_by=actor,
        **drivers,
    )
    save_audited(model, actor=actor, reason="Model created")
    return model


@transaction.atomic
def cost_model_update(
    *, actor: User, model: CostOfCareModel, name: str, area_type: str, notes: str = "", **drivers
) -> CostOfCareModel:
    """Change a model's inputs; each change is kept in its history with who and when."""
    drivers = {name: drivers.get(name, getattr(model, name)) for name in _drivers_with_defaults(drivers)}
    _validate_cost_model(name=name, area_type=area_type, drivers=drivers)
    model.name, model.area_type, model.notes = name.strip(), area_type, notes.strip()
    for field, value in drivers.items():
        setattr(model, field, value)
    save_audited(model, actor=actor, reason="Model changed")
    return model


# --- reference data -------------------------------------------------------------------------------


def _year_problem(year: str) -> str | None:
    if len(year) != 7 or year[4] != "-" or not (year[:4].isdigit() and year[5:].isdigit()):
        return "Enter the financial year like 2025-26"
    if int(year[5:]) != (int(year[:4]) + 1) % 100:
        return "The second year must follow the first, like 2025-26"
    return None


@transaction.atomic
def wage_floor_add(
    *,
    actor: User | None,
    council: Organisation,
    name: str,
    hourly_amount: Decimal,
    effective_from: dt.date,
    source_url: str = "",
) -> WageFloor:
    """Add a wage floor from a date. Never edited: a second entry for the same floor and date is a
    correction, and the latest entry wins."""
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = "Enter the wage band, like National Living Wage 21+"
    if hourly_amount is None or hourly_amount <= 0 or hourly_amount > 100:
        errors["hourly_amount"] = "Enter an hourly amount more than £0 and no more than £100"
    elif hourly_amount != to_penny(hourly_amount):
        errors["hourly_amount"] = "Enter an amount in pounds and pence, like 12.71"
    if errors:
        raise ValidationError(errors)
    return WageFloor.objects.create(
        council=council,
        name=name.strip(),
        hourly_amount=hourly_amount,
        effective_from=effective_from,
        source_url=source_url.strip(),
        created_by=actor,
    )


@transaction.atomic
def reference_price_add(
    *,
    actor: User | None,
    council: Organisation,
    source: str,
    year: str,
    amount: Decimal,
    url: str,
    area_note: str = "",
    note: str = "",
) -> ReferencePrice:
    """Add a published price per contact hour. Never edited: a correction is a new entry for the same
    source, year and area, and the latest entry wins."""
    errors: dict[str, str] = {}
    if not source.strip():
        errors["source"] = "Enter who publishes the price, like Homecare Association Minimum Price"
    problem = _year_problem(year.strip())
    if problem:
        errors["year"] = problem
    if amount is None or amount <= 0 or amount > 1000:
        errors["amount"] = "Enter a price more than £0 and no more than £1,000"
    elif amount != to_penny(amount):
        errors["amount"] = "Enter an amount in pounds and pence, like 32.14"
    if not url.strip():
        errors["url"] = "Enter the web address the price is published at"
    if errors:
        raise ValidationError(errors)
    return ReferencePrice.objects.create(
        council=council,
        source=source.strip(),
        year=year.strip(),
        amount=amount,
        url=url.strip(),
        area_note=area_note.strip(),
        note=note.strip(),
        created_by=actor,
    )


NMW_URL = "https://www.gov.uk/national-minimum-wage-rates"
_HCA = "https://www.homecareassociation.org.uk/resource/"
HCA_2022 = _HCA + "homecare-association-minimum-price-for-homecare-2022-2023.html"
HCA_2024 = _HCA + "homecare-association-publishes-minimum-price-for-homecare-2024-25.html"
HCA_2025 = (
    "https://homecareassociation.org.uk/resource/the-homecare-association-releases-its-minimum-price-for-"
    "homecare-2025-26.html"
)
HCA_REPORTS = "https://www.homecareassociation.org.uk/about-us/research-and-reports.html"
HCA_FEE_RATES_2025 = _HCA + "fee-rates-for-state-funded-homecare-in-2025-26.html"
HCA_PRICE = "Homecare Association Minimum Price"
HCA_BAND_3 = "Homecare Association price at NHS Band 3 pay"
COUNCIL_FEE = "Average council fee"
NOT_CONFIRMED = (
    "Assumes NLW £12.71 and the sick pay changes. Not confirmed from the Homecare Association's own page: "
    "check it before relying on it"
)

# Published figures (shared/reference/standards.md, sections 3 and 4): (name, from, £ an hour).
SEED_WAGE_FLOORS = (
    ("National Living Wage 21+", "2023-04-01", "10.42"),  # the NLW the HCA's 2023-24 price assumes
    ("National Living Wage 21+", "2024-04-01", "11.44"),
    ("National Living Wage 21+", "2025-04-01", "12.21"),
    ("National Living Wage 21+", "2026-04-01", "12.71"),
    ("National Minimum Wage 18-20", "2024-04-01", "8.60"),
    ("National Minimum Wage 18-20", "2025-04-01", "10.00"),
    ("National Minimum Wage 18-20", "2026-04-01", "10.85"),
    ("National Minimum Wage under 18", "2024-04-01", "6.40"),
    ("National Minimum Wage under 18", "2025-04-01", "7.55"),
    ("National Minimum Wage under 18", "2026-04-01", "8.00"),
    ("Apprentice rate", "2024-04-01", "6.40"),
    ("Apprentice rate", "2025-04-01", "7.55"),
    ("Apprentice rate", "2026-04-01", "8.00"),
)
# (source, year, £ per contact hour, area, published at, note)
SEED_REFERENCE_PRICES = (
    (HCA_PRICE, "2022-23", "23.20", "England", HCA_2022, ""),
    (HCA_PRICE, "2023-24", "25.95", "England", HCA_REPORTS, "Assumes NLW £10.42"),
    (HCA_PRICE, "2024-25", "28.53", "England", HCA_2024, "Assumes NLW £11.44"),
    (HCA_PRICE, "2025-26", "32.14", "England", HCA_2025, "Assumes NLW £12.21 and employer NI at 15%"),
    (HCA_PRICE, "2026-27", "34.42", "England", HCA_REPORTS, NOT_CONFIRMED),
    (HCA_BAND_3, "2024-25", "30.31", "England", HCA_2024, ""),
    (HCA_BAND_3, "2024-25", "34.34", "Outer London", HCA_2024, ""),
    (HCA_BAND_3, "2025-26", "33.87", "England", HCA_2025, ""),
    (HCA_BAND_3, "2025-26", "38.32", "Outer London", HCA_2025, ""),
    (COUNCIL_FEE, "2024-25", "23.26", "England", HCA_FEE_RATES_2025, "Reported by caring-times.co.uk"),
    (COUNCIL_FEE, "2025-26", "24.10", "England", HCA_FEE_RATES_2025, "Reported by caring-times.co.uk"),
)


@transaction.atomic
def seed_reference_data(*, council: Organisation) -> int:
    """Give a council the published wage floors and reference prices (idempotent: figures it already has
    are left alone). Returns how many rows were added. The demo and new councils call it."""
    added = 0
    for name, day, amount in SEED_WAGE_FLOORS:
        effective_from = dt.date.fromisoformat(day)
        if not selectors.wage_floor_exists(council=council, name=name, effective_from=effective_from):
            wage_floor_add(
                actor=None,
                council=council,
                name=name,
                hourly_amount=Decimal(amount),
                effective_from=effective_from,
                source_url=NMW_URL,
            )
            added += 1
    for source, year, amount, area, url, note in SEED_REFERENCE_PRICES:
        if not selectors.reference_price_exists(council=council, source=source, year=year, area_note=area):
            reference_price_add(
                actor=None,
                council=council,
                source=source,
                year=year,
                amount=Decimal(amount),
                url=url,
                area_note=area,
                note=note,
            )
            added += 1
    return added
