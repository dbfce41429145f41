from homecare.finance.views import direct_payments, fee_setting, payments

app_name = "finance"

urlpatterns = payments.urlpatterns + fee_setting.urlpatterns + direct_payments.urlpatterns
