"""boards pages."""

urlpatterns: list = []
