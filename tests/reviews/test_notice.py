"""公示: publishing a call's recommended applications, the public pages (notice fields only), and
closing the window — 认定 with the decided amount, idempotently."""

from datetime import datetime
from io import BytesIO, StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from applications.models import Application
from reviews import services
from reviews.models import Holiday, NoticeEntry, PublicNotice
from tests.reviews.decision_support import *  # noqa: F403 (fixtures)
from tests.reviews.decision_support import (
    CONTACT_NAME,
    CONTACT_PHONE,
    LEGAL_REPRESENTATIVE,
    under_review,
)

pytestmark = pytest.mark.usefixtures("clock", "private_files")

S = Application.Status
SHANGHAI = ZoneInfo("Asia/Shanghai")
AFTER_WINDOW = "2025-04-10 00:00:01 +08:00"


def recommended(approver, application, amount="500000"):
    services.record_decision(
        actor=approver, application=application, recommended=True, amount=amount, reasons="符合条件"
    )
    application.refresh_from_db()
    return application


@pytest.fixture
def qingming(db):
    # 2025 清明节: Friday 04-04 to Sunday 04-06.
    for day in (4, 5, 6):
        Holiday.objects.create(date=datetime(2025, 4, day).date(), name="清明节")


@pytest.fixture
def two_recommended(alice, dora, call):
    first = recommended(dora, under_review(alice, call, matter="智能视觉平台研发"), "500000")
    second = recommended(
        dora,
        under_review(alice, call, code="9.1", facts={"service_cost": "200000"}, matter="云服务合同"),
        "100000",
    )
    return first, second


# ---------------------------------------------------------------- publishing


def test_publishing_lists_the_recommended_applications_and_counts_working_days(
    approver_client, alice, dora, call, qingming, two_recommended
):
    left_out = under_review(alice, call, matter="另一个项目")  # still under review: not in the notice
    response = approver_client.post("/review/notices/", {"call": call.pk})
    assert response.status_code == 302
    notice = PublicNotice.objects.get()
    assert notice.published_by == dora
    assert notice.title == "2025 年度人工智能专项申报拟支持项目公示"
    # Published Tuesday 04-01: 04-02 (1), 04-03 (2), 清明 04-04…06, 04-07 (3), 04-08 (4), 04-09 (5).
    assert notice.ends_at == datetime(2025, 4, 9, 23, 59, 59, tzinfo=SHANGHAI)
    entries = {e.item_code: e for e in notice.entries.all()}
    assert set(entries) == {"7.1", "9.1"}
    assert entries["7.1"].organization_name == "甲公司"
    assert entries["7.1"].item_name == "硬核技术攻关"
    assert entries["7.1"].project_name == "智能视觉平台研发"
    assert entries["7.1"].amount_fen == 50000000
    assert entries["9.1"].amount_fen == 10000000
    for application in two_recommended:
        application.refresh_from_db()
        assert application.status == S.PUBLICIZED
    left_out.refresh_from_db()
    assert left_out.status == S.UNDER_REVIEW


def test_a_call_with_nothing_recommended_publishes_nothing(approver_client, alice, call):
    under_review(alice, call)
    response = approver_client.post("/review/notices/", {"call": call.pk}, follow=True)
    assert "没有待公示的拟支持申报" in response.content.decode()
    assert not PublicNotice.objects.exists()


@pytest.mark.parametrize("who", ["carol", "rex", "alice"])
def test_only_approvers_publish_and_manage_notices(
    client, request, carol, rex, alice, call, two_recommended, who
):
    client.force_login(request.getfixturevalue(who))
    assert client.get("/review/notices/").status_code == 403
    assert client.post("/review/notices/", {"call": call.pk}).status_code == 403
    assert not PublicNotice.objects.exists()
    with pytest.raises(PermissionDenied):
        services.publish_notice(actor=request.getfixturevalue(who), call=call)
    assert not PublicNotice.objects.exists()


