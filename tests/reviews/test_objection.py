"""Objections to a 公示: named, with contact details, only during the window, confidential; the approver
upholds (back to decision) or dismisses (recognised on close), and a pending one blocks closing."""

import re

import pytest
from django.core.exceptions import PermissionDenied

from applications.models import Application
from reviews import services
from reviews.models import Objection
from tests.reviews.decision_support import *  # noqa: F403 (fixtures)
from tests.reviews.decision_support import under_review

pytestmark = pytest.mark.usefixtures("clock", "private_files")

S = Application.Status
AFTER_WINDOW = "2025-04-10 00:00:01 +08:00"
OBJECTOR = {"name": "赵异议", "contact": "13700001111", "content": "该项目的自筹投入中包含财政资金,请核实。"}


@pytest.fixture
def published(alice, dora, call):
    application = under_review(alice, call)
    services.record_decision(
        actor=dora, application=application, recommended=True, amount="500000", reasons="符合条件"
    )
    notice = services.publish_notice(actor=dora, call=call)
    application.refresh_from_db()
    return notice, notice.entries.get(), application


def object_url(entry):
    return f"/notices/{entry.notice_id}/entries/{entry.pk}/object/"


def lodge(notice, entry, **overrides):
    return services.lodge_objection(entry=entry, **{**OBJECTOR, **overrides})


# ---------------------------------------------------------------- lodging


def test_anyone_may_lodge_a_named_objection_and_it_stays_confidential(client, published):
    notice, entry, _application = published
    form = client.get(object_url(entry))
    assert form.status_code == 200
    assert "匿名异议不予受理" in form.content.decode()
    response = client.post(object_url(entry), OBJECTOR, follow=True)
    assert response.redirect_chain[-1][0] == f"/notices/{notice.pk}/"
    assert "异议已收到" in response.content.decode()
    objection = Objection.objects.get()
    assert (objection.name, objection.contact, objection.status) == ("赵异议", "13700001111", "pending")
    public = client.get(f"/notices/{notice.pk}/").content.decode()
    assert "赵异议" not in public and "13700001111" not in public and "财政资金" not in public


@pytest.mark.parametrize("missing", ["name", "contact"])
def test_an_anonymous_objection_is_refused_with_a_message(client, published, missing):
    _notice, entry, _application = published
    response = client.post(object_url(entry), {**OBJECTOR, missing: "  "})
    assert response.status_code == 400
    assert "不受理匿名异议" in response.content.decode()
    assert not Objection.objects.exists()


def test_an_objection_needs_its_content(client, published):
    _notice, entry, _application = published
    response = client.post(object_url(entry), {**OBJECTOR, "content": ""})
    assert response.status_code == 400
    assert not Objection.objects.exists()


def test_no_objection_is_received_after_the_window(client, clock, published):
    notice, entry, _application = published
    clock.move_to(AFTER_WINDOW, tick=False)
    response = client.post(object_url(entry), OBJECTOR, follow=True)
    assert "公示期已结束,不再受理异议" in response.content.decode()
    assert not Objection.objects.exists()
    assert client.get(object_url(entry)).status_code == 302
    assert f"/notices/{notice.pk}/entries/" not in client.get(f"/notices/{notice.pk}/").content.decode()


def test_the_last_second_of_the_window_still_counts(clock, published):
    notice, entry, _application = published
    clock.move_to("2025-04-08 23:59:59 +08:00", tick=False)
    lodge(notice, entry)
    assert Objection.objects.count() == 1


def test_an_entry_of_another_notice_is_404(client, published):
    notice, entry, _application = published
    assert client.get(f"/notices/{notice.pk + 1}/entries/{entry.pk}/object/").status_code == 404


# ---------------------------------------------------------------- deciding and closing


def decide(client, notice, objection, outcome, note="经核实"):
    return client.post(
        f"/review/notices/{notice.pk}/objections/{objection.pk}/decide/", {"outcome": outcome, "note": note}
    )


