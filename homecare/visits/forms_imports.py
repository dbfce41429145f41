"""Forms for importing visit times: the upload, and which column holds which field (validation only)."""

from __future__ import annotations

from collections.abc import Sequence

from django import forms

from homecare.govuk_forms.forms import GovukForm
from homecare.visits import imports


class UploadForm(GovukForm):
    file = forms.FileField(
        label="Export from your call-monitoring system",
        help_text=(
            f"A CSV (UTF-8) or JSON file, up to {imports.MAX_BYTES // (1024 * 1024)} MB and "
            f"{imports.MAX_ROWS:,} visits. The first row of a CSV holds the column headings."
        ),
        required=False,  # "required" is said in clean_file, after the size check
        error_messages={"empty": "The file is empty"},
        widget=forms.FileInput(attrs={"accept": ".csv,.json,.txt,text/csv,application/json"}),
    )

    def __init__(self, *args, too_large: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.too_large = too_large

    def clean_file(self):
        if self.too_large:
            megabytes = imports.MAX_BYTES // (1024 * 1024)
            raise forms.ValidationError(
                f"The file is larger than {megabytes} MB: split it into smaller files"
            )
        upload = self.cleaned_data.get("file")
        if not upload:
            raise forms.ValidationError("Choose a CSV or JSON file")
        return upload


_HINTS = {
    "visit_reference": "Our visit number, as shown on our visit pages. Or use the next two instead.",
    "package_reference": "For example PKG000123: with the planned start, it finds the visit.",
    "planned_start": "The visit's planned date and time.",
    "actual_start": "When the care worker checked in.",
    "actual_end": "When the care worker checked out.",
    "care_worker": "Optional: the care worker's username, kept for information.",
    "note": "Optional: stored as the visit note with the check-out.",
}
_OPTIONAL = {"care_worker", "note"}


class MappingForm(GovukForm):
    """One select per field of ours, listing the file's column headings."""

    def __init__(self, *args, headers: Sequence[str] = (), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "Not in the file"), *((h, h) for h in headers)]
        for name, label in imports.FIELD_LABELS.items():
            self.fields[name] = forms.ChoiceField(
                label=f"{label} (optional)" if name in _OPTIONAL else label,
                help_text=_HINTS[name],
                choices=choices,
                required=False,
                error_messages={"invalid_choice": "Choose one of the file's columns"},
            )
        # GovukForm adds the design system's classes in __init__, before these fields existed.
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "govuk-select")

    def mapping(self) -> imports.ColumnMapping:
        return imports.ColumnMapping.from_dict(self.cleaned_data)
