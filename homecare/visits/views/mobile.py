"""mobile pages."""

urlpatterns: list = []