def test_the_approver_sees_the_objection_on_the_staff_page(approver_client, published):
    notice, entry, _application = published
    lodge(notice, entry)
    page = approver_client.get(f"/review/notices/{notice.pk}/").content.decode()
    assert "赵异议" in page and "13700001111" in page and "财政资金" in page


def test_a_pending_objection_blocks_closing(approver_client, dora, clock, published):
    notice, entry, application = published
    lodge(notice, entry)
    clock.move_to(AFTER_WINDOW, tick=False)
    approver_client.force_login(dora)  # days later: the 30-minute idle session has ended
    response = approver_client.post(f"/review/notices/{notice.pk}/close/", follow=True)
    assert "异议未处理" in response.content.decode()
    notice.refresh_from_db()
    application.refresh_from_db()
    assert notice.closed_at is None
    assert application.status == S.PUBLICIZED


def test_an_upheld_objection_sends_the_application_back_to_decision(
    approver_client, alice, dora, call, clock, published
):
    notice, entry, application = published
    objection = lodge(notice, entry)
    # Without a note the decision is refused (a message on the notice page) and nothing changes.
    assert decide(approver_client, notice, objection, "upheld", note="").status_code == 302
    objection.refresh_from_db()
    assert objection.status == Objection.Status.PENDING
    decide(approver_client, notice, objection, "upheld", note="自筹投入含财政资金,属实。")
    objection.refresh_from_db()
    assert objection.status == Objection.Status.UPHELD and objection.decided_by == dora
    clock.move_to(AFTER_WINDOW, tick=False)
    approver_client.force_login(dora)  # days later: the 30-minute idle session has ended
    approver_client.post(f"/review/notices/{notice.pk}/close/")
    application.refresh_from_db()
    assert application.status == S.UNDER_REVIEW
    assert application.awarded_fen is None

    # Decided again and published in a new notice: the same application may appear in a later notice.
    response = approver_client.post(
        f"/review/applications/{application.pk}/decide/",
        {"recommended": "yes", "amount": "300000", "reasons": "核减财政资金部分。", "released_comments": ""},
    )
    assert response.status_code == 302
    second = services.publish_notice(actor=dora, call=call)
    assert second.entries.get().amount_fen == 30000000
    application.refresh_from_db()
    assert application.status == S.PUBLICIZED


def test_a_dismissed_objection_lets_the_application_be_recognised(approver_client, dora, clock, published):
    notice, entry, application = published
    objection = lodge(notice, entry)
    decide(approver_client, notice, objection, "dismissed", note="经核实,自筹资金来源合规。")
    clock.move_to(AFTER_WINDOW, tick=False)
    approver_client.force_login(dora)  # days later: the 30-minute idle session has ended
    approver_client.post(f"/review/notices/{notice.pk}/close/")
    application.refresh_from_db()
    assert (application.status, application.awarded_fen) == (S.RECOGNISED, 50000000)
    objection.refresh_from_db()
    assert objection.status == Objection.Status.DISMISSED


@pytest.mark.parametrize("who", ["carol", "rex", "alice"])
def test_only_approvers_see_and_decide_objections(client, request, carol, rex, published, who):
    notice, entry, _application = published
    objection = lodge(notice, entry)
    user = request.getfixturevalue(who)
    client.force_login(user)
    assert client.get(f"/review/notices/{notice.pk}/").status_code == 403
    assert decide(client, notice, objection, "upheld").status_code == 403
    with pytest.raises(PermissionDenied):
        services.decide_objection(actor=user, objection=objection, upheld=True, note="x")
    objection.refresh_from_db()
    assert objection.status == Objection.Status.PENDING


def test_anonymous_cannot_decide_an_objection(client, published):
    notice, entry, _application = published
    objection = lodge(notice, entry)
    response = decide(client, notice, objection, "upheld")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    objection.refresh_from_db()
    assert objection.status == Objection.Status.PENDING


