from django.urls import path

from . import views

app_name = "audit"

# The audit administrator's pages (审计管理员 only).
urlpatterns = [
    path("", views.records, name="records"),
    path("records/<int:pk>/", views.record, name="record"),
    path("export.xlsx", views.export, name="export"),
    path("verify/", views.verify, name="verify"),
]
