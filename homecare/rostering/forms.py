"""Rota planner forms: validation of what was typed only (the services hold the rules)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms

from homecare.govuk_forms.forms import GovukDateField, GovukForm
from homecare.providers.models import AreaType
from homecare.rostering.models import Gender, Skill, TravelMode

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def _weight(label: str, initial: str, help_text: str) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        help_text=help_text,
        initial=Decimal(initial),
        min_value=Decimal("0"),
        max_value=Decimal("1000"),
        max_digits=6,
        decimal_places=2,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-4", "inputmode": "decimal"}),
        error_messages={"invalid": "Enter a number, like 2.5", "required": f"Enter {label.lower()}"},
    )


class PlanForm(GovukForm):
    start_date = GovukDateField(label="First day")
    days = forms.TypedChoiceField(
        label="How many days",
        choices=[(1, "One day"), (7, "A week")],
        coerce=int,
        initial=1,
        widget=forms.RadioSelect,
    )
    time_limit_seconds = forms.IntegerField(
        label="Time limit (seconds)",
        initial=30,
        min_value=1,
        max_value=600,
        help_text="Longer usually means a better rota",
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-4"}),
        error_messages={"invalid": "Enter a whole number of seconds, like 30"},
    )
    weight_travel = _weight("Travel", "1", "Per minute of travel (paid time)")
    weight_lateness = _weight("Lateness", "3", "Per minute a visit starts after its window")
    weight_continuity = _weight("Continuity", "10", "Per visit not by one of the person's regular carers")
    weight_distinct_carers = _weight("Fewest different carers", "5", "Per extra carer a person sees")
    weight_balance = _weight("Balanced hours", "0.1", "Per minute between the busiest and quietest carer")
    allow_lateness = forms.BooleanField(
        label="Plan a visit late rather than leave it out (lateness is counted)", required=False, initial=True
    )


class ProfileForm(GovukForm):
    skills = forms.MultipleChoiceField(
        choices=Skill.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Skills and training",
    )
    gender = forms.ChoiceField(
        choices=[("", "Not stated"), *Gender.choices],
        required=False,
        label="Gender",
        help_text="Used only where a person has asked for a carer of a gender",
    )
    languages = forms.CharField(
        label="Languages spoken",
        initial="English",
        required=False,
        help_text="Separate with commas",
        max_length=300,
    )
    travel_mode = forms.ChoiceField(choices=TravelMode.choices, widget=forms.RadioSelect, label="Travels by")
    home_latitude = forms.DecimalField(
        label="Home latitude",
        required=False,
        max_digits=8,
        decimal_places=6,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10"}),
    )
    home_longitude = forms.DecimalField(
        label="Home longitude",
        required=False,
        max_digits=9,
        decimal_places=6,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10"}),
    )
    home_area_type = forms.ChoiceField(choices=AreaType.choices, label="Home area")
    contracted_hours = forms.DecimalField(
        label="Contracted hours a week",
        min_value=Decimal("0"),
        max_value=Decimal("60"),
        max_digits=4,
        decimal_places=1,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-4"}),
    )
    max_minutes_per_day = forms.IntegerField(
        label="Most minutes of work a day",
        min_value=30,
        max_value=960,
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-4"}),
    )
    availability = forms.CharField(
        label="Weekly shifts",
        required=False,
        widget=forms.Textarea(attrs={"rows": 7}),
        help_text="One line per day, like “Monday 07:00-14:00, 16:00-22:00”",
    )

    def clean_languages(self) -> tuple[str, ...]:
        return tuple(x.strip() for x in self.cleaned_data["languages"].split(",") if x.strip())

    def clean_availability(self) -> tuple[tuple[int, dt.time, dt.time], ...]:
        out = []
        for number, line in enumerate(self.cleaned_data["availability"].splitlines(), start=1):
            line = line.strip()
            if not line:
                continue
            day, _, rest = line.partition(" ")
            names = [w.lower() for w in WEEKDAYS]
            if day.lower() not in names:
                raise forms.ValidationError(f"Line {number}: start with a day of the week, like Monday")
            for window in rest.split(","):
                starts, sep, ends = window.strip().partition("-")
                try:
                    out.append((names.index(day.lower()), _time(starts), _time(ends)))
                except ValueError:
                    raise forms.ValidationError(f"Line {number}: write each shift as 07:00-14:00") from None
                if not sep:
                    raise forms.ValidationError(f"Line {number}: write each shift as 07:00-14:00")
        return tuple(out)


def _time(text: str) -> dt.time:
    return dt.datetime.strptime(text.strip(), "%H:%M").time()  # noqa: DTZ007 - a wall-clock time only


def availability_text(rows) -> str:
    by_day: dict[int, list[str]] = {}
    for row in rows:
        by_day.setdefault(row.weekday, []).append(f"{row.starts_at:%H:%M}-{row.ends_at:%H:%M}")
    return "\n".join(f"{WEEKDAYS[d]} {', '.join(w)}" for d, w in sorted(by_day.items()))


class MoveForm(GovukForm):
    def __init__(self, *args, carers, visit, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(str(c.pk), c.get_full_name() or c.username) for c in carers]
        slots = [(str(s), f"Carer {s}") for s in range(1, visit.carers_required + 1)]
        self.fields["slot"] = forms.TypedChoiceField(
            choices=slots, coerce=int, label="Which carer", initial="1"
        )
        self.fields["care_worker"] = forms.TypedChoiceField(
            choices=[("", "Choose a care worker"), *choices],
            coerce=int,
            label="Give it to",
            error_messages={"required": "Choose a care worker"},
        )
        if visit.carers_required > 1:
            self.fields["second_carer"] = forms.TypedChoiceField(
                choices=[("", "Not needed"), *choices],
                coerce=int,
                required=False,
                empty_value=None,
                label="Second carer",
                help_text="Only if neither carer is planned yet",
            )
        self.fields["reason"] = forms.CharField(
            label="Why", max_length=300, error_messages={"required": "Say why you are moving this visit"}
        )
        self._style_new_fields()

    def _style_new_fields(self):
        for field in self.fields.values():
            if isinstance(field.widget, forms.Select) and "govuk-select" not in field.widget.attrs.get(
                "class", ""
            ):
                field.widget.attrs["class"] = "govuk-select"
            elif isinstance(field.widget, forms.TextInput) and "govuk-input" not in field.widget.attrs.get(
                "class", ""
            ):
                field.widget.attrs["class"] = "govuk-input"


class SicknessForm(GovukForm):
    def __init__(self, *args, carers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["care_worker"] = forms.TypedChoiceField(
            choices=[
                ("", "Choose a care worker"),
                *[(str(c.pk), c.get_full_name() or c.username) for c in carers],
            ],
            coerce=int,
            label="Who is off sick",
            widget=forms.Select(attrs={"class": "govuk-select"}),
            error_messages={"required": "Choose who is off sick"},
        )
        self.order_fields(["care_worker", "starts_on", "ends_on", "note"])

    starts_on = GovukDateField(label="First day off")
    ends_on = GovukDateField(label="Last day off")
    note = forms.CharField(label="Note (optional)", required=False, max_length=300)


class PreferencesForm(GovukForm):
    def __init__(self, *args, carers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["regular_carers"] = forms.TypedMultipleChoiceField(
            choices=[(str(c.pk), c.get_full_name() or c.username) for c in carers],
            coerce=int,
            required=False,
            widget=forms.CheckboxSelectMultiple,
            label="Regular carers",
            help_text="Up to three",
        )
        self._apply_classes()

    def _apply_classes(self):
        widget = self.fields["regular_carers"].widget
        widget.attrs["class"] = "govuk-checkboxes__input"

    required_skills = forms.MultipleChoiceField(
        choices=Skill.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Skills their care needs",
    )
    preferred_gender = forms.ChoiceField(
        choices=[("", "No preference"), *Gender.choices], required=False, label="Has asked for a carer who is"
    )
    preferred_language = forms.CharField(
        label="Has asked for a carer who speaks", required=False, max_length=60
    )
