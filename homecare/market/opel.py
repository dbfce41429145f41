"""OPEL 1 (low) to 4 (high) for a provider and for the market, from rules a commissioner can read and adjust.

No national adult-social-care OPEL framework exists (reference/standards.md §6), so the council sets its
own: each rule says "this measure past this threshold means at least this OPEL level". A provider's (or
the market's) score is the highest level any active rule reaches, 1 when none does, and every rule that
fired is given as a reason in words. Each measure has a fixed direction (staff availability and PPE stock
are worse when lower; missed visits, vacancies, outbreaks are worse when higher), and each rule is
"worse than the threshold", so worse figures can never give a better score, whatever the thresholds
(the property tests check this). Values are rounded to one decimal place (half up) before comparing, so
the reason shows the figure the rule saw.

Pure Python: no database. `selectors`/`oversight` turn sitreps into `ProviderSituation`s.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

BELOW = "below"
AT_OR_ABOVE = "at_or_above"
PROVIDER = "provider"
MARKET = "market"
LEVELS = (2, 3, 4)
ONE_DP = Decimal("0.1")
OUTBREAK_LEVELS = {"none": 0, "suspected": 1, "confirmed": 2}
OUTBREAK_WORDS = {0: "no outbreak", 1: "a suspected outbreak", 2: "a confirmed outbreak"}
LEVEL_WORDS = {
    1: "OPEL 1: able to maintain flow and meet anticipated demand within available resources",
    2: "OPEL 2: starting to show signs of pressure; focused actions needed",
    3: "OPEL 3: major pressures compromising flow, and pressure continues to increase",
    4: "OPEL 4: unable to deliver comprehensive care; safety may be compromised",
}


@dataclass(frozen=True)
class Measure:
    key: str
    scope: str  # PROVIDER or MARKET
    label: str
    direction: str  # BELOW: lower is worse; AT_OR_ABOVE: higher is worse
    kind: str  # "percent", "days", "outbreak" or "flag"
    explanation: str


MEASURES: tuple[Measure, ...] = (
    Measure(
        "staff_availability",
        PROVIDER,
        "Staff availability",
        BELOW,
        "percent",
        "Care staff in post who are not absent, as a % of staff in post",
    ),
    Measure("ppe_days", PROVIDER, "PPE stock", BELOW, "days", "Days of PPE stock in hand"),
    Measure("outbreak", PROVIDER, "Outbreak", AT_OR_ABOVE, "outbreak", "Suspected or confirmed outbreak"),
    Measure(
        "not_taking_packages",
        PROVIDER,
        "Not able to take new packages",
        AT_OR_ABOVE,
        "flag",
        "The provider says it cannot take new packages",
    ),
    Measure(
        "missed_visits",
        PROVIDER,
        "Missed visits",
        AT_OR_ABOVE,
        "percent",
        "Missed visits as a % of visits due in the week before the sitrep (call monitoring)",
    ),
    Measure(
        "vacancy_rate",
        PROVIDER,
        "Vacancy rate",
        AT_OR_ABOVE,
        "percent",
        "Vacancies as a % of staff in post plus vacancies",
    ),
    Measure(
        "bcp_age",
        PROVIDER,
        "Business continuity plan age",
        AT_OR_ABOVE,
        "days",
        "Days since the business continuity plan was last reviewed",
    ),
    Measure(
        "market_staff_availability",
        MARKET,
        "Market staff availability",
        BELOW,
        "percent",
        "Staff availability across all reporting providers",
    ),
    Measure(
        "providers_opel_3_plus",
        MARKET,
        "Providers at OPEL 3 or 4",
        AT_OR_ABOVE,
        "percent",
        "Reporting providers at OPEL 3 or 4, as a %",
    ),
    Measure(
        "providers_not_taking_packages",
        MARKET,
        "Providers not taking new packages",
        AT_OR_ABOVE,
        "percent",
        "Reporting providers not able to take new packages, as a %",
    ),
)
MEASURE_BY_KEY = {m.key: m for m in MEASURES}


@dataclass(frozen=True)
class Rule:
    """At least OPEL `level` when the measure is worse than `threshold` (below it, or at or above it)."""

    measure: str
    level: int
    threshold: Decimal
    active: bool = True

    @property
    def key(self) -> str:
        return f"{self.measure}_{self.level}"

    def fires(self, value: Decimal) -> bool:
        if MEASURE_BY_KEY[self.measure].direction == BELOW:
            return value < self.threshold
        return value >= self.threshold


def _rules(spec: Iterable[tuple[str, tuple[str, str, str], tuple[bool, bool, bool]]]) -> tuple[Rule, ...]:
    return tuple(
        Rule(measure, level, Decimal(threshold), active)
        for measure, thresholds, actives in spec
        for level, threshold, active in zip(LEVELS, thresholds, actives, strict=True)
    )


# A starting point the commissioner adjusts (every measure has a row for each of OPEL 2, 3 and 4).
DEFAULT_RULES: tuple[Rule, ...] = _rules(
    (
        ("staff_availability", ("90", "80", "70"), (True, True, True)),
        ("ppe_days", ("14", "7", "3"), (True, True, True)),
        ("outbreak", ("1", "2", "2"), (True, True, False)),
        ("not_taking_packages", ("1", "1", "1"), (True, False, False)),
        ("missed_visits", ("1", "3", "5"), (True, True, True)),
        ("vacancy_rate", ("10", "20", "30"), (True, True, False)),
        ("bcp_age", ("365", "730", "1095"), (True, False, False)),
        ("market_staff_availability", ("90", "85", "80"), (True, True, True)),
        ("providers_opel_3_plus", ("10", "25", "50"), (True, True, True)),
        ("providers_not_taking_packages", ("25", "50", "75"), (True, True, False)),
    )
)


@dataclass(frozen=True)
class Reason:
    measure: str
    level: int
    text: str


@dataclass(frozen=True)
class OpelScore:
    level: int
    reasons: tuple[Reason, ...]  # the rules that set the score, most severe first
    unknown: tuple[str, ...]  # measures that could not be judged, in words

    @property
    def description(self) -> str:
        return LEVEL_WORDS[self.level]


def percent(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
    """part / whole as a %, to one decimal place (half up); None when there is no whole."""
    if whole <= 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(ONE_DP, rounding=ROUND_HALF_UP)


def number(value: Decimal) -> str:
    """80 → "80", 82.50 → "82.5"."""
    return f"{value.normalize():f}"


def describe(measure: Measure, value: Decimal, rule: Rule) -> str:
    """The reason a rule fired, in a sentence."""
    opel = f"OPEL {rule.level}"
    if measure.kind == "flag":
        return f"{measure.label} ({opel})"
    if measure.kind == "outbreak":
        return (
            f"{OUTBREAK_WORDS[int(value)].capitalize()} "
            f"({opel} from {OUTBREAK_WORDS[int(rule.threshold)].removeprefix('a ')})"
        )
    unit = "%" if measure.kind == "percent" else " days"
    if measure.key == "bcp_age":
        return (
            f"Business continuity plan last reviewed {number(value)} days ago, "
            f"{number(rule.threshold)} days or more ({opel})"
        )
    comparison = "below" if measure.direction == BELOW else "at or above"
    return f"{measure.label}: {number(value)}{unit}, {comparison} {number(rule.threshold)}{unit} ({opel})"


def score(values: Mapping[str, Decimal | None], rules: Iterable[Rule], *, scope: str) -> OpelScore:
    """The OPEL level from the measures' values: the highest level of any active rule that fires (1 when
    none does), with one reason per measure (its most severe rule)."""
    by_measure: dict[str, list[Rule]] = defaultdict(list)
    for rule in rules:
        if rule.active:
            by_measure[rule.measure].append(rule)
    reasons: list[Reason] = []
    unknown: list[str] = []
    for measure in MEASURES:
        if measure.scope != scope or not by_measure.get(measure.key):
            continue
        value = values.get(measure.key)
        if value is None:
            unknown.append(f"{measure.label}: not known")
            continue
        fired = [r for r in by_measure[measure.key] if r.fires(value)]
        if fired:
            worst = max(fired, key=lambda r: r.level)
            reasons.append(Reason(measure.key, worst.level, describe(measure, value, worst)))
    reasons.sort(key=lambda r: -r.level)  # stable: measures keep their order within a level
    return OpelScore(max([1, *(r.level for r in reasons)]), tuple(reasons), tuple(unknown))


# --- providers ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProviderSituation:
    """What a sitrep says, in the terms the rules need."""

    staff_in_post: int
    staff_absent: int
    vacancies: int
    ppe_stock_days: int
    outbreak: str  # none, suspected or confirmed
    can_take_new_packages: bool
    visits_due: int
    visits_missed: int
    bcp_age_days: int | None

    @property
    def staff_available(self) -> int:
        return max(0, self.staff_in_post - self.staff_absent)


def provider_values(situation: ProviderSituation) -> dict[str, Decimal | None]:
    s = situation
    return {
        "staff_availability": percent(s.staff_available, s.staff_in_post),
        "ppe_days": Decimal(s.ppe_stock_days),
        "outbreak": Decimal(OUTBREAK_LEVELS[s.outbreak]),
        "not_taking_packages": Decimal(0 if s.can_take_new_packages else 1),
        "missed_visits": percent(s.visits_missed, s.visits_due),
        "vacancy_rate": percent(s.vacancies, s.staff_in_post + s.vacancies),
        "bcp_age": None if s.bcp_age_days is None else Decimal(max(0, s.bcp_age_days)),
    }


def provider_score(situation: ProviderSituation, rules: Iterable[Rule]) -> OpelScore:
    return score(provider_values(situation), rules, scope=PROVIDER)


# --- the market ---------------------------------------------------------------------------------------


def staff_availability(situations: Iterable[ProviderSituation]) -> Decimal | None:
    """Staff available as a % of staff in post, across providers (each provider weighted by its staff)."""
    situations = list(situations)
    return percent(sum(s.staff_available for s in situations), sum(s.staff_in_post for s in situations))


def market_values(
    situations: Sequence[ProviderSituation], levels: Sequence[int]
) -> dict[str, Decimal | None]:
    """Market measures from the reporting providers' situations and their OPEL levels (same order)."""
    n = len(situations)
    return {
        "market_staff_availability": staff_availability(situations),
        "providers_opel_3_plus": percent(sum(1 for level in levels if level >= 3), n),
        "providers_not_taking_packages": percent(
            sum(1 for s in situations if not s.can_take_new_packages), n
        ),
    }


