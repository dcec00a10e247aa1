from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from changning_ai.elder import set_elder

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    # 长辈版 (large text) on or off: a cookie, like the language (changning_ai/elder.py).
    path("elder/", set_elder, name="set_elder"),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("applications/", include("applications.urls")),
    path("review/", include("reviews.urls")),
    path("notices/", include("reviews.public_urls")),
    path("finance/", include("disbursement.urls")),
    path("awards/", include("disbursement.enterprise_urls")),
    path("manage/", include("administration.urls")),
    path("audit/", include("audit.urls")),
    path("health/", include("operations.urls")),
    path("", include("policies.urls")),
]

# Every 403 is audited (audit.denials) before the usual page is shown.
handler403 = "audit.denials.permission_denied"
handler404 = "audit.denials.page_not_found"

admin.site.site_header = _("长宁区人工智能创新产业扶持政策申报平台 · 管理")
admin.site.site_title = _("长宁区AI政策平台")
