"""Validation only: which month and population to show, a comment, a CLD quarter."""

from __future__ import annotations

from django import forms

from homecare.govuk_forms.forms import GovukForm
from homecare.reporting.periods import Month, Quarter, last_months

MONTHS_OFFERED = 24


class TableForm(GovukForm):
    """The last month of the table (twelve months ending with it) and, for a provider serving several
    councils, which council's figures."""

    month = forms.ChoiceField(label="Twelve months ending")
    population = forms.ChoiceField(label="Figures for", required=False)

    def __init__(self, *args, current: Month, populations: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        months = last_months(MONTHS_OFFERED, ending=current)[::-1]
        self.fields["month"].choices = [(m.key, m.first_day.strftime("%B %Y")) for m in months]
        self.fields["population"].choices = populations
        if len(populations) < 2:
            self.fields["population"].widget = forms.HiddenInput()

    def chosen_month(self) -> Month:
        return Month.parse(self.cleaned_data["month"])


class CommentForm(GovukForm):
    text = forms.CharField(
        label="Comment for the committee", widget=forms.Textarea(attrs={"rows": 4}), max_length=4000
    )
    amendment_reason = forms.CharField(
        label="Why are you changing the comment?",
        help_text="Needed when the month already has a comment; the earlier one is kept.",
        required=False,
        max_length=300,
    )
    month = forms.CharField(widget=forms.HiddenInput())

    def clean_month(self) -> Month:
        try:
            return Month.parse(self.cleaned_data["month"])
        except ValueError as exc:
            raise forms.ValidationError("Choose a month") from exc


class QuarterForm(GovukForm):
    quarter = forms.ChoiceField(label="Quarter")

    def __init__(self, *args, current: Quarter, **kwargs):
        super().__init__(*args, **kwargs)
        quarters = [current]
        while len(quarters) < 8:
            quarters.append(quarters[-1].previous())
        self.fields["quarter"].choices = [(q.key, q.label) for q in quarters]

    def chosen_quarter(self) -> Quarter:
        return Quarter.parse(self.cleaned_data["quarter"])
