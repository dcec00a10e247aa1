"""Finance pages under /finance/ (staff). Each area's views module holds its own patterns."""

from .views import agreements, budgets, claims, overview, payments

app_name = "disbursement"

urlpatterns = [
    *budgets.urlpatterns,
    *payments.urlpatterns,
    *overview.urlpatterns,
    *claims.urlpatterns,
    *agreements.urlpatterns,
]
