class NoStoreMiddleware:
    """Pages hold special-category personal data: browsers and proxies must not keep copies."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith("/static/"):
            response.setdefault("Cache-Control", "no-store")
        return response
