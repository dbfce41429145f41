"""The care worker's app: one page that keeps working with no signal (an installable PWA).

The page is rendered on the server for a first load (and for a phone with no JavaScript), with the same
visits embedded as the JSON the phone's API returns, so `static/visits/app.js` can take over at once and
keep working offline: it queues every action as an event before any network call and sends the queue to
the call-monitoring API (see `homecare.visits.api`) whenever there is signal. The service worker keeps
the page and its assets so the app opens in a basement flat; it never stores API responses (the app keeps
the worker's own visits itself, per worker).

The manifest and the service worker script are public: browsers fetch them without the session (the
manifest) or outside the page's control (updates), and neither holds anything about anyone.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from homecare.accounts.models import Role
from homecare.visits import presenters, selectors

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
SERVICE_WORKER_SOURCE = STATIC_DIR / "visits" / "sw.js"

# What the service worker keeps so the app opens with no signal (static paths; the page is added).
SHELL_ASSETS = (
    "govuk/govuk-frontend.min.css",
    "govuk/govuk-frontend.min.js",
    "govuk/assets/images/favicon.ico",
    "platform/openhomecare.css",
    "visits/app.css",
    "visits/app.js",
    "visits/icon.svg",
    "visits/icon-192.png",
)


def _require_care_worker(request: HttpRequest) -> None:
    if request.user.role != Role.CARE_WORKER or request.user.organisation_id is None:
        raise PermissionDenied("The visits app is for care workers")


# --- views --------------------------------------------------------------------------------------


@login_required
@require_GET
def app(request: HttpRequest) -> HttpResponse:
    _require_care_worker(request)
    today = timezone.localdate()
    visits = list(
        selectors.worker_visits(user=request.user, today=today)
        .select_related("package__support_plan")
        .prefetch_related("package__support_plan__outcomes")
    )
    return render(
        request,
        "visits/mobile/app.html",
        {
            "days": presenters.days_for_worker(visits, today),
            "app_data": {
                "user": request.user.pk,
                "generated_at": timezone.now(),
                "visits": [presenters.visit_for_phone(v).model_dump() for v in visits],
            },
            "urls": {
                "app": reverse("visits:app"),
                "manifest": reverse("visits:manifest"),
                "service_worker": reverse("visits:service-worker"),
                "devices": "/api/v1/visits/devices",
                "mine": "/api/v1/visits/mine",
                "event": "/api/v1/visits/events",
                "batch": "/api/v1/visits/events/batch",
                "sign_in": f"{reverse('accounts:sign-in')}?next={reverse('visits:app')}",
                "sign_out": reverse("accounts:sign-out"),
            },
        },
    )


@require_GET
def manifest(request: HttpRequest) -> JsonResponse:
    app_url = reverse("visits:app")
    return JsonResponse(
        {
            "id": app_url,
            "name": "OpenHomecare visits",
            "short_name": "Visits",
            "description": "Your visits today and tomorrow: check in, tasks, notes and concerns, with or "
            "without signal.",
            "start_url": app_url,
            "scope": app_url,
            "display": "standalone",
            "orientation": "portrait",
            "background_color": "#ffffff",
            "theme_color": "#1d70b8",
            "lang": "en-GB",
            "icons": [
                {"src": static("visits/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
                {"src": static("visits/icon-192.png"), "sizes": "192x192", "type": "image/png"},
                {"src": static("visits/icon-512.png"), "sizes": "512x512", "type": "image/png"},
                {
                    "src": static("visits/icon-512.png"),
                    "sizes": "512x512",
                    "type": "image/png",
                    "purpose": "maskable",
                },
            ],
        },
        content_type="application/manifest+json",
    )


def _shell_version(asset_paths: tuple[str, ...]) -> str:
    """A digest of the worker script and everything it caches: any change makes the browser install the
    new worker, which replaces the old cache."""
    digest = hashlib.sha256(_file_bytes(SERVICE_WORKER_SOURCE))
    for asset in asset_paths:
        digest.update(asset.encode())
        found = _find_static(asset)
        if found is not None:
            digest.update(_file_bytes(found))
    return digest.hexdigest()[:16]


def _find_static(asset: str) -> Path | None:
    from django.contrib.staticfiles import finders

    found = finders.find(asset)
    return Path(found) if isinstance(found, str) else None


def _file_bytes(file: Path) -> bytes:
    return _cached_file_bytes(file) if not settings.DEBUG else file.read_bytes()


@cache
def _cached_file_bytes(file: Path) -> bytes:
    # Deployed files do not change under a running process; development (DEBUG) reads them each time.
    return file.read_bytes()


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    app_url = reverse("visits:app")
    config = {
        "version": _shell_version(SHELL_ASSETS),
        "appUrl": app_url,
        "shell": [static(asset) for asset in SHELL_ASSETS],
        "staticPrefix": settings.STATIC_URL,
    }
    body = f"const CONFIG = {json.dumps(config)};\n" + _file_bytes(SERVICE_WORKER_SOURCE).decode()
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = app_url
    # A stale worker would keep serving a stale app: the browser must always ask for this script.
    response["Cache-Control"] = "no-cache"
    return response


urlpatterns = [
    path("app/", app, name="app"),
    path("app/manifest.webmanifest", manifest, name="manifest"),
    path("app/sw.js", service_worker, name="service-worker"),
]
