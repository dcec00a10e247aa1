"""我的资助: the enterprise sees its organisation's awards with every installment and its status; "已拨付"
with the date once paid; its administrator confirms the office for a rent subsidy's later years. Another
organisation's awards are never listed, and its installments are 404."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse

from disbursement import services
from disbursement.models import Award, Installment
from tests.applications.conftest import submitted
from tests.disbursement.conftest import SHANGHAI, login, recognised_award
from tests.factories import UserFactory

pytestmark = pytest.mark.usefixtures("clock", "private_files")

MINE = reverse("awards:mine")
NEXT_YEAR = datetime(2026, 1, 5, 9, 0, tzinfo=SHANGHAI)


def bank_account(user, organization, number="6222021001123456"):
    return services.set_bank_account(
        actor=user,
        organization=organization,
        bank_name="中国工商银行上海市长宁支行",
        account_name=organization.name,
        account_number=number,
    )


def pay(award: Award, *, officer, approver, voucher: str, on: date) -> Installment:
    """The award's due installment through a batch: built and submitted by the officer, approved by the
    approver, paid with the voucher."""
    installment = award.installments.get(status=Installment.Status.DUE)
    batch = services.create_batch(actor=officer, installment_ids=[installment.pk])
    services.submit_batch(actor=officer, batch=batch)
    services.approve_batch(actor=approver, batch=batch)
    services.record_payment(
        actor=officer, batch=batch, installment=installment, voucher_no=voucher, paid_on=on
    )
    installment.refresh_from_db()
    return installment


@pytest.fixture
def paid_award(approved_award, alice, org_a, fay, fred, clock):
    bank_account(alice, org_a)
    clock.move_to(datetime(2025, 4, 3, 16, 0, tzinfo=SHANGHAI), tick=False)
    pay(approved_award, officer=fay, approver=fred, voucher="PZ-2025-0001", on=date(2025, 4, 3))
    return approved_award


@pytest.fixture
def rent_award(call, alice, dora):
    """alice's 6.1b rent subsidy (rent ¥600,000.02 × 50%), recognised at ¥300,000.01: three yearly claims
    2025–2027, nothing granted until a year is claimed and accepted. Pending."""
    return recognised_award(
        alice,
        call,
        "6.1b",
        "300,000.01",
        facts={"annual_rent": "600000.02", "vc_rounds": "2"},
        matter="长宁区办公用房租金",
        actor=dora,
    )


def installment_cells(html: str, installment: Installment) -> str:
    row = html.split(f'id="installment-{installment.pk}"', 1)[1].split("</tr>", 1)[0]
    return " ".join(row.split())


# ---------------------------------------------------------------- who gets in


def test_anonymous_visitors_are_sent_to_log_in(client, award):
    for response in (
        client.get(MINE),
        client.get(reverse("awards:claim", args=[1])),
    ):
        assert response.status_code == 302
        assert response.url.startswith(resolve_url(settings.LOGIN_URL))


def test_a_user_without_an_organisation_is_sent_to_the_organisation_page(client, policy_data):
    sam = UserFactory(username="sam")
    response = login(client, sam).get(MINE, follow=True)
    assert response.redirect_chain[0] == (reverse("accounts:organization"), 302)
    assert "请先创建或加入申报单位" in response.content.decode()


def test_the_navigation_offers_my_awards_to_enterprise_users_and_the_application_links_it(client, award, fay):
    link = f'href="{MINE}"'
    page = login(client, award.application.created_by).get(MINE).content.decode()
    assert f'<a href="{MINE}" aria-current="page">我的资助</a>' in page
    detail = client.get(reverse("applications:detail", args=[award.application.pk])).content.decode()
    assert f'<a href="{MINE}">查看拨付情况</a>' in detail
    assert link not in login(client, fay).get(reverse("policies:catalogue")).content.decode()


def test_the_application_page_links_the_payments_only_once_recognised(client, alice, call):
    application = submitted(alice, call, facts={"self_raised_investment": "2000000"})
    detail = login(client, alice).get(reverse("applications:detail", args=[application.pk])).content.decode()
    assert "查看拨付情况" not in detail


# ---------------------------------------------------------------- what the enterprise sees


def test_a_pending_award_lists_its_installment_with_its_status(client, award, anna):
    html = login(client, anna).get(MINE).content.decode()  # an ordinary member sees them too
    assert award.application.number in html
    assert "7.1" in html and "硬核技术攻关" in html
    assert "¥600,000.00" in html
    assert "待财政审核" in html
    (installment,) = award.installments.all()
    cells = installment_cells(html, installment)
    assert "第 1 期" in cells and "2025" in cells and "¥600,000.00" in cells and "未到期" in cells
    assert "尚未登记收款账户" in html


def test_once_paid_the_installment_reads_paid_with_the_voucher_date(client, paid_award, alice):
    html = login(client, alice).get(MINE).content.decode()
    cells = installment_cells(html, paid_award.installments.get())
    assert "已拨付 2025-04-03" in cells
    assert "PZ-2025-0001" not in html  # the voucher number is the bank's business, the date is theirs
    assert "已拨付完毕" in html  # the award is closed: its only installment is paid
    # The account is shown masked to the enterprise.
    assert "************3456" in html and "6222021001123456" not in html


def test_the_notice_is_offered_once_finance_has_approved_and_the_bank_details_always(
    client, award, alice, fred, budget, year_total
):
    notice = reverse("awards:notice_pdf", args=[award.pk])
    html = login(client, alice).get(MINE).content.decode()
    assert f'href="{reverse("awards:bank_account")}"' in html
    assert "登记或变更收款账户" in html
    assert notice not in html  # pending: no notice yet
    services.approve_award(actor=fred, award=award)
    html = client.get(MINE).content.decode()
    assert f'<a href="{notice}">下载资金拨付通知(PDF)</a>' in html
    assert "已批准,按期拨付" in html and "待拨付" in installment_cells(html, award.installments.get())
    response = client.get(notice)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"


def claim_cells(html: str, claim) -> str:
    row = html.split(f'id="claim-{claim.pk}"', 1)[1].split("</tr>", 1)[0]
    return " ".join(row.split())


def test_a_rent_subsidy_shows_its_three_years_each_claimed_in_its_window(
    client, rent_award, alice, anna, time_machine
):
    first, second, third = rent_award.claims.order_by("year")
    assert not rent_award.installments.exists()  # nothing is split at 认定: each year is claimed
    html = login(client, alice).get(MINE).content.decode()
    assert "¥0.00" in html  # granted so far
    first_cells = claim_cells(html, first)
    assert "2025-01-01 – 2026-03-31" in first_cells and "待申领" in first_cells
    assert reverse("awards:claim_submit", args=[first.pk]) in first_cells
    second_cells = claim_cells(html, second)
    assert "2026" in second_cells and "该年度房租发票及付款凭证" in second_cells
    assert reverse("awards:claim_submit", args=[second.pk]) not in html  # not yet its window
    assert "不设第 4 年" in html

    time_machine.move_to(NEXT_YEAR, tick=False)
    html = login(client, alice).get(MINE).content.decode()  # logged in anew: the session has expired
    assert reverse("awards:claim_submit", args=[second.pk]) in html
    assert reverse("awards:claim_submit", args=[third.pk]) not in html  # 2027's waits for 2027
    member = login(client, anna).get(MINE).content.decode()
    assert reverse("awards:claim_submit", args=[second.pk]) not in member  # only the administrator claims


# ---------------------------------------------------------------- isolation


def test_bob_never_sees_alices_awards_and_her_claims_are_404_to_him(
    client, rent_award, award, bob, time_machine
):
    time_machine.move_to(NEXT_YEAR, tick=False)
    html = login(client, bob).get(MINE).content.decode()
    assert award.application.number not in html
    assert rent_award.application.number not in html
    assert "本单位还没有经认定的资助" in html
    second = rent_award.claims.get(year=2)
    assert client.get(reverse("awards:claim", args=[second.pk])).status_code == 404
    assert client.post(reverse("awards:claim_submit", args=[second.pk])).status_code == 404
    assert client.get(reverse("awards:claim", args=[999_999])).status_code == 404
    second.refresh_from_db()
    assert second.status == "open"


# ---------------------------------------------------------------- queries


def test_the_page_runs_the_same_number_of_queries_for_1_and_for_4_awards(
    client, award, alice, call, dora, django_assert_num_queries
):
    login(client, alice).get(MINE)  # warm up: content types, translations
    # session, user, membership + organisation, awards with application, call and item, their installments,
    # their failed payment attempts, their yearly claims, their clawbacks, the current bank account
    # and the header's unread-message COUNT (accounts.context_processors.inbox, issue 6)
    with django_assert_num_queries(10) as one:
        html = client.get(MINE).content.decode()
    assert html.count('class="card award"') == 1
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
        html = client.get(MINE).content.decode()
    assert html.count('class="card award"') == 4
