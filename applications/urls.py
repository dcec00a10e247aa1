from django.urls import path

from . import document_views, match_views, views

app_name = "applications"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("calls/", views.calls, name="calls"),
    path("match/", match_views.match, name="match"),
    path("new/", views.start_from_calculator, name="start_from_calculator"),
    path("new/<int:call_item_id>/", views.start, name="start"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/autosave/", views.autosave, name="autosave"),
    path("<int:pk>/materials/", views.upload, name="upload"),
    path("<int:pk>/materials/<int:attachment_id>/remove/", views.remove_attachment, name="remove_attachment"),
    path("<int:pk>/materials/<int:attachment_id>/download/", views.download, name="download"),
    path("<int:pk>/submit/", views.submit, name="submit"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:pk>/copy/", views.copy, name="copy"),
    path("<int:pk>/delete/", views.delete, name="delete"),
    path("<int:pk>/revisions/<int:number>/", views.revision, name="revision"),
    path(
        "<int:pk>/documents/<str:kind>.pdf",
        document_views.document,
        name="document",
    ),
]
