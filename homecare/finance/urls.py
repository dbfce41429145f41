from homecare.finance.views import fee_setting, payments

app_name = "finance"

urlpatterns = payments.urlpatterns + fee_setting.urlpatterns