# ---------------------------------------------------------------- contact, duplicates, floods


@pytest.mark.parametrize("contact", ["12345", "电话找我", "1370000111", "alice@", "137 0000 1111 ext 2"])
def test_a_contact_nobody_can_reach_is_refused_with_a_message(client, published, contact):
    _notice, entry, _application = published
    response = client.post(object_url(entry), {**OBJECTOR, "contact": contact})
    assert response.status_code == 400
    assert "请填写有效的手机号码(11 位)或电子邮箱" in response.content.decode()
    assert not Objection.objects.exists()


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("+86 137-0000-1111", "13700001111"),
        ("１３７００００１１１１", "13700001111"),  # full-width digits
        (" Zhao@Example.COM ", "zhao@example.com"),
    ],
)
def test_a_reachable_contact_is_kept_in_one_form(client, published, typed, kept):
    _notice, entry, _application = published
    client.post(object_url(entry), {**OBJECTOR, "contact": typed})
    assert Objection.objects.get().contact == kept


def test_the_same_contact_cannot_object_twice_to_one_entry(client, published):
    _notice, entry, _application = published
    client.post(object_url(entry), OBJECTOR)
    again = client.post(object_url(entry), {**OBJECTOR, "contact": "+86 13700001111", "content": "再次提出"})
    assert again.status_code == 400
    assert "该联系方式已对此项目提出过异议" in again.content.decode()
    assert Objection.objects.count() == 1


def test_every_objection_reaches_the_approvers(client, published, dora):
    from accounts.models import Notification

    _notice, entry, _application = published
    client.post(object_url(entry), OBJECTOR)
    message = Notification.objects.get(recipient=dora, event="objection.lodged")
    assert "收到一件异议" in message.subject and "13700001111" not in message.body


def test_a_flood_from_one_visitor_gets_429_in_chinese_and_is_audited(client, published):
    from audit.models import AuditRecord

    _notice, entry, _application = published
    for n in range(5):
        response = client.post(object_url(entry), {**OBJECTOR, "contact": f"1370000{n:04d}"})
        assert response.status_code == 302
    flooded = client.post(object_url(entry), {**OBJECTOR, "contact": "13700009999"})
    assert flooded.status_code == 429
    assert "操作过于频繁" in flooded.content.decode() and flooded["Retry-After"]
    assert Objection.objects.count() == 5
    assert AuditRecord.objects.filter(action="ratelimit", result="denied").count() == 1
    assert client.get(object_url(entry)).status_code == 200  # reading the form is not limited


def test_a_flood_at_one_notice_from_many_addresses_is_limited_too(client, published):
    _notice, entry, _application = published
    for n in range(60):
        response = client.post(
            object_url(entry),
            {**OBJECTOR, "contact": f"1380000{n:04d}"},
            REMOTE_ADDR=f"10.0.{n // 200}.{n % 200}",
        )
        assert response.status_code == 302, n
    flooded = client.post(object_url(entry), {**OBJECTOR, "contact": "13900009999"}, REMOTE_ADDR="10.9.9.9")
    assert flooded.status_code == 429
    assert Objection.objects.count() == 60


# ---------------------------------------------------------------- 公示 corrections


