import base64

import segno
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme

from homecare.accounts import forms, services
from homecare.accounts.presenters import dashboard_for


class SignInView(auth_views.LoginView):
    template_name = "registration/sign_in.html"
    authentication_form = forms.SignInForm
    redirect_authenticated_user = True


class SignOutView(auth_views.LogoutView):
    pass


class PasswordResetView(auth_views.PasswordResetView):
    form_class = forms.PasswordResetForm
    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password-reset-done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = forms.SetPasswordForm
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password-reset-complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"


@login_required
def dashboard(request):
    return render(request, "accounts/dashboard.html", {"board": dashboard_for(request.user)})


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("accounts:dashboard")


@login_required
def two_factor(request):
    """The second step of signing in; the first time, setting up the authenticator app."""
    if request.user.is_verified():
        return redirect(_next_url(request))
    device = services.totp_device_for(user=request.user)
    enrolling = device is None
    form = forms.SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if enrolling:
                services.totp_enrolment_confirm(
                    request=request, user=request.user, code=form.cleaned_data["code"]
                )
            else:
                services.totp_sign_in(request=request, user=request.user, code=form.cleaned_data["code"])
        except ValidationError as error:
            form.add_error(None if not hasattr(error, "error_dict") else "code", error.messages[0])
        else:
            return redirect(_next_url(request))
    context = {"form": form, "enrolling": enrolling, "next": _next_url(request)}
    if enrolling:
        pending = services.totp_enrolment_start(user=request.user)
        secret = base64.b32encode(pending.bin_key).decode()
        context.update(
            qr_svg=segno.make(pending.config_url, error="m").svg_inline(
                scale=4, title="Authenticator set-up code"
            ),
            secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        )
    return render(request, "registration/two_factor.html", context)
