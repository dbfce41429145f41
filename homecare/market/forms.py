"""Market oversight forms: validation of what was typed only (the services hold the rules)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms

from homecare.govuk_forms.forms import GovukDateField, GovukForm, GovukTimeField
from homecare.market import opel, schedule
from homecare.market.models import Frequency, OutbreakStatus
from homecare.market.services import MAX_COUNT, SitrepFigures

YES_NO = [("yes", "Yes"), ("no", "No")]
_CLASSES = (
    (forms.CheckboxInput, "govuk-checkboxes__input"),
    (forms.Select, "govuk-select"),
    (forms.TextInput, "govuk-input"),
    (forms.NumberInput, "govuk-input"),
)


def _styled(field: forms.Field) -> forms.Field:
    """The design system's class on a field added after the form was built (GovukForm styles the rest)."""
    css = next((c for cls, c in _CLASSES if isinstance(field.widget, cls)), "")
    existing = field.widget.attrs.get("class", "")
    if css and css not in existing.split():
        field.widget.attrs["class"] = f"{css} {existing}".strip()
    return field


def _count(label: str, help_text: str = "", required: bool = True) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        help_text=help_text,
        min_value=0,
        max_value=MAX_COUNT,
        required=required,
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-5", "inputmode": "numeric"}),
        error_messages={
            "required": f"Enter {label[0].lower() + label[1:]}",
            "invalid": "Enter a whole number, like 12",
            "min_value": "Enter 0 or more",
        },
    )


def _hours(label: str, help_text: str = "", required: bool = True) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        help_text=help_text,
        min_value=Decimal(0),
        max_digits=9,
        decimal_places=2,
        required=required,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-5", "inputmode": "decimal"}),
        error_messages={
            "required": f"Enter {label[0].lower() + label[1:]}",
            "invalid": "Enter a number of hours, like 37.5",
            "min_value": "Enter 0 or more",
            "max_decimal_places": "Enter hours to no more than 2 decimal places",
        },
    )


