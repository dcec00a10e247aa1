"""Follow it to the money (issue 15): the application's timeline and 我的申报 go on past 已认定 — 待拨付, each
installment 已拨付 with its date and amount, 已结项, and a 连续补贴 run's yearly claims — all derived from the
finance records, and every status says what happens next and how long it typically takes (the call's
*_working_days). 我的资助 shows the same stage and next step, the failed payment attempts and the clawbacks.

alice administers 甲公司, anna is its member; bob is 乙公司; fay prepares and records payments, fred approves.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.conf import settings
from django.urls import reverse

from applications import services as application_services
from applications.models import Application
from disbursement import services
from disbursement.models import Installment
from tests.applications.conftest import call_item, submitted
from tests.disbursement import test_claims
from tests.disbursement.conftest import SHANGHAI, login, pay, recognised_award
from tests.pdfs import pdf_bytes, pdf_upload

pytestmark = pytest.mark.usefixtures("clock", "private_files")

DASHBOARD = reverse("applications:dashboard")
MINE = reverse("awards:mine")


def detail(client, user, application) -> str:
    response = login(client, user).get(reverse("applications:detail", args=[application.pk]))
    assert response.status_code == 200
    return response.content.decode()


def timeline(html: str) -> str:
    """The 办理进度 section, whitespace collapsed."""
    section = html.split('id="timeline-heading"', 1)[1].split("</section>", 1)[0]
    return " ".join(section.split())


def dashboard_row(html: str, application) -> str:
    href = reverse("applications:detail", args=[application.pk])
    row = html.split(f'href="{href}"', 1)[1].split("</tr>", 1)[0]
    return " ".join(row.split())


def in_order(text: str, *parts: str) -> bool:
    positions = [text.index(part) for part in parts]
    return positions == sorted(positions)


def bank(user, organization):
    return services.set_bank_account(
        actor=user,
        organization=organization,
        bank_name="上海银行长宁支行",
        account_name=organization.name,
        account_number="31658800001234567",
        bank_code="325290000012",
    )


def batch_of(installment, *, fay, fred):
    batch = services.create_batch(actor=fay, installment_ids=[installment.pk])
    services.submit_batch(actor=fay, batch=batch)
    return services.approve_batch(actor=fred, batch=batch)


@pytest.fixture
def staged_award(call, alice, dora, fred, budget, year_total):
    """alice's 7.1 award paid in two halves: the first once finance approves, the second after 验收."""
    item = call_item(call, "7.1")
    item.payment_stages = [{"percent": 50, "after": "notice"}, {"percent": 50, "after": "acceptance"}]
    item.save()
    award = recognised_award(
        alice,
        call,
        "7.1",
        "600,000",
        facts={"self_raised_investment": "2000000"},
        matter="智能视觉平台",
        actor=dora,
    )
    return services.approve_award(actor=fred, award=award)


# ---------------------------------------------------------------- before 认定: what happens next


def test_each_status_before_recognition_says_what_happens_next_and_how_long(client, alice, anna, call):
    application = submitted(alice, call, facts={"self_raised_investment": "2000000"})
    expected = "等待区科委受理审查(受理或退回补正),通常需要 5 个工作日,无需操作。"
    assert expected in timeline(detail(client, anna, application))
    assert expected in dashboard_row(login(client, anna).get(DASHBOARD).content.decode(), application)
    # The commission sets the typical times per call (the admin edits them); the pages follow.
    call.intake_working_days = 3
    call.save()
    assert "通常需要 3 个工作日" in timeline(detail(client, anna, application))
    Application.objects.filter(pk=application.pk).update(status=Application.Status.UNDER_REVIEW)
    assert "专家评审及审定中,通常需要 20 个工作日" in timeline(detail(client, anna, application))
    application_services.withdraw_application(actor=alice, application=application)
    assert "本申报已办结;可在申报批次开放期内另行申报。" in timeline(detail(client, anna, application))


# ---------------------------------------------------------------- past 认定


def test_a_pending_award_reads_waiting_for_payment_with_the_finance_review_time(client, award, anna):
    html = detail(client, anna, award.application)
    section = timeline(html)
    assert in_order(section, "已认定", "待拨付:资助待区财政局审核", "认定金额 ¥600,000.00")
    assert "区财政局审核资助并安排预算,通常需要 10 个工作日;请确认已登记收款账户。" in section
    assert f'href="{MINE}#award-{award.pk}"' in section
    row = dashboard_row(login(client, anna).get(DASHBOARD).content.decode(), award.application)
    assert "已认定" in row and "待拨付(区财政局审核中)" in row
    assert "通常需要 10 个工作日" in row and f"{MINE}#award-{award.pk}" in row