def test_anonymous_is_sent_to_log_in_on_the_staff_notice_pages(client, dora, call, two_recommended):
    notice = services.publish_notice(actor=dora, call=call)
    for url in ("/review/notices/", f"/review/notices/{notice.pk}/"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    response = client.post(f"/review/notices/{notice.pk}/close/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    notice.refresh_from_db()
    assert notice.closed_at is None


# ---------------------------------------------------------------- the public pages


def test_the_public_sees_the_notice_fields_and_nothing_personal(
    client, alice, org_a, dora, call, two_recommended
):
    notice = services.publish_notice(actor=dora, call=call)
    listing = client.get("/notices/")
    assert listing.status_code == 200
    assert notice.title in listing.content.decode()
    # The number of lines, stored at publication (not counted over the lines for every visit).
    assert notice.entry_count == notice.entries.count() == 2
    assert "· 2 个项目" in listing.content.decode()
    response = client.get(f"/notices/{notice.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "甲公司" in page and "智能视觉平台研发" in page and "硬核技术攻关" in page
    assert "¥500,000.00" in page and "¥100,000.00" in page
    assert "2025-04-08 23:59:59" in page  # no holidays in this test's calendar
    for secret in (
        org_a.uscc,
        CONTACT_NAME,
        CONTACT_PHONE,
        LEGAL_REPRESENTATIVE,
        "alice",
        "alice@example.com",
    ):
        assert secret not in page
    assert "CNAI-2025" not in page  # not even the internal application number
    assert f"/notices/{notice.pk}/entries/" in page  # objections may be lodged while open


def test_an_unknown_notice_is_404(client, db):
    assert client.get("/notices/999/").status_code == 404


def test_a_long_notice_is_paged_and_page_2_shows_the_rest_with_the_whole_total(
    client, dora, call, two_recommended, monkeypatch, django_assert_num_queries
):
    from reviews.views import decisions

    monkeypatch.setattr(decisions, "NOTICE_PAGE_SIZE", 1)
    notice = services.publish_notice(actor=dora, call=call)
    first, second = notice.entries.order_by("item_code", "id")
    client.get(f"/notices/{notice.pk}/")  # warm up
    # the notice, the lines' count and total (one aggregate), one page of lines, the corrections;
    # the same for a notice of 2 lines or of 7,000 (issue 13)
    with django_assert_num_queries(4):
        page_1 = client.get(f"/notices/{notice.pk}/").content.decode()
    page_2 = client.get(f"/notices/{notice.pk}/", {"page": 2}).content.decode()
    assert first.project_name in page_1 and second.project_name not in page_1
    assert second.project_name in page_2 and first.project_name not in page_2
    assert "第 1 / 2 页" in page_1 and ">2</td>" in page_2  # numbering goes on across pages
    for page in (page_1, page_2):
        assert 'id="notice-total">¥600,000.00<' in page and "合计(2 项)" in page


def test_the_notice_lists_run_the_same_queries_for_1_and_for_2_notices(
    approver_client, dora, call, two_recommended, django_assert_num_queries
):
    from django.test import Client

    client = Client()  # anonymous; approver_client is logged in
    first = services.publish_notice(actor=dora, call=call)
    client.get("/notices/")  # warm up
    approver_client.get("/review/notices/")
    # the public list: the notices with their call (the line count is stored on the notice) — one query
    with django_assert_num_queries(1) as public:
        client.get("/notices/")
    with CaptureQueriesContext(connection) as staff:
        approver_client.get("/review/notices/")
    PublicNotice.objects.create(
        call=call,
        title="第二份公示",
        published_by=dora,
        published_at=first.published_at,
        ends_at=first.ends_at,
    )
    with django_assert_num_queries(len(public.captured_queries)):
        listing = client.get("/notices/").content.decode()
    assert "第二份公示" in listing
    with django_assert_num_queries(len(staff.captured_queries)):
        page = approver_client.get("/review/notices/").content.decode()
    assert "第二份公示" in page


def test_the_notice_pdf_lists_every_line_whatever_the_page_size(
    client, dora, call, two_recommended, monkeypatch
):
    from pypdf import PdfReader

    from reviews.views import decisions

    monkeypatch.setattr(decisions, "NOTICE_PAGE_SIZE", 1)
    notice = services.publish_notice(actor=dora, call=call)
    response = client.get(f"/notices/{notice.pk}/list.pdf")
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(response.content)).pages)
    for entry in notice.entries.all():
        assert entry.project_name in text


# ---------------------------------------------------------------- closing


def test_closing_before_the_window_ends_is_refused(approver_client, dora, call, two_recommended):
    notice = services.publish_notice(actor=dora, call=call)
    response = approver_client.post(f"/review/notices/{notice.pk}/close/", follow=True)
    assert "期满后才能办结" in response.content.decode()
    notice.refresh_from_db()
    assert notice.closed_at is None
    for application in two_recommended:
        application.refresh_from_db()
        assert application.status == S.PUBLICIZED


def test_closing_after_the_window_recognises_with_the_decided_amount(
    approver_client, dora, call, clock, two_recommended
):
    notice = services.publish_notice(actor=dora, call=call)
    clock.move_to(AFTER_WINDOW, tick=False)
    approver_client.force_login(dora)  # days later: the 30-minute idle session has ended
    response = approver_client.post(f"/review/notices/{notice.pk}/close/")
    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.closed_at is not None
    first, second = two_recommended
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.awarded_fen) == (S.RECOGNISED, 50000000)
    assert (second.status, second.awarded_fen) == (S.RECOGNISED, 10000000)
    assert first.events.filter(status=S.RECOGNISED, actor=dora).exists()


