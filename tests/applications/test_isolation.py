"""Nobody reaches another organisation's application, attachment or revision; ids reveal nothing."""

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse

from applications import services
from applications.models import Application, ApplicationRevision, Attachment, StatusEvent
from tests.applications.conftest import pdf, submitted

pytestmark = pytest.mark.usefixtures("clock", "private_files")


@pytest.fixture
def returned(alice, carol, call):
    """alice's application, submitted once and returned: every page and action applies to it."""
    application = submitted(alice, call)
    services.return_for_correction(actor=carol, application=application, reasons="请补充材料")
    return application


def pages(application):
    attachment = application.attachments.first()
    return [
        reverse("applications:detail", args=[application.pk]),
        reverse("applications:edit", args=[application.pk]),
        reverse("applications:submit", args=[application.pk]),
        reverse("applications:withdraw", args=[application.pk]),
        reverse("applications:revision", args=[application.pk, 1]),
        reverse("applications:download", args=[application.pk, attachment.pk]),
    ]


def actions(application):
    attachment = application.attachments.first()
    form = {"self_raised_investment": "1", "matter_ref": "改", "project_name": "改", "reason": "改"}
    return [
        (reverse("applications:edit", args=[application.pk]), form),
        (reverse("applications:autosave", args=[application.pk]), form),
        (
            reverse("applications:upload", args=[application.pk]),
            {"material_code": "project_plan", "file": pdf},
        ),
        (reverse("applications:remove_attachment", args=[application.pk, attachment.pk]), {}),
        (reverse("applications:submit", args=[application.pk]), {}),
        (reverse("applications:withdraw", args=[application.pk]), form),
    ]


def snapshot():
    return (
        list(Application.objects.order_by("pk").values()),
        list(Attachment.objects.order_by("pk").values("pk", "is_current")),
        StatusEvent.objects.count(),
        ApplicationRevision.objects.count(),
    )


def post_all(client, application):
    responses = []
    for url, data in actions(application):
        if "file" in data:
            data = {**data, "file": pdf()}
        responses.append((url, client.post(url, data)))
    return responses


def test_another_organisations_member_gets_404_everywhere_and_changes_nothing(client, bob, returned):
    client.force_login(bob)
    before = snapshot()
    for url in pages(returned):
        assert client.get(url).status_code == 404, url
    for url, response in post_all(client, returned):
        assert response.status_code == 404, url
    assert snapshot() == before


def test_staff_without_an_organisation_gets_404_for_applications(client, sam, returned):
    client.force_login(sam)
    before = snapshot()
    for url in pages(returned):
        assert client.get(url).status_code == 404, url
    for url, response in post_all(client, returned):
        assert response.status_code == 404, url
    assert snapshot() == before


def test_anonymous_visitors_are_sent_to_log_in_and_change_nothing(client, returned):
    login = resolve_url(settings.LOGIN_URL)
    before = snapshot()
    for url in pages(returned):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(login), url
    for url, response in post_all(client, returned):
        assert response.status_code == 302 and response.url.startswith(login), url
    assert snapshot() == before


def test_the_owners_colleagues_reach_every_page(client, anna, returned):
    client.force_login(anna)
    for url in pages(returned):
        assert client.get(url).status_code == 200, url


def test_ids_that_do_not_exist_are_404(client, alice, returned):
    client.force_login(alice)
    attachment = returned.attachments.first()
    for url in (
        reverse("applications:detail", args=[999999]),
        reverse("applications:edit", args=[999999]),
        reverse("applications:submit", args=[999999]),
        reverse("applications:withdraw", args=[999999]),
        reverse("applications:revision", args=[999999, 1]),
        reverse("applications:revision", args=[returned.pk, 99]),
        reverse("applications:download", args=[999999, attachment.pk]),
        reverse("applications:download", args=[returned.pk, 999999]),
    ):
        assert client.get(url).status_code == 404, url
    assert (
        client.post(reverse("applications:remove_attachment", args=[returned.pk, 999999])).status_code == 404
    )


def test_state_changing_endpoints_without_a_confirmation_page_refuse_get(client, alice, returned):
    client.force_login(alice)
    attachment = returned.attachments.first()
    before = snapshot()
    for url in (
        reverse("applications:autosave", args=[returned.pk]),
        reverse("applications:upload", args=[returned.pk]),
        reverse("applications:remove_attachment", args=[returned.pk, attachment.pk]),
    ):
        assert client.get(url).status_code == 405, url
    assert snapshot() == before
