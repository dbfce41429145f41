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


class SetPasswordForm(GovukFormMixin, auth_forms.SetPasswordForm):
    pass