def test_closing_twice_changes_nothing(dora, call, clock, two_recommended):
    notice = services.publish_notice(actor=dora, call=call)
    clock.move_to(AFTER_WINDOW, tick=False)
    services.close_notice(notice=notice)
    first_closed_at = PublicNotice.objects.get().closed_at
    events = sum(a.events.count() for a in Application.objects.all())
    clock.move_to("2025-04-20 10:00 +08:00", tick=False)
    services.close_notice(notice=notice)
    assert PublicNotice.objects.get().closed_at == first_closed_at
    assert sum(a.events.count() for a in Application.objects.all()) == events


def test_the_command_closes_every_notice_whose_window_has_passed(dora, call, clock, two_recommended):
    notice = services.publish_notice(actor=dora, call=call)
    out = StringIO()
    call_command("close_notices", stdout=out)
    assert "没有需要办结的公示" in out.getvalue()
    notice.refresh_from_db()
    assert notice.closed_at is None
    clock.move_to(AFTER_WINDOW, tick=False)
    out = StringIO()
    call_command("close_notices", stdout=out)
    assert "已办结" in out.getvalue()
    notice.refresh_from_db()
    assert notice.closed_at is not None
    assert set(Application.objects.values_list("status", flat=True)) == {S.RECOGNISED}
    call_command("close_notices", stdout=StringIO())  # again: nothing to do, nothing changes
    assert set(Application.objects.values_list("status", flat=True)) == {S.RECOGNISED}


def test_an_application_withdrawn_during_the_window_is_not_recognised(
    alice, dora, call, clock, two_recommended
):
    from applications.services import withdraw_application

    notice = services.publish_notice(actor=dora, call=call)
    first, second = two_recommended
    withdraw_application(actor=alice, application=first, reason="放弃")
    clock.move_to(AFTER_WINDOW, tick=False)
    services.close_notice(notice=notice)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == S.WITHDRAWN and first.awarded_fen is None
    assert second.status == S.RECOGNISED


def test_recognition_rechecks_a_running_ceiling_shared_by_two_entries(alice, dora, call, clock):
    # 9.1: 500,000 per organisation per year. Each decision was within the ceiling alone (nothing was
    # recognised yet); together they are not, so the second goes back to decision instead of over the cap.
    first = recommended(
        dora,
        under_review(alice, call, code="9.1", facts={"service_cost": "600000"}, matter="合同一"),
        "300000",
    )
    second = recommended(
        dora,
        under_review(alice, call, code="9.1", facts={"service_cost": "600000"}, matter="合同二"),
        "300000",
    )
    notice = services.publish_notice(actor=dora, call=call)
    clock.move_to(AFTER_WINDOW, tick=False)
    services.close_notice(notice=notice)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.awarded_fen) == (S.RECOGNISED, 30000000)
    assert second.status == S.UNDER_REVIEW and second.awarded_fen is None
    assert "¥200,000.00" in second.events.last().note


def test_close_notice_refuses_a_non_approver_actor(carol, dora, call, clock, two_recommended):
    notice = services.publish_notice(actor=dora, call=call)
    clock.move_to(AFTER_WINDOW, tick=False)
    with pytest.raises(PermissionDenied):
        services.close_notice(notice=notice, actor=carol)
    with pytest.raises(ValidationError):
        services.close_notice(notice=notice, at=notice.ends_at)  # the last second still belongs to the window
    notice.refresh_from_db()
    assert notice.closed_at is None
    assert NoticeEntry.objects.count() == 2


def test_the_admin_shows_decisions_and_notices_read_only(admin_client, dora, call, two_recommended):
    notice = services.publish_notice(actor=dora, call=call)
    for model in ("decision", "override", "publicnotice", "objection"):
        assert admin_client.get(f"/admin/reviews/{model}/").status_code == 200
    assert admin_client.get(f"/admin/reviews/publicnotice/{notice.pk}/change/").status_code == 200
    assert admin_client.get("/admin/reviews/decision/add/").status_code == 403