def test_the_timeline_follows_the_money_to_payment_and_closing(
    client, approved_award, alice, fay, fred, clock
):
    section = timeline(detail(client, alice, approved_award.application))
    assert "区财政局审核通过,按期拨付" in section
    assert "第 1 期 ¥600,000.00:待拨付" in section
    assert "第 1 期 ¥600,000.00 待拨付,编入拨付批次后到账,通常需要 10 个工作日。" in section

    clock.move_to(datetime(2025, 4, 8, 15, 0, tzinfo=SHANGHAI), tick=False)
    pay(approved_award.installments.get(), officer=fay, approver=fred, paid_on=date(2025, 4, 8))
    section = timeline(detail(client, alice, approved_award.application))
    assert in_order(
        section,
        "已认定",
        "待拨付:资助待区财政局审核",
        "区财政局审核通过,按期拨付",
        '<time datetime="2025-04-08">2025-04-08</time> <strong>第 1 期已拨付</strong>'
        ' <div class="timeline__note">¥600,000.00</div>',
        "<strong>已结项</strong>",
    )
    assert "资助已全部拨付,已结项,无需操作。" in section
    row = dashboard_row(client.get(DASHBOARD).content.decode(), approved_award.application)
    assert "已结项" in row


def test_installments_still_to_come_and_a_failed_payment_are_on_the_timeline(
    client, staged_award, alice, anna, fay, fred, clock
):
    first, _second = staged_award.installments.order_by("number")
    bank(alice, staged_award.organization)
    batch = batch_of(first, fay=fay, fred=fred)
    services.record_failure(actor=fay, batch=batch, installment=first, reason="户名不符")
    section = timeline(detail(client, anna, staged_award.application))
    assert "第 1 期拨付未成功" in section and "原因:户名不符" in section
    assert "第 2 期 ¥300,000.00:待条件满足" in section and "项目验收后拨付" in section
    html = login(client, anna).get(MINE).content.decode()
    assert "2025-04-01 拨付未成功:户名不符" in html

    batch = batch_of(first, fay=fay, fred=fred)
    services.record_payment(
        actor=fay, batch=batch, installment=first, voucher_no="PZ-9", paid_on=date(2025, 4, 1)
    )
    section = timeline(detail(client, anna, staged_award.application))
    assert "第 1 期已拨付" in section and "已结项" not in section
    assert "第 2 期 ¥300,000.00 在项目验收后拨付,验收由区科委组织。" in section
    row = dashboard_row(client.get(DASHBOARD).content.decode(), staged_award.application)
    assert "已拨付第 1 期(2025-04-01)" in row
    award_card = " ".join(client.get(MINE).content.decode().split())
    assert "已拨付第 1 期(2025-04-01)" in award_card
    assert "第 2 期 ¥300,000.00 在项目验收后拨付" in award_card


def test_a_clawback_is_on_the_timeline_and_in_my_awards(client, approved_award, alice, fay):
    services.record_clawback(
        actor=fay, award=approved_award, reason="moved_out", amount_fen=60_000_000, description="迁出长宁区"
    )
    section = timeline(detail(client, alice, approved_award.application))
    assert "追回 ¥600,000.00" in section and "迁出长宁区" in section
    assert "资助已追回,详见我的资助。" in section
    html = " ".join(client.get(MINE).content.decode().split())
    assert "¥600,000.00(迁出长宁区)" in html


# ---------------------------------------------------------------- 连续补贴: the yearly claims


run = test_claims.run  # alice's 6.1b run (rent ¥600,000, recognised at ¥300,000), approved by fred


def test_a_rent_run_shows_its_yearly_claims_and_what_to_do(client, run, alice, anna, dora, fay, fred):
    first = run.claims.get(year=1)
    section = timeline(detail(client, anna, run.application))
    assert "第 1 年补贴待申领" in section and "申领期 2025-01-01 至 2026-03-31" in section
    assert "第 3 年补贴待申领" in section and "申领期 2027-01-01 至 2028-03-31" in section
    assert "第 1 年补贴可申领,截止 2026-03-31(单位管理员办理)。" in section
    assert f'href="{reverse("awards:claim", args=[first.pk])}"' in section

    services.submit_claim(
        actor=alice,
        claim=first,
        annual_rent="600000",
        office_confirmed=True,
        office_address="上海市长宁区长宁路 1 号",
        rent_proof=pdf_upload("rent.pdf", pdf_bytes("rent")),
    )
    section = timeline(detail(client, anna, run.application))
    assert "第 1 年补贴已申领" in section and "第 1 年申领待区科委核查" in section
    assert "区科委核查第 1 年申领,通常需要 10 个工作日。" in section

    services.accept_claim(actor=dora, claim=first)
    section = timeline(detail(client, anna, run.application))
    assert "第 1 年补贴已核定 ¥300,000.00" in section
    assert "第 1 年补贴(第 1 期) ¥300,000.00:待拨付" in section
    installment = run.installments.get()
    pay(installment, officer=fay, approver=fred)
    section = timeline(detail(client, anna, run.application))
    assert in_order(section, "第 1 年补贴已申领", "第 1 年补贴已核定", "第 1 年补贴(第 1 期)已拨付")
    assert "已结项" not in section  # years 2 and 3 are still to claim
    assert "第 2 年补贴自 2026-01-01 起可申领(至 2027-03-31)。" in section


