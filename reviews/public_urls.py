"""The public 公示 pages, under /notices/ (no login)."""

from .views import decisions, documents

app_name = "notices"

urlpatterns = [*decisions.public_urlpatterns, *documents.public_urlpatterns]
