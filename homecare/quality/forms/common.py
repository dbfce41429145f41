"""Building blocks shared by the quality forms."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from homecare.govuk_forms.forms import GovukDateField, GovukForm


def text(label: str, required_message: str | None = None, rows: int = 4, **kwargs) -> forms.CharField:
    """A textarea; required with the given message, or optional when no message is given."""
    return forms.CharField(
        label=label,
        required=required_message is not None,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"required": required_message or ""},
        **kwargs,
    )


def radios(label: str, choices, required_message: str | None = None, **kwargs) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=choices,
        widget=forms.RadioSelect,
        required=required_message is not None,
        error_messages={"required": required_message or ""},
        **kwargs,
    )


def checkboxes(label: str, choices, **kwargs) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label, choices=choices, widget=forms.CheckboxSelectMultiple, required=False, **kwargs
    )


def date(label: str, *, today: bool = True, required: bool = True, **kwargs) -> GovukDateField:
    return GovukDateField(
        label=label, required=required, initial=timezone.localdate if today else None, **kwargs
    )


def user_choice(label: str, *, required: bool = False, empty: str = "Not yet") -> forms.ModelChoiceField:
    return forms.ModelChoiceField(label=label, queryset=None, required=required, empty_label=empty)


YES_NO = [("yes", "Yes"), ("no", "No")]


def yes_no(label: str, message: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=YES_NO,
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": message},
    )


class PersonLookupMixin:
    """A "case reference" box resolved against the people the user may see (passed in by the view)."""

    person_required_message = ""

    def clean_person_reference(self):
        reference = (self.cleaned_data.get("person_reference") or "").strip().upper()  # type: ignore[attr-defined]
        if not reference:
            if self.person_required_message:
                raise forms.ValidationError(self.person_required_message)
            return None
        person = self.people.filter(case_reference=reference).first()  # type: ignore[attr-defined]
        if person is None:
            raise forms.ValidationError(f"No person you can see has the case reference {reference}")
        return person


class NoteForm(GovukForm):
    note = text("Notes", "Enter a note")
