"""fee_setting pages."""

urlpatterns: list = []
