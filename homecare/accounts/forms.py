from django.contrib.auth import forms as auth_forms

from homecare.govuk_forms.forms import GovukFormMixin


class SignInForm(GovukFormMixin, auth_forms.AuthenticationForm):
    error_messages = {
        "invalid_login": "Enter a correct username and password. Both are case-sensitive.",
        "inactive": "This account has been disabled. Ask your administrator.",
    }


class PasswordResetForm(GovukFormMixin, auth_forms.PasswordResetForm):
    pass


class SetPasswordForm(GovukFormMixin, auth_forms.SetPasswordForm):
    pass