def test_an_upheld_objection_withdraws_the_public_line_and_the_republished_notice_is_a_correction(
    client, approver_client, alice, dora, call, clock, published
):
    from io import BytesIO

    from pypdf import PdfReader

    from tests.documents.pdf_checks import assert_official

    notice, entry, application = published
    other = under_review(alice, call, code="9.1", facts={"service_cost": "200000"}, matter="云服务合同")
    services.record_decision(actor=dora, application=other, recommended=True, amount="100000", reasons="符合")
    objection = lodge(notice, entry)
    decide(approver_client, notice, objection, "upheld", note="自筹投入含财政资金,属实。")

    # At once, before the notice closes: the line is withdrawn with its date, and out of the total.
    page = client.get(f"/notices/{notice.pk}/").content.decode()
    row = page.split('class="row--withdrawn"', 1)[1].split("</tr>", 1)[0]
    assert "已撤回(2025-" in row and "智能视觉平台研发" in row and "提出异议" not in row
    assert "赵异议" not in page and "13700001111" not in page  # nothing of the objection
    assert 'id="notice-total">¥0.00<' in page  # 500,000 withdrawn; nothing else in this notice
    pdf = client.get(f"/notices/{notice.pk}/list.pdf")
    text = "".join(p.extract_text() for p in PdfReader(BytesIO(pdf.content)).pages)
    assert_official(text)
    squeezed = text.replace(" ", "").replace("\n", "")
    assert "已撤回(2025年" in squeezed and "¥500,000.00" not in squeezed and "零元整" in squeezed

    # Closed, decided again, published again: a numbered 更正公示 that links to the notice it corrects.
    clock.move_to(AFTER_WINDOW, tick=False)
    approver_client.force_login(dora)
    approver_client.post(f"/review/notices/{notice.pk}/close/")
    services.record_decision(
        actor=dora, application=application, recommended=True, amount="300000", reasons="核减"
    )
    correction = services.publish_notice(actor=dora, call=call)
    assert correction.corrects == notice and correction.correction_number == 1
    assert correction.title.endswith("拟支持项目更正公示(第1号)")
    corrected_page = client.get(f"/notices/{correction.pk}/").content.decode()
    assert f'href="/notices/{notice.pk}/"' in corrected_page and "本公示为更正公示" in corrected_page
    assert 'id="notice-total">¥400,000.00<' in corrected_page  # 300,000 again + the 9.1 line
    original = client.get(f"/notices/{notice.pk}/").content.decode()
    assert f'href="/notices/{correction.pk}/"' in original and "本公示已有更正" in original
    pdf = client.get(f"/notices/{correction.pk}/list.pdf")
    text = (
        "".join(p.extract_text() for p in PdfReader(BytesIO(pdf.content)).pages)
        .replace(" ", "")
        .replace("\n", "")
    )
    assert "本公示为更正公示" in text and "¥400,000.00" in text
    pdf = client.get(f"/notices/{notice.pk}/list.pdf")  # the corrected notice's list names its correction
    text = "".join(p.extract_text() for p in PdfReader(BytesIO(pdf.content)).pages).replace("\n", "")
    assert f"本公示已有更正,见{correction.title}(2025年" in text


def test_a_correction_is_numbered_after_the_notice_it_corrects_whatever_pdf_is_downloaded_first(
    client, approver_client, dora, call, clock, published
):
    """The 文号 is issued at publication, not at the first download of the list (which made a 更正公示
    downloaded first 长科委公〔2025〕1号 and the notice it corrects 2号)."""
    from io import BytesIO

    from pypdf import PdfReader

    notice, entry, application = published
    decide(approver_client, notice, lodge(notice, entry), "upheld")
    clock.move_to(AFTER_WINDOW, tick=False)
    services.close_notice(notice=notice, actor=dora)
    services.record_decision(
        actor=dora, application=application, recommended=True, amount="300000", reasons="核减"
    )
    correction = services.publish_notice(actor=dora, call=call)

    def number(of) -> str:
        pdf = client.get(f"/notices/{of.pk}/list.pdf")
        text = "".join(p.extract_text() for p in PdfReader(BytesIO(pdf.content)).pages)
        return re.search(r"长科委公〔\d{4}〕\d+号", text).group(0)

    assert number(correction) == "长科委公〔2025〕2号"
    assert number(notice) == "长科委公〔2025〕1号"


def test_a_notice_with_no_withdrawn_line_is_not_a_correction(dora, call, published):
    notice, _entry, _application = published
    assert notice.corrects is None and notice.correction_number is None
    assert "更正" not in notice.title