def market_score(situations: Sequence[ProviderSituation], rules: Iterable[Rule]) -> OpelScore:
    rules = tuple(rules)
    levels = [provider_score(s, rules).level for s in situations]
    return score(market_values(situations, levels), rules, scope=MARKET)


def availability_against(value: Decimal | None, benchmark: Decimal | None) -> Decimal | None:
    """Percentage points above (+) or below (−) the regional benchmark."""
    if value is None or benchmark is None:
        return None
    return (value - benchmark).quantize(ONE_DP, rounding=ROUND_HALF_UP)


# --- the rules table ----------------------------------------------------------------------------------


def rule_errors(rules: Iterable[Rule]) -> dict[str, str]:
    """What is wrong with a rules table, keyed by `<measure>_<level>` ({} when sound): thresholds in range
    for their measure, and stricter (or equal) as the level rises."""
    errors: dict[str, str] = {}
    by_measure: dict[str, list[Rule]] = defaultdict(list)
    for rule in rules:
        measure = MEASURE_BY_KEY.get(rule.measure)
        if measure is None or rule.level not in LEVELS:
            errors[rule.key] = "Unknown rule"
            continue
        t = rule.threshold
        if measure.kind == "percent" and not Decimal(0) <= t <= Decimal(100):
            errors[rule.key] = f"{measure.label}: enter a percentage from 0 to 100"
        elif measure.kind == "days" and (t != t.to_integral_value() or not 0 <= t <= 3650):
            errors[rule.key] = f"{measure.label}: enter a whole number of days from 0 to 3650"
        elif measure.kind == "outbreak" and t not in (Decimal(1), Decimal(2)):
            errors[rule.key] = "Outbreak: choose suspected or confirmed"
        elif measure.kind == "flag" and t != Decimal(1):
            errors[rule.key] = f"{measure.label}: the threshold is always yes"
        else:
            by_measure[rule.measure].append(rule)
    for key, measure_rules in by_measure.items():
        measure = MEASURE_BY_KEY[key]
        active = sorted((r for r in measure_rules if r.active), key=lambda r: r.level)
        for lower, higher in zip(active, active[1:], strict=False):
            if measure.direction == BELOW and higher.threshold > lower.threshold:
                errors[higher.key] = (
                    f"{measure.label}: the OPEL {higher.level} threshold must not be higher than "
                    f"OPEL {lower.level}'s ({number(lower.threshold)})"
                )
            elif measure.direction == AT_OR_ABOVE and higher.threshold < lower.threshold:
                errors[higher.key] = (
                    f"{measure.label}: the OPEL {higher.level} threshold must not be lower than "
                    f"OPEL {lower.level}'s ({number(lower.threshold)})"
                )
    return errors
