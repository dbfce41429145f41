"""variations pages."""

urlpatterns: list = []
