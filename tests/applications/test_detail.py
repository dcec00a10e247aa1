"""The detail page (timeline, revisions, figures, actions), frozen revisions and withdrawal."""

import pytest
from django.urls import reverse

from applications import services
from applications.models import Application, StatusEvent
from tests.applications.conftest import draft, pdf, ready, submitted

pytestmark = pytest.mark.usefixtures("clock", "private_files")


def detail_url(application):
    return reverse("applications:detail", args=[application.pk])


def withdraw_url(application):
    return reverse("applications:withdraw", args=[application.pk])


def test_a_drafts_detail_offers_editing_and_withdrawing(client, alice, call):
    application = draft(alice, call)
    client.force_login(alice)
    page = client.get(detail_url(application)).content.decode()
    assert "申报草稿" in page
    assert reverse("applications:edit", args=[application.pk]) in page
    assert withdraw_url(application) in page
    assert "2025-04-01 10:00:00" in page  # the draft's creation, in Shanghai time
    assert "尚未提交" in page


def test_a_submitted_applications_detail_shows_number_timeline_revisions_and_figures(
    client, anna, alice, call
):
    application = submitted(alice, call)
    client.force_login(anna)
    page = client.get(detail_url(application)).content.decode()
    assert "申报 CNAI-2025-7.1-00001" in page
    assert "已提交" in page
    assert "¥600,000.00" in page
    assert page.count("2025-04-01 10:00:00") >= 3  # created, submitted (timeline) and revision 1
    assert reverse("applications:revision", args=[application.pk, 1]) in page
    for attachment in application.attachments.all():
        assert reverse("applications:download", args=[application.pk, attachment.pk]) in page
    assert reverse("applications:edit", args=[application.pk]) not in page  # no longer editable
    assert withdraw_url(application) in page  # but still withdrawable


def test_the_timeline_shows_the_return_reasons_with_their_time(client, alice, carol, call, clock):
    application = submitted(alice, call)
    clock.move_to("2025-04-03 15:30:00 +08:00", tick=False)
    services.return_for_correction(actor=carol, application=application, reasons="请补充成果证明材料")
    client.force_login(alice)
    page = client.get(detail_url(application)).content.decode()
    assert "退回补正" in page
    assert "2025-04-03 15:30:00" in page
    assert "请补充成果证明材料" in page


def test_the_detail_runs_the_same_queries_for_one_revision_and_many(
    client, alice, carol, call, clock, django_assert_num_queries
):
    application = submitted(alice, call)
    client.force_login(alice)
    client.get(detail_url(application))  # warm up
    # session, user, the application with its organisation (joined through the user's membership), call,
    # item and rounds, the timeline, the revisions with their files and the materials' names, the item's
    # facts, and the header's unread-message COUNT (an applicant without a second factor: no device)
    with django_assert_num_queries(7):
        assert client.get(detail_url(application)).status_code == 200
    clock.move_to("2025-04-03 15:30:00 +08:00", tick=False)
    services.return_for_correction(actor=carol, application=application, reasons="请补充成果证明材料")
    material = application.item.materials.order_by("sort_order").first()
    services.add_attachment(
        actor=alice, application=application, material_code=material.code, upload=pdf("补充.pdf")
    )
    services.submit_application(actor=alice, application=application)
    client.force_login(alice)  # two days on: the session of the first visit has expired
    client.get(detail_url(application))
    with django_assert_num_queries(7):
        page = client.get(detail_url(application)).content.decode()
    assert reverse("applications:revision", args=[application.pk, 2]) in page
    second = application.revisions.get(number=2)
    assert second.attachments.count() > application.revisions.get(number=1).attachments.count()
    for attachment in second.attachments.all():
        assert reverse("applications:download", args=[application.pk, attachment.pk]) in page
    # each file under its material's name, in the second revision's row
    assert f"{material.name}:<a" in page.split("第 2 版", 1)[1] and "补充.pdf" in page
    assert "请补充成果证明材料" in page


def test_the_revision_page_shows_what_was_submitted_frozen(client, alice, call):
    application = submitted(alice, call)
    client.force_login(alice)
    page = client.get(reverse("applications:revision", args=[application.pk, 1])).content.decode()
    assert "CNAI-2025-7.1-00001 第 1 版" in page
    assert "<dt>项目自筹投入资金总额</dt><dd>2,000,000.00 元</dd>" in page
    assert "智能视觉平台研发" in page
    assert "¥600,000.00" in page
    assert "30%" in page  # the engine's steps, as frozen
    assert "信用承诺书" in page and "credit_commitment.pdf" in page


def test_a_revision_that_does_not_exist_is_not_found(client, alice, call):
    application = submitted(alice, call)
    client.force_login(alice)
    assert client.get(reverse("applications:revision", args=[application.pk, 2])).status_code == 404
    unsubmitted = draft(alice, call)
    assert client.get(reverse("applications:revision", args=[unsubmitted.pk, 1])).status_code == 404


def test_withdrawing_asks_for_confirmation_then_records_the_reason(client, anna, alice, call):
    application = submitted(alice, call)
    client.force_login(anna)
    page = client.get(withdraw_url(application)).content.decode()
    assert "确认撤回" in page and 'name="reason"' in page
    assert (
        Application.objects.get(pk=application.pk).status == Application.Status.SUBMITTED
    )  # GET changes nothing

    response = client.post(withdraw_url(application), {"reason": "项目计划调整"}, follow=True)
    assert response.redirect_chain == [(detail_url(application), 302)]
    assert "申报已撤回" in response.content.decode()
    application.refresh_from_db()
    assert application.status == Application.Status.WITHDRAWN
    event = application.events.last()
    assert (event.status, event.note, event.actor) == ("withdrawn", "项目计划调整", anna)
    page = response.content.decode()
    assert "项目计划调整" in page
    assert withdraw_url(application) not in page


def test_withdrawing_without_a_reason_is_fine(client, alice, call):
    application = draft(alice, call)
    client.force_login(alice)
    client.post(withdraw_url(application))
    assert Application.objects.get(pk=application.pk).status == Application.Status.WITHDRAWN


def test_a_withdrawn_or_recognised_application_cannot_be_withdrawn(client, alice, call):
    withdrawn = draft(alice, call, matter="甲")
    services.withdraw_application(actor=alice, application=withdrawn)
    recognised = submitted(alice, call, matter="乙")
    Application.objects.filter(pk=recognised.pk).update(status=Application.Status.RECOGNISED)
    client.force_login(alice)
    for application in (withdrawn, recognised):
        events = StatusEvent.objects.filter(application=application).count()
        response = client.get(withdraw_url(application), follow=True)
        assert response.redirect_chain == [(detail_url(application), 302)]
        assert "不能撤回" in response.content.decode()
        client.post(withdraw_url(application), {"reason": "再撤一次"})
        assert StatusEvent.objects.filter(application=application).count() == events
    assert Application.objects.get(pk=recognised.pk).status == Application.Status.RECOGNISED


def test_the_detail_page_is_get_only(client, alice, call):
    application = ready(alice, call)
    client.force_login(alice)
    assert client.post(detail_url(application)).status_code == 405