# ---------------------------------------------------------------- who sees what


def test_another_organisation_gets_404_and_staff_pages_are_unchanged(client, approved_award, bob, fay, fred):
    application = approved_award.application
    login(client, bob)
    assert client.get(reverse("applications:detail", args=[application.pk])).status_code == 404
    assert client.get(reverse("awards:notice_pdf", args=[approved_award.pk])).status_code == 404
    html = client.get(DASHBOARD).content.decode()
    assert application.number not in html
    assert client.get(MINE).content.decode().count('class="card award"') == 0
    # Finance staff keep their own award page; the enterprise's pages are not theirs.
    staff = login(client, fay).get(reverse("disbursement:award", args=[approved_award.pk]))
    assert staff.status_code == 200 and application.number in staff.content.decode()
    assert client.get(reverse("applications:detail", args=[application.pk])).status_code == 404


# ---------------------------------------------------------------- queries


def test_the_detail_runs_the_same_queries_for_one_installment_and_for_two(
    client, award, staged_award, alice, django_assert_num_queries
):
    assert award.installments.count() == 1 and staged_award.installments.count() == 2
    login(client, alice)
    first, second = (
        reverse("applications:detail", args=[a.pk]) for a in (award.application, staged_award.application)
    )
    client.get(first)  # warm up
    # session, user, the application with call and item, its timeline, the award with its item, its
    # installments (with batches), their failed payments, its yearly claims, its clawbacks, the revisions,
    # the item's facts and the header's unread-message COUNT
    with django_assert_num_queries(12):
        assert client.get(first).status_code == 200
    with django_assert_num_queries(12):
        assert "第 2 期" in client.get(second).content.decode()


def test_the_dashboard_runs_the_same_queries_for_one_award_and_for_four(
    client, award, alice, call, dora, django_assert_num_queries
):
    login(client, alice).get(DASHBOARD)  # warm up
    # session, user, membership + organisation, applications, and for the recognised ones: the awards,
    # their installments, failed payments, yearly claims and clawbacks; the inbox count
    with django_assert_num_queries(10) as one:
        client.get(DASHBOARD)
    for n in range(3):
        recognised_award(
            alice,
            call,
            "9.1",
            "100,000",
            facts={"service_cost": "400000"},
            matter=f"云服务合同{n}",
            actor=dora,
        )
    with django_assert_num_queries(len(one.captured_queries)):
        html = client.get(DASHBOARD).content.decode()
    assert html.count("待拨付(区财政局审核中)") == 4


def test_my_awards_runs_the_same_queries_with_payments_failures_and_claims(
    client, award, staged_award, run, alice, fay, fred, django_assert_num_queries
):
    login(client, alice).get(MINE)
    with django_assert_num_queries(10):  # as test_my_awards pins it, whatever the awards hold
        html = client.get(MINE).content.decode()
    assert html.count('class="card award"') == 3
    first = staged_award.installments.get(number=1)
    bank(alice, staged_award.organization)
    batch = batch_of(first, fay=fay, fred=fred)
    services.record_failure(actor=fay, batch=batch, installment=first, reason="户名不符")
    pay(first, officer=fay, approver=fred)
    with django_assert_num_queries(10):
        html = client.get(MINE).content.decode()
    assert "拨付未成功:户名不符" in html and Installment.objects.filter(status="paid").count() == 1


def test_an_english_reader_follows_the_money_in_english(client, award, anna):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    section = timeline(detail(client, anna, award.application))
    assert "Awaiting payment: the award awaits the finance bureau&#x27;s approval" in section
    assert "Recognised amount ¥600,000.00" in section
    assert "typically 10 working days" in section
    row = dashboard_row(client.get(DASHBOARD).content.decode(), award.application)
    assert "Awaiting payment (finance bureau approving)" in row
