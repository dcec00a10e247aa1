"""The enterprise's own awards, installments and bank details, under /awards/."""

from .views import claims, overview, payments

app_name = "awards"

urlpatterns = [
    *overview.enterprise_urlpatterns,
    *payments.enterprise_urlpatterns,
    *claims.enterprise_urlpatterns,
]
