import logging

from homecare.platform.logs import new_request_id, request_id_var

denied_log = logging.getLogger("homecare.security")


class NoStoreMiddleware:
    """Pages hold special-category personal data: browsers and proxies must not keep copies."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith("/static/"):
            response.setdefault("Cache-Control", "no-store")
        return response


class DeniedRequestLogMiddleware:
    """Every refused request is logged with who asked for what (ASVS V7, NHS DSPT): 401 and 403 answers,
    and a signed-out visitor sent to the sign-in page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        status = response.status_code
        location = response.get("Location", "") if status in (301, 302) else ""
        if status in (401, 403) or location.startswith("/sign-in"):
            user = getattr(request, "user", None)
            denied_log.warning(
                "request denied",
                extra={
                    "status": status,
                    "method": request.method,
                    "path": request.path,
                    "user_id": getattr(user, "pk", None),
                    "organisation_id": getattr(user, "organisation_id", None),
                    "address": request.META.get("REMOTE_ADDR", ""),
                },
            )
        return response


class RequestIdMiddleware:
    """Tag the request, its log lines and its response with one request id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.id = new_request_id(request.headers.get("X-Request-ID"))
        token = request_id_var.set(request.id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = request.id
        return response
