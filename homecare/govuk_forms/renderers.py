from django.forms.renderers import TemplatesSetting


class GovukFormRenderer(TemplatesSetting):
    """Render every form field as a GOV.UK Design System form group (label, hint, error, control)."""

    form_template_name = "govuk_forms/form.html"
    field_template_name = "govuk_forms/field.html"
