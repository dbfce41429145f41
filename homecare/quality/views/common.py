"""What every quality view does the same way: show a form, call a service, explain a refusal."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from homecare.govuk_forms.forms import add_service_errors


def posted(request):
    return request.POST if request.method == "POST" else None


def form_page(
    request,
    *,
    form,
    call: Callable[[dict], object],
    title: str,
    success: str | Callable[[object], str],
    done: str | Callable[[object], str],
    back: tuple[str, str],
    caption: str = "",
    intro: str = "",
    button: str = "Save",
    template: str = "quality/form_page.html",
    extra: dict | None = None,
):
    """GET: the form. POST: validate, call the service; its refusals appear in the error summary, its
    success as a banner on the page `done` names (a URL, or a function of what the service returned)."""
    if request.method == "POST" and form.is_valid():
        try:
            result = call(form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, success(result) if callable(success) else success)
            return redirect(done(result) if callable(done) else done)
    context = {
        "form": form,
        "title": title,
        "caption": caption,
        "intro": intro,
        "button": button,
        "back_url": back[0],
        "back_label": back[1],
        "multipart": any(getattr(f.field.widget, "needs_multipart_form", False) for f in form),
    }
    return render(request, template, context | (extra or {}))
