from django import forms, template

from homecare.govuk_forms.forms import GovukDateInput

register = template.Library()


@register.filter
def govuk_kind(bound_field) -> str:
    """Which GOV.UK pattern a field renders as."""
    widget = bound_field.field.widget
    if isinstance(widget, GovukDateInput):
        return "date"
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkboxes"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    return "input"
