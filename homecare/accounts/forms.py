from django import forms
from django.contrib.auth import forms as auth_forms
from django.template import loader

from homecare.accounts import tasks
from homecare.govuk_forms.forms import GovukFormMixin
from homecare.platform import jobs


class SignInForm(GovukFormMixin, auth_forms.AuthenticationForm):
    error_messages = {
        "invalid_login": "Enter a correct username and password. Both are case-sensitive.",
        "inactive": "This account has been disabled. Ask your administrator.",
    }


class PasswordResetForm(GovukFormMixin, auth_forms.PasswordResetForm):
    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        """Send through the job queue so a slow mail server never holds up the page."""
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        jobs.enqueue(tasks.send_email, subject=subject, body=body, to=[to_email], from_email=from_email)


class SecondFactorForm(GovukFormMixin, forms.Form):
    code = forms.CharField(
        label="Code from your authenticator app",
        help_text="The 6 digits shown now, for example 123456",
        max_length=12,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "spellcheck": "false"}
        ),
    )


class SetPasswordForm(GovukFormMixin, auth_forms.SetPasswordForm):
    pass
