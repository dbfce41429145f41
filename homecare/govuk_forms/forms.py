"""GOV.UK Design System form building blocks, wrapped once so every form looks and behaves the same.

Forms inherit GovukForm / GovukModelForm: widgets get the design system's classes, invalid fields get
error classes, and templates render the error summary, hints and messages in the GOV.UK pattern.
"""

from __future__ import annotations

import datetime as dt

from django import forms

_WIDGET_CLASSES: list[tuple[type[forms.Widget], str]] = [
    (forms.CheckboxSelectMultiple, "govuk-checkboxes__input"),
    (forms.RadioSelect, "govuk-radios__input"),
    (forms.CheckboxInput, "govuk-checkboxes__input"),
    (forms.Select, "govuk-select"),
    (forms.Textarea, "govuk-textarea"),
    (forms.FileInput, "govuk-file-upload"),
    (forms.widgets.Input, "govuk-input"),
]
_ERROR_CLASSES = {
    "govuk-input": "govuk-input--error",
    "govuk-select": "govuk-select--error",
    "govuk-textarea": "govuk-textarea--error",
    "govuk-file-upload": "govuk-file-upload--error",
}


class GovukDateInput(forms.MultiWidget):
    """Day, month and year boxes (the GOV.UK date input pattern); the value is an ISO date string."""

    template_name = "govuk_forms/widgets/date.html"

    def __init__(self, attrs=None):
        widgets = {
            "day": forms.TextInput(
                attrs={
                    "inputmode": "numeric",
                    "class": "govuk-input govuk-date-input__input govuk-input--width-2",
                }
            ),
            "month": forms.TextInput(
                attrs={
                    "inputmode": "numeric",
                    "class": "govuk-input govuk-date-input__input govuk-input--width-2",
                }
            ),
            "year": forms.TextInput(
                attrs={
                    "inputmode": "numeric",
                    "class": "govuk-input govuk-date-input__input govuk-input--width-4",
                }
            ),
        }
        super().__init__(widgets, attrs)

    def decompress(self, value):
        if isinstance(value, dt.date):
            return [value.day, value.month, value.year]
        if isinstance(value, str) and value.count("-") == 2:
            year, month, day = value.split("-")
            return [day, month, year]
        return [None, None, None]

    def value_from_datadict(self, data, files, name):
        day, month, year = (str(v or "").strip() for v in super().value_from_datadict(data, files, name))
        if not (day or month or year):
            return ""
        if not (day.isdigit() and month.isdigit() and year.isdigit() and len(year) == 4):
            return f"invalid:{year}-{month}-{day}"
        return f"{int(year):04d}-{int(month):02d}-{int(day):02d}"


class GovukDateField(forms.DateField):
    widget = GovukDateInput
    default_error_messages = {
        "invalid": "Enter a real date, like 27 3 2007",
        "required": "Enter a date",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", ["%Y-%m-%d"])
        super().__init__(**kwargs)


class GovukTimeField(forms.TimeField):
    default_error_messages = {"invalid": "Enter a time in 24-hour format, like 07:30 or 17:00"}

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", ["%H:%M", "%H.%M", "%H%M"])
        kwargs.setdefault(
            "widget", forms.TimeInput(format="%H:%M", attrs={"class": "govuk-input govuk-input--width-5"})
        )
        super().__init__(**kwargs)


class GovukFormMixin:
    """Adds the design system's classes to widgets and marks fields that failed validation."""

    # Fields listed here render as one long line of text (GOV.UK "width" modifiers otherwise).
    input_widths: dict[str, str] = {}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():  # type: ignore[attr-defined]
            widget = field.widget
            if isinstance(widget, GovukDateInput):
                continue
            css = next((c for cls, c in _WIDGET_CLASSES if isinstance(widget, cls)), "")
            existing = widget.attrs.get("class", "")
            if css and css not in existing:
                width = self.input_widths.get(name, "")
                widget.attrs["class"] = " ".join(filter(None, [existing, css, width]))

    def full_clean(self):
        super().full_clean()  # type: ignore[misc]
        for name in self.errors:  # type: ignore[attr-defined]
            if name not in self.fields:  # type: ignore[attr-defined]
                continue
            widget = self.fields[name].widget  # type: ignore[attr-defined]
            targets = widget.widgets if isinstance(widget, forms.MultiWidget) else [widget]
            for target in targets:
                classes = target.attrs.get("class", "")
                for base, error in _ERROR_CLASSES.items():
                    if base in classes.split() and error not in classes:
                        classes = f"{classes} {error}"
                target.attrs["class"] = classes

    def error_links(self) -> list[tuple[str, str]]:
        """(anchor, message) pairs for the error summary; anchors point at the first control."""
        links = []
        for name, errors in self.errors.items():  # type: ignore[attr-defined]
            if name == "__all__" or name not in self.fields:  # type: ignore[attr-defined]
                anchor = ""
            else:
                bound = self[name]  # type: ignore[index]
                widget = self.fields[name].widget  # type: ignore[attr-defined]
                if isinstance(widget, GovukDateInput):
                    anchor = f"{bound.auto_id}_day"
                elif isinstance(widget, (forms.CheckboxSelectMultiple, forms.RadioSelect)):
                    anchor = f"{bound.auto_id}_0"
                else:
                    anchor = bound.auto_id
            links.extend((anchor, str(message)) for message in errors)
        return links


class GovukForm(GovukFormMixin, forms.Form):
    pass


class GovukModelForm(GovukFormMixin, forms.ModelForm):
    pass


def add_service_errors(form: forms.BaseForm, error) -> None:
    """Show a service's ValidationError on the form: on its field where the form has one, else on top."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)
