"""Platform endpoints that belong to no domain: health and error pages."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


def _database_status() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return {"status": "ok", "vendor": connection.vendor}
    except Exception as exc:  # noqa: BLE001 - health reports any failure, it never raises
        logger.warning("Health check: database unavailable: %s", exc)
        return {"status": "unavailable", "vendor": connection.vendor}


def _queue_status() -> dict:
    if settings.JOBS_EAGER:
        return {"status": "ok", "mode": "in-process"}
    try:
        import django_rq

        django_rq.get_connection("default").ping()
        return {"status": "ok", "mode": "redis"}
    except Exception as exc:  # noqa: BLE001
        logger.warning("Health check: queue unavailable: %s", exc)
        return {"status": "unavailable", "mode": "redis"}


@require_GET
@never_cache
def healthz(request):
    """JSON for load balancers and people: 200 when the database answers, 503 when it does not."""
    database = _database_status()
    queue = _queue_status()
    healthy = database["status"] == "ok" and queue["status"] == "ok"
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "database": database, "queue": queue},
        status=200 if healthy else 503,
    )


def bad_request(request, exception=None):
    return render(request, "errors/400.html", status=400)


def permission_denied(request, exception=None):
    return render(request, "errors/403.html", status=403)


def page_not_found(request, exception=None):
    if request.path.startswith("/api/"):
        # An API client gets JSON, as the API's own 404s (a path that does not resolve, e.g. a negative id)
        return JsonResponse({"detail": "Not Found"}, status=404)
    return render(request, "errors/404.html", status=404)


def server_error(request):
    return render(request, "errors/500.html", status=500)