class SitrepForm(GovukForm):
    """A sitrep. Zones come from the council: one spare-hours box each (`zone_<id>`)."""

    people_supported = _count("People supported")
    hours_delivered = _hours("Hours delivered last week")
    staff_in_post = _count("Care staff in post", "Directly employed care staff (headcount)")
    absent_sickness = _count("Absent: sickness")
    absent_isolation = _count("Absent: isolating")
    absent_leave = _count("Absent: leave")
    absent_other = _count("Absent: other reasons")
    vacancies = _count("Vacant care posts")
    agency_staff = _count("Agency or bank care staff used", "Headcount this week")
    agency_hours = _hours("Hours worked by agency or bank staff", "Last week")
    staff_flu_vaccinated = _count("Staff vaccinated: seasonal flu", "Of care staff in post (optional)", False)
    staff_covid_vaccinated = _count("Staff vaccinated: COVID-19", "Of care staff in post (optional)", False)
    ppe_stock_days = _count("PPE stock, in days")
    outbreak_status = forms.ChoiceField(
        label="Outbreak status",
        choices=OutbreakStatus.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether there is an outbreak"},
    )
    bcp_reviewed_on = GovukDateField(
        label="Business continuity plan last reviewed on",
        error_messages={"required": "Enter the date the business continuity plan was last reviewed"},
    )
    can_take_new_packages = forms.ChoiceField(
        label="Able to take new packages?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether you can take new packages"},
    )
    slot = forms.CharField(widget=forms.HiddenInput, required=False)
    notes = forms.CharField(
        label="Anything else the council should know", required=False, widget=forms.Textarea
    )

    def __init__(self, *args, zones=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.zone_fields = []
        for zone in zones:
            name = f"zone_{zone.pk}"
            self.fields[name] = _styled(
                _hours(f"Spare hours a week: {zone.name}", "Leave blank for none", False)
            )
            self.zone_fields.append(name)

    def clean_slot(self) -> dt.datetime | None:
        raw = self.cleaned_data.get("slot", "")
        if not raw:
            return None
        try:
            moment = dt.datetime.fromisoformat(raw)
        except ValueError:
            raise forms.ValidationError("Start the sitrep again from your sitreps page") from None
        if moment.tzinfo is None:
            raise forms.ValidationError("Start the sitrep again from your sitreps page")
        return moment

    def zone_bound_fields(self):
        return [self[name] for name in self.zone_fields]

    def clean_bcp_reviewed_on(self):
        value = self.cleaned_data["bcp_reviewed_on"]
        if value and value.year < 1990:
            raise forms.ValidationError("Enter a real review date, like 14 3 2026")
        return value

    def figures(self) -> SitrepFigures:
        data = self.cleaned_data
        return SitrepFigures(
            staff_in_post=data["staff_in_post"],
            absent_sickness=data["absent_sickness"],
            absent_isolation=data["absent_isolation"],
            absent_leave=data["absent_leave"],
            absent_other=data["absent_other"],
            vacancies=data["vacancies"],
            agency_staff=data["agency_staff"],
            agency_hours=data["agency_hours"],
            ppe_stock_days=data["ppe_stock_days"],
            outbreak_status=data["outbreak_status"],
            bcp_reviewed_on=data["bcp_reviewed_on"],
            can_take_new_packages=data["can_take_new_packages"] == "yes",
            people_supported=data["people_supported"],
            hours_delivered=data["hours_delivered"],
            staff_flu_vaccinated=data.get("staff_flu_vaccinated"),
            staff_covid_vaccinated=data.get("staff_covid_vaccinated"),
            notes=data.get("notes", "").strip(),
            spare_hours={
                int(name.removeprefix("zone_")): data[name]
                for name in self.zone_fields
                if data.get(name) is not None
            },
        )


class AmendForm(SitrepForm):
    slot = None  # an amendment names its sitrep in the address
    reason = forms.CharField(
        label="Why are you amending this sitrep?",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say why you are amending the sitrep"},
    )


def initial_from(sitrep) -> dict:
    """A form's starting values from a stored sitrep (to amend it, or to pre-fill the next one)."""
    initial = {
        name: getattr(sitrep, name)
        for name in SitrepForm.base_fields
        if name not in ("can_take_new_packages",) and hasattr(sitrep, name)
    }
    initial["can_take_new_packages"] = "yes" if sitrep.can_take_new_packages else "no"
    for row in sitrep.zone_capacity.all():
        initial[f"zone_{row.zone_id}"] = row.spare_hours
    return initial


class ScheduleForm(GovukForm):
    frequency = forms.ChoiceField(
        label="How often are sitreps due?",
        choices=Frequency.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose weekly or twice weekly"},
    )
    first_weekday = forms.TypedChoiceField(
        label="Due day", choices=list(enumerate(schedule.WEEKDAY_NAMES)), coerce=int
    )
    second_weekday = forms.TypedChoiceField(
        label="Second due day (twice weekly only)",
        choices=[("", "None"), *enumerate(schedule.WEEKDAY_NAMES)],
        coerce=int,
        empty_value=None,
        required=False,
    )
    due_time = GovukTimeField(label="Due time", help_text="On the UK clock, like 12:00")
    reminder_hours = forms.IntegerField(
        label="Remind providers this many hours before",
        min_value=1,
        max_value=schedule.MAX_REMINDER_HOURS,
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-3"}),
    )
    reason = forms.CharField(
        label="Why is the schedule changing?",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say why the schedule is changing (for example, winter surge)"},
    )

    def weekdays(self) -> list[int]:
        days = [self.cleaned_data["first_weekday"]]
        if self.cleaned_data.get("second_weekday") is not None:
            days.append(self.cleaned_data["second_weekday"])
        return days


OUTBREAK_THRESHOLDS = [("1", "Suspected or confirmed"), ("2", "Confirmed")]


class RulesForm(GovukForm):
    """The OPEL rules table: a threshold and an on/off switch for each measure at OPEL 2, 3 and 4."""

    reason = forms.CharField(
        label="Why are the rules changing?",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say why the rules are changing"},
    )

    def __init__(self, *args, rules: list[opel.Rule], **kwargs):
        current = {r.key: r for r in rules}
        initial = kwargs.setdefault("initial", {})
        for key, rule in current.items():
            initial.setdefault(key, f"{rule.threshold.normalize():f}")
            initial.setdefault(f"{key}_active", rule.active)
        super().__init__(*args, **kwargs)
        self.rows = []
        for measure in opel.MEASURES:
            cells = []
            for level in opel.LEVELS:
                key = f"{measure.key}_{level}"
                if measure.kind == "outbreak":
                    field = forms.ChoiceField(
                        label=f"{measure.label} OPEL {level}", choices=OUTBREAK_THRESHOLDS
                    )
                elif measure.kind == "flag":
                    field = forms.DecimalField(widget=forms.HiddenInput, initial=Decimal(1))
                else:
                    field = forms.DecimalField(
                        label=f"{measure.label} OPEL {level}",
                        max_digits=8,
                        decimal_places=1,
                        widget=forms.TextInput(
                            attrs={"class": "govuk-input--width-4", "inputmode": "decimal"}
                        ),
                        error_messages={"invalid": "Enter a number", "required": "Enter a threshold"},
                    )
                self.fields[key] = _styled(field)
                self.fields[f"{key}_active"] = _styled(
                    forms.BooleanField(
                        label=f"Use the OPEL {level} rule for {measure.label.lower()}", required=False
                    )
                )
                cells.append((key, level))
            self.rows.append((measure, cells))

    def table(self):
        """(measure, [(level, threshold field, in-use field)]) for the rules table template."""
        return [
            (
                measure,
                [
                    (level, self[key], self[f"{key}_active"], self._shown(measure, key))
                    for key, level in cells
                ],
            )
            for measure, cells in self.rows
        ]

    def _shown(self, measure, key) -> str:
        """The threshold as words, for those who may read the rules but not change them."""
        value = str(self[key].value())
        if measure.kind == "outbreak":
            return dict(OUTBREAK_THRESHOLDS).get(value, value)
        return {"percent": f"{value}%", "days": f"{value} days"}.get(measure.kind, value)

    def rules(self) -> list[opel.Rule]:
        data = self.cleaned_data
        return [
            opel.Rule(measure.key, level, Decimal(str(data[key])), bool(data.get(f"{key}_active")))
            for measure, cells in self.rows
            for key, level in cells
            if data.get(key) is not None
        ]


class BenchmarkForm(GovukForm):
    staff_availability_percent = forms.DecimalField(
        label="Regional staff availability (%)",
        min_value=Decimal(0),
        max_value=Decimal(100),
        decimal_places=1,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-4", "inputmode": "decimal"}),
        error_messages={"required": "Enter the region's staff availability", "invalid": "Enter a percentage"},
    )
    source = forms.CharField(
        label="Source", max_length=200, help_text="For example, the regional ADASS sitrep"
    )
    effective_from = GovukDateField(label="Applies from")


def month_choices(today: dt.date, count: int = 13) -> list[tuple[str, str]]:
    """This month and the 12 before it, newest first, as ("2026-03", "March 2026")."""
    choices = []
    year, month = today.year, today.month
    for _ in range(count):
        first = dt.date(year, month, 1)
        choices.append((f"{first:%Y-%m}", f"{first:%B %Y}"))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return choices


class MonthForm(GovukForm):
    month = forms.ChoiceField(label="Month")

    def __init__(self, *args, today: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["month"].choices = month_choices(today)

    def first_day(self) -> dt.date:
        year, month = self.cleaned_data["month"].split("-")
        return dt.date(int(year), int(month), 1)
