"""一企一策 support agreements outside any item (Art. 10(3): “涉及载体建设、企业创新、环境建设中对区域产业生态
打造有重大影响的,可采取‘一事一议’‘一企一策’的方式处理”; the ruling of 2026-12-02: its own record with amount,
reason, budget line and the same four-eyes confirmation).

dora (区科委's commission approver) proposes; fred or frank (区财政局's finance approvers) decide, never the
proposer; approving creates the award, committed to the year's 一企一策 budget line, and from there it is paid
like any award: fay batches it, frank approves the batch, fay records the payment.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from accounts.roles import Role
from audit.models import AuditRecord
from disbursement import services
from disbursement.documents import award_notice_pdf
from disbursement.exports import batch_workbook
from disbursement.models import (
    AGREEMENT_BUDGET_CODE,
    Award,
    Budget,
    Installment,
    PaymentBatch,
    SupportAgreement,
)
from tests.factories import UserFactory

from .conftest import confirmed_budget, login, pay, yuan

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

LIST = "/finance/agreements/"
NEW = "/finance/agreements/new/"
REASON = "全市首个大模型开源社区落户长宁,带动上下游企业集聚,对区域人工智能产业生态打造有重大影响。"


def url(agreement: SupportAgreement, action: str = "") -> str:
    return f"/finance/agreements/{agreement.pk}/{action + '/' if action else ''}"


@pytest.fixture
def line(dora, fay) -> Budget:
    """The confirmed 2025 一企一策 budget line: ¥5,000,000."""
    return confirmed_budget(2025, AGREEMENT_BUDGET_CODE, "5,000,000", entered_by=dora, confirmed_by=fay)


def propose(dora, organization, amount: str = "2,000,000", **overrides) -> SupportAgreement:
    values = {
        "actor": dora,
        "organization": organization,
        "title": "大模型开源社区建设",
        "area": SupportAgreement.Area.ENVIRONMENT,
        "reason": REASON,
        "amount_fen": yuan(amount),
        "budget_year": 2025,
    }
    values.update(overrides)
    return services.propose_agreement(**values)


@pytest.fixture
def proposed(dora, org_a, alice) -> SupportAgreement:
    return propose(dora, org_a)


def snapshot() -> tuple:
    """Everything the agreement pages can change, to prove a refusal saved nothing."""
    return (
        list(SupportAgreement.objects.order_by("pk").values_list("status", "decided_by", "amount_fen")),
        list(Award.objects.order_by("pk").values_list("status", "amount_fen")),
        list(Installment.objects.order_by("pk").values_list("status", "amount_fen")),
        list(Budget.objects.order_by("pk").values_list("amount_fen", "committed_fen", "paid_fen")),
    )


# ---------------------------------------------------------------- propose and decide


def test_commission_proposes_and_a_finance_approver_approves_which_commits_the_line(
    proposed, line, year_total, dora, fred, org_a
):
    assert proposed.status == SupportAgreement.Status.PROPOSED
    assert proposed.number == f"CNAI-2025-YQYC-{proposed.pk:05d}"
    assert (proposed.proposed_by, proposed.budget_code) == (dora, "一企一策")

    services.decide_agreement(actor=fred, agreement=proposed, approve=True)

    proposed.refresh_from_db()
    assert (proposed.status, proposed.decided_by) == (SupportAgreement.Status.APPROVED, fred)
    award = proposed.award
    assert (award.application, award.item, award.organization) == (None, None, org_a)
    assert (award.status, award.amount_fen, award.approved_by) == (Award.Status.APPROVED, 200_000_000, fred)
    assert (award.number, award.budget_code, award.project_name, award.year) == (
        proposed.number,
        "一企一策",
        "大模型开源社区建设",
        2025,
    )
    # One installment, in the agreement's budget year, which is this year: due at once.
    assert list(award.installments.values_list("number", "year", "amount_fen", "status")) == [
        (1, 2025, 200_000_000, Installment.Status.DUE)
    ]
    line.refresh_from_db()
    year_total.refresh_from_db()
    assert line.committed_fen == year_total.committed_fen == 200_000_000


def test_a_later_budget_year_waits_until_its_year(dora, fred, fay, org_a, alice):
    confirmed_budget(2026, AGREEMENT_BUDGET_CODE, "1,000,000", entered_by=dora, confirmed_by=fay)
    agreement = propose(dora, org_a, "300,000", budget_year=2026)
    services.decide_agreement(actor=fred, agreement=agreement, approve=True)
    installment = agreement.award.installments.get()
    assert (installment.year, installment.status) == (2026, Installment.Status.SCHEDULED)


def test_rejecting_needs_a_note_and_creates_no_award(proposed, line, fred):
    with pytest.raises(ValidationError, match="写明意见"):
        services.decide_agreement(actor=fred, agreement=proposed, approve=False, note="  ")
    services.decide_agreement(
        actor=fred, agreement=proposed, approve=False, note="不属于第十条第三款所列领域"
    )
    proposed.refresh_from_db()
    assert (proposed.status, proposed.decided_by, proposed.decision_note) == (
        SupportAgreement.Status.REJECTED,
        fred,
        "不属于第十条第三款所列领域",
    )
    assert not Award.objects.exists()
    line.refresh_from_db()
    assert line.committed_fen == 0


def test_a_decided_agreement_cannot_be_decided_again(proposed, line, fred, frank):
    services.decide_agreement(actor=fred, agreement=proposed, approve=True)
    for approve in (True, False):
        with pytest.raises(ValidationError, match="已处理"):
            services.decide_agreement(actor=frank, agreement=proposed, approve=approve, note="再议")
    assert Award.objects.count() == 1
    line.refresh_from_db()
    assert line.committed_fen == 200_000_000


# ---------------------------------------------------------------- four eyes


def test_the_proposer_never_decides_even_holding_both_roles(line, org_a, alice):
    both = UserFactory(
        username="dual", roles=[Role.COMMISSION_APPROVER, Role.FINANCE_APPROVER], is_staff=True
    )
    agreement = propose(both, org_a)
    for approve in (True, False):
        with pytest.raises(PermissionDenied, match="提出人"):
            services.decide_agreement(actor=both, agreement=agreement, approve=approve, note="x")
    agreement.refresh_from_db()
    assert (agreement.status, agreement.decided_by) == (SupportAgreement.Status.PROPOSED, None)
    assert not Award.objects.exists()


def test_the_database_refuses_a_self_decided_agreement(proposed, dora):
    with pytest.raises(IntegrityError), transaction.atomic():
        SupportAgreement.objects.filter(pk=proposed.pk).update(
            status=SupportAgreement.Status.APPROVED, decided_by=dora, decided_at=proposed.proposed_at
        )


def test_the_database_refuses_an_award_with_two_sources_or_none(proposed, approved_award):
    with pytest.raises(IntegrityError), transaction.atomic():
        Award.objects.filter(pk=approved_award.pk).update(agreement=proposed)
    with pytest.raises(IntegrityError), transaction.atomic():
        Award.objects.filter(pk=approved_award.pk).update(application=None, item=None)


# ---------------------------------------------------------------- the budget


def test_approving_beyond_the_line_is_refused_with_the_figures_and_changes_nothing(
    dora, fay, fred, org_a, alice
):
    line = confirmed_budget(2025, AGREEMENT_BUDGET_CODE, "1,500,000", entered_by=dora, confirmed_by=fay)
    agreement = propose(dora, org_a, "2,000,000")
    before = snapshot()
    with pytest.raises(ValidationError) as refused:
        services.decide_agreement(actor=fred, agreement=agreement, approve=True)
    text = " ".join(refused.value.messages)
    assert "2025 年度 一企一策 项目预算不足" in text and "剩余 ¥1,500,000.00" in text
    assert "本次需 ¥2,000,000.00" in text
    assert snapshot() == before
    line.refresh_from_db()
    assert line.committed_fen == 0


def test_a_year_total_without_room_refuses_too(line, dora, fay, fred, org_a, alice):
    confirmed_budget(2025, "", "1,000,000", entered_by=dora, confirmed_by=fay)
    agreement = propose(dora, org_a, "2,000,000")
    with pytest.raises(ValidationError, match="2025 年度总预算不足"):
        services.decide_agreement(actor=fred, agreement=agreement, approve=True)
    agreement.refresh_from_db()
    assert agreement.status == SupportAgreement.Status.PROPOSED


def test_no_line_or_an_unconfirmed_line_is_refused(proposed, dora, fred):
    with pytest.raises(ValidationError, match="一企一策 项目尚未编列预算"):
        services.decide_agreement(actor=fred, agreement=proposed, approve=True)
    services.enter_budget(
        actor=dora, year=2025, item_code=AGREEMENT_BUDGET_CODE, amount_fen=yuan("9,000,000")
    )
    with pytest.raises(ValidationError, match="尚未经区财政局确认"):
        services.decide_agreement(actor=fred, agreement=proposed, approve=True)
    assert not Award.objects.exists()


def test_the_line_is_entered_on_the_budget_page_like_an_item(client, dora, fay):
    login(client, dora)
    assert "一企一策支持协议(第十条第三款)" in client.get("/finance/budgets/?year=2025").content.decode()
    response = client.post(
        "/finance/budgets/enter/", {"year": "2025", "item_code": "一企一策", "amount": "3000000.00"}
    )
    assert response.status_code == 302
    budget = Budget.objects.get(year=2025, item_code="一企一策")
    assert (budget.amount_fen, budget.is_confirmed) == (300_000_000, False)


# ---------------------------------------------------------------- in the finance flow like an award


def test_the_award_is_batched_paid_and_closed_like_any_other(
    proposed, line, year_total, fred, frank, fay, org_a, private_files
):
    services.decide_agreement(actor=fred, agreement=proposed, approve=True)
    award = Award.objects.get(agreement=proposed)
    installment = award.installments.get()
    pay(installment, officer=fay, approver=frank)

    installment.refresh_from_db()
    award.refresh_from_db()
    line.refresh_from_db()
    year_total.refresh_from_db()
    assert installment.status == Installment.Status.PAID
    assert award.status == Award.Status.CLOSED
    assert (line.committed_fen, line.paid_fen) == (0, 200_000_000)
    assert (year_total.committed_fen, year_total.paid_fen) == (0, 200_000_000)

    batch = PaymentBatch.objects.get()
    workbook, total = batch_workbook(batch)
    row = [cell.value for cell in list(workbook.active.iter_rows())[-1]]  # the one payment, below the header
    assert total == 200_000_000
    assert row[4] == Decimal("2000000.00")
    assert row[5] == f"长宁区人工智能政策扶持资金 一企一策 {proposed.number}"
    assert award_notice_pdf(award).startswith(b"%PDF")


def test_the_pages_of_the_flow_name_the_agreement(client, proposed, line, fred, fay, alice):
    services.decide_agreement(actor=fred, agreement=proposed, approve=True)
    award = Award.objects.get(agreement=proposed)
    login(client, fay)
    for page in ("/finance/awards/", f"/finance/awards/{award.pk}/", "/finance/batches/new/"):
        response = client.get(page)
        assert response.status_code == 200, page
        assert proposed.number in response.content.decode(), page
    login(client, alice)
    mine = client.get("/awards/").content.decode()
    assert proposed.number in mine and "大模型开源社区建设" in mine


def test_a_clawback_of_an_agreement_award_gives_the_line_back(proposed, line, fred, fay):
    services.decide_agreement(actor=fred, agreement=proposed, approve=True)
    award = Award.objects.get(agreement=proposed)
    clawback = services.record_clawback(
        actor=fay, award=award, reason="moved_out", amount_fen=yuan("500,000"), description="迁出长宁区"
    )
    assert clawback.cancelled_fen == yuan("500,000")
    line.refresh_from_db()
    assert line.committed_fen == yuan("1,500,000")


# ---------------------------------------------------------------- the audit trail


def test_every_change_is_in_the_audit_trail_with_who_made_it(client, org_a, alice, line, dora, fred):
    login(client, dora)
    client.post(
        NEW,
        {
            "organization": org_a.pk,
            "title": "大模型开源社区建设",
            "area": "environment",
            "reason": REASON,
            "amount": "2000000",
            "budget_year": "2025",
        },
    )
    proposed = SupportAgreement.objects.get()
    login(client, fred)
    client.post(url(proposed, "decide"), {"decision": "approve", "note": "同意"})
    award = Award.objects.get(agreement=proposed)
    records = AuditRecord.objects.filter(
        object_type="disbursement.supportagreement", object_id=str(proposed.pk)
    )
    created = records.get(action="supportagreement.create")
    assert (created.username, created.changes["after"]["amount_fen"]) == ("dora", 200_000_000)
    decided = records.filter(action="supportagreement.update", username="fred").get(
        changes__after__status="approved"
    )
    assert decided.changes["before"]["status"] == "proposed"
    assert decided.changes["after"]["decision_note"] == "同意"
    assert AuditRecord.objects.filter(
        action="award.create", object_type="disbursement.award", object_id=str(award.pk), username="fred"
    ).exists()
    assert AuditRecord.objects.filter(
        action="installment.create", object_type="disbursement.installment", username="fred"
    ).exists()
    assert AuditRecord.objects.filter(
        action="budget.update", object_id=str(line.pk), changes__after__committed_fen=200_000_000
    ).exists()


# ---------------------------------------------------------------- who may


def test_only_commission_approvers_propose(fay, fred, org_a, alice, administrators, carol):
    for user in (fay, fred, alice, carol, *administrators):
        with pytest.raises(PermissionDenied):
            propose(user, org_a)
    assert not SupportAgreement.objects.exists()


def test_only_finance_approvers_decide(proposed, line, dora, fay, alice, carol, administrators):
    for user in (dora, fay, alice, carol, *administrators):
        with pytest.raises(PermissionDenied):
            services.decide_agreement(actor=user, agreement=proposed, approve=True)
    proposed.refresh_from_db()
    assert proposed.status == SupportAgreement.Status.PROPOSED


def test_an_organisation_not_in_good_standing_gets_no_agreement(dora, fred, line, org_a, alice):
    org_a.in_abnormal_list = True
    org_a.save()
    with pytest.raises(ValidationError, match="经营异常名录"):
        propose(dora, org_a)
    org_a.in_abnormal_list = False
    org_a.save()
    agreement = propose(dora, org_a)
    org_a.in_abnormal_list = True
    org_a.save()
    with pytest.raises(ValidationError, match="经营异常名录"):
        services.decide_agreement(actor=fred, agreement=agreement, approve=True)
    assert not Award.objects.exists()


def test_pages_answer_403_to_every_other_role_and_send_the_anonymous_to_log_in(
    client, proposed, line, outsiders, dora, fay
):
    before = snapshot()
    form = {
        "organization": proposed.organization_id,
        "title": "x",
        "area": "innovation",
        "reason": "x",
        "amount": "1",
        "budget_year": "2025",
    }
    for user in outsiders:
        login(client, user)
        for page in (LIST, NEW, url(proposed)):
            assert client.get(page).status_code == 403, (user.username, page)
        assert client.post(NEW, form).status_code == 403, user.username
        assert client.post(url(proposed, "decide"), {"decision": "approve"}).status_code == 403
    # 区科委 reads but does not decide; a finance officer reads but neither proposes nor decides.
    login(client, dora)
    assert client.post(url(proposed, "decide"), {"decision": "approve"}).status_code == 403
    login(client, fay)
    assert client.get(NEW).status_code == 403
    assert client.post(NEW, form).status_code == 403
    assert client.post(url(proposed, "decide"), {"decision": "approve"}).status_code == 403
    client.logout()
    for page in (LIST, NEW, url(proposed)):
        response = client.get(page)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert snapshot() == before


def test_an_unknown_agreement_is_404(client, dora, fred):
    login(client, dora)
    assert client.get("/finance/agreements/987654/").status_code == 404
    login(client, fred)
    assert client.get("/finance/agreements/987654/").status_code == 404
    assert client.post("/finance/agreements/987654/decide/", {"decision": "approve"}).status_code == 404


# ---------------------------------------------------------------- the pages


def test_proposing_and_approving_through_the_pages(client, org_a, alice, line, dora, fred):
    login(client, dora)
    assert "一企一策" in client.get("/finance/awards/").content.decode()  # the nav link
    response = client.post(
        NEW,
        {
            "organization": org_a.pk,
            "title": "具身智能创新中心",
            "area": "carrier",
            "reason": REASON,
            "amount": "1234567.89",
            "budget_year": "2025",
        },
    )
    agreement = SupportAgreement.objects.get()
    assert response.status_code == 302 and response["Location"] == url(agreement)
    assert (agreement.amount_fen, agreement.area, agreement.proposed_by) == (123_456_789, "carrier", dora)
    page = client.get(url(agreement)).content.decode()
    assert "¥1,234,567.89" in page and "须由区财政局其他审核人员决定" in page

    login(client, fred)
    page = client.get(url(agreement)).content.decode()
    assert f'action="/finance/agreements/{agreement.pk}/decide/"' in page
    response = client.post(url(agreement, "decide"), {"decision": "approve", "note": ""})
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.status == SupportAgreement.Status.APPROVED
    assert "已批准一企一策支持协议" in client.get(LIST).content.decode()  # the message, on the next page


def test_the_page_shows_the_budget_refusal(client, proposed, dora, fay, fred):
    confirmed_budget(2025, AGREEMENT_BUDGET_CODE, "100", entered_by=dora, confirmed_by=fay)
    login(client, fred)
    response = client.post(url(proposed, "decide"), {"decision": "approve"})
    assert response.status_code == 400
    assert "一企一策 项目预算不足" in response.content.decode()
    proposed.refresh_from_db()
    assert proposed.status == SupportAgreement.Status.PROPOSED


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"amount": "abc"}, "请填写有效的金额"),
        ({"amount": "-5"}, "支持金额必须大于 0"),
        ({"amount": "0"}, "支持金额必须大于 0"),
        ({"amount": "1.005"}, "金额最多保留两位小数"),
        ({"amount": "100000000.01"}, "支持金额不能超过"),
        ({"amount": ""}, "请填写支持金额"),
        ({"reason": "  "}, "请写明理由"),
        ({"title": ""}, "请填写支持事项"),
        ({"area": "sports"}, "请选择所属领域"),
        ({"organization": "987654"}, "请选择平台上已登记的单位"),
        ({"budget_year": "1999"}, ""),
        ({"budget_year": "2024"}, "预算年度不能早于今年"),
    ],
)
def test_bad_input_is_refused_in_chinese_and_changes_nothing(client, org_a, dora, changes, message):
    login(client, dora)
    data = {
        "organization": str(org_a.pk),
        "title": "具身智能创新中心",
        "area": "carrier",
        "reason": REASON,
        "amount": "1000000",
        "budget_year": "2025",
    }
    data.update(changes)
    response = client.post(NEW, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not SupportAgreement.objects.exists()


def test_a_bad_decision_is_refused_and_changes_nothing(client, proposed, line, fred):
    login(client, fred)
    before = snapshot()
    for data in ({}, {"decision": "maybe"}, {"decision": "reject", "note": ""}):
        response = client.post(url(proposed, "decide"), data)
        assert response.status_code == 400, data
    assert "不予批准时请写明意见" in response.content.decode()
    assert snapshot() == before


def test_the_list_runs_a_constant_number_of_queries(
    client, dora, org_a, alice, django_assert_max_num_queries
):
    for n in range(5):
        propose(dora, org_a, "1,000", title=f"事项{n}")
    login(client, dora)
    client.get(LIST)  # warm the session and the role cache
    # session, user, OTP device, roles, count, the page of agreements (organisation and people joined)
    with django_assert_max_num_queries(8):
        assert client.get(LIST).status_code == 200


# ---------------------------------------------------------------- who is told, and where the line shows


def test_the_finance_approvers_are_told_of_a_proposal_and_the_proposer_of_the_decision(
    line, dora, fred, frank, org_a, alice
):
    from accounts.models import Notification

    agreement = propose(dora, org_a)
    told = Notification.objects.filter(event="agreement.proposed", key=str(agreement.pk))
    assert sorted(told.values_list("recipient__username", flat=True)) == ["frank", "fred"]
    assert told.first().url == url(agreement)
    services.decide_agreement(actor=fred, agreement=agreement, approve=True)
    decided = Notification.objects.get(event="agreement.decided", key=str(agreement.pk))
    assert decided.recipient == dora and "已批准" in decided.subject
    # The enterprise hears of its award as of any other.
    assert Notification.objects.filter(event="award.approved", recipient=alice).exists()


def test_the_dashboard_shows_the_line_and_the_enterprise_gets_its_notice(
    client, proposed, line, fred, fay, alice, private_files
):
    services.decide_agreement(actor=fred, agreement=proposed, approve=True)
    award = Award.objects.get(agreement=proposed)
    login(client, fay)
    dashboard = client.get("/finance/dashboard/?year=2025").content.decode()
    assert "一企一策支持协议(第十条第三款)" in dashboard and "¥2,000,000.00" in dashboard
    login(client, alice)
    response = client.get(f"/awards/{award.pk}/notice.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    from io import BytesIO

    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(BytesIO(response.content)).pages).replace("\n", "")
    assert f"协议编号:{proposed.number}" in text
    assert "第十条第三款以“一企一策”方式予以资金支持" in text
    assert "经评审、公示" not in text  # no application was reviewed or publicised
