"""Payment batches: a finance officer gathers due installments (each claimed by a conditional UPDATE);
a DIFFERENT finance approver approves or returns the batch — never its preparer (service and database);
finance pages are refused to every other role, and every refusal saves nothing."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.roles import Role
from disbursement import services
from disbursement.models import Installment, PaymentBatch
from tests.disbursement.conftest import login
from tests.disbursement.payment_support import (
    ACCOUNT_A,
    ACCOUNT_B,
    approved_batch,
    bank,
    due_award,
    due_installment,
    service_budget,
)
from tests.factories import UserFactory
from tests.html import own_code

pytestmark = pytest.mark.usefixtures("clock", "private_files")

S = Installment.Status
B = PaymentBatch.Status


@pytest.fixture
def due(approved_award, alice, org_a) -> Installment:
    """alice's ¥600,000 installment, due; 甲公司 has recorded its account."""
    bank(alice, org_a)
    return due_installment(approved_award)


@pytest.fixture
def submitted_batch(due, fay) -> PaymentBatch:
    batch = services.create_batch(actor=fay, installment_ids=[due.pk])
    return services.submit_batch(actor=fay, batch=batch)


def state(*objects):
    """What a refusal must leave unchanged."""
    for obj in objects:
        obj.refresh_from_db()
    return [
        (type(o).__name__, o.pk, getattr(o, "status", None), getattr(o, "batch_id", None)) for o in objects
    ]


# ---------------------------------------------------------------- building a batch


def test_the_officer_builds_a_batch_of_due_installments(due, fay):
    batch = services.create_batch(actor=fay, installment_ids=[due.pk])
    due.refresh_from_db()
    assert batch.status == B.DRAFT
    assert batch.prepared_by == fay
    assert batch.number.startswith("BF20250401-")
    assert (due.status, due.batch_id) == (S.BATCHED, batch.pk)


def test_an_installment_already_in_a_batch_is_refused_by_name_and_nothing_is_claimed(
    due, fay, alice, call, fred, dora
):
    service_budget(dora, fay)
    other = due_installment(due_award(alice, call, "100,000.05", "云服务合同", approver=fred, dora=dora))
    services.create_batch(actor=fay, installment_ids=[due.pk])
    with pytest.raises(ValidationError) as error:
        services.create_batch(actor=fay, installment_ids=[other.pk, due.pk])
    assert f"{due.award.application.number} 第1期" in str(error.value)
    assert other.award.application.number not in str(error.value)
    other.refresh_from_db()
    assert (other.status, other.batch_id) == (S.DUE, None)  # its claim was rolled back with the batch
    assert PaymentBatch.objects.count() == 1


def test_an_installment_not_due_is_refused(award, alice, org_a, fay):
    bank(alice, org_a)
    pending = award.installments.get()  # the award is still pending 区财政局: scheduled, not due
    with pytest.raises(ValidationError) as error:
        services.create_batch(actor=fay, installment_ids=[pending.pk])
    assert award.application.number in str(error.value)
    assert not PaymentBatch.objects.exists()
    assert state(pending)[0][2] == S.SCHEDULED


def test_an_organisation_without_an_account_is_refused_by_name(approved_award, fay):
    installment = due_installment(approved_award)
    with pytest.raises(ValidationError) as error:
        services.create_batch(actor=fay, installment_ids=[installment.pk])
    assert "甲公司" in str(error.value)
    assert not PaymentBatch.objects.exists()
    assert state(installment)[0][2] == S.DUE


def test_an_empty_selection_is_refused(fay):
    with pytest.raises(ValidationError):
        services.create_batch(actor=fay, installment_ids=[])


def test_only_a_finance_officer_builds_a_batch(due, fred, dora, alice, administrators):
    for actor in (fred, dora, alice, *administrators):
        with pytest.raises(PermissionDenied):
            services.create_batch(actor=actor, installment_ids=[due.pk])
    assert not PaymentBatch.objects.exists()
    assert state(due)[0][2:] == (S.DUE, None)


def test_the_preparer_withdraws_a_draft_and_its_installments_are_due_again(due, fay):
    batch = services.create_batch(actor=fay, installment_ids=[due.pk])
    services.withdraw_batch(actor=fay, batch=batch)
    batch.refresh_from_db()
    assert batch.status == B.RETURNED
    assert state(due)[0][2:] == (S.DUE, None)


# ---------------------------------------------------------------- four eyes


def test_a_different_approver_approves_the_batch(submitted_batch, frank):
    batch = services.approve_batch(actor=frank, batch=submitted_batch)
    assert batch.status == B.APPROVED
    assert batch.approved_by == frank
    assert batch.approved_at is not None


def test_the_preparer_can_never_approve_even_holding_the_approver_role(due):
    fiona = UserFactory(username="fiona", roles=[Role.FINANCE_OFFICER, Role.FINANCE_APPROVER], is_staff=True)
    batch = services.create_batch(actor=fiona, installment_ids=[due.pk])
    services.submit_batch(actor=fiona, batch=batch)
    with pytest.raises(PermissionDenied):
        services.approve_batch(actor=fiona, batch=batch)
    with pytest.raises(PermissionDenied):
        services.return_batch(actor=fiona, batch=batch, reason="自己退回")
    batch.refresh_from_db()
    assert (batch.status, batch.approved_by_id, batch.approved_at) == (B.SUBMITTED, None, None)
    assert state(due)[0][2:] == (S.BATCHED, batch.pk)


def test_the_database_refuses_a_batch_approved_by_its_preparer(submitted_batch, fay):
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentBatch.objects.filter(pk=submitted_batch.pk).update(approved_by=fay)


def test_a_finance_officer_cannot_approve(submitted_batch, fay, dora):
    other_officer = UserFactory(username="felix", roles=[Role.FINANCE_OFFICER], is_staff=True)
    for actor in (other_officer, dora):
        with pytest.raises(PermissionDenied):
            services.approve_batch(actor=actor, batch=submitted_batch)
    assert state(submitted_batch)[0][2] == B.SUBMITTED


def test_only_a_submitted_batch_is_approved(due, fay, fred):
    draft = services.create_batch(actor=fay, installment_ids=[due.pk])
    with pytest.raises(ValidationError):
        services.approve_batch(actor=fred, batch=draft)
    assert state(draft)[0][2] == B.DRAFT


def test_a_returned_batch_gives_its_installments_back_as_due(submitted_batch, due, fred, fay):
    batch = services.return_batch(actor=fred, batch=submitted_batch, reason="账户名称与单位名称不一致")
    assert batch.status == B.RETURNED
    assert batch.return_reason == "账户名称与单位名称不一致"
    assert state(due)[0][2:] == (S.DUE, None)
    again = services.create_batch(actor=fay, installment_ids=[due.pk])  # free for the next batch
    assert state(due)[0][2:] == (S.BATCHED, again.pk)


def test_a_return_needs_a_reason(submitted_batch, fred):
    with pytest.raises(ValidationError):
        services.return_batch(actor=fred, batch=submitted_batch, reason="  ")
    assert state(submitted_batch)[0][2] == B.SUBMITTED


# ---------------------------------------------------------------- the pages

LIST = reverse("disbursement:batches")
NEW = reverse("disbursement:batch_new")


def detail(batch):
    return reverse("disbursement:batch", args=[batch.pk])


def test_anonymous_visitors_are_sent_to_log_in(client, submitted_batch):
    for url in (
        LIST,
        NEW,
        detail(submitted_batch),
        reverse("disbursement:batch_export", args=[submitted_batch.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_finance_pages_are_refused_to_every_other_role(client, submitted_batch, outsiders, anna, dora):
    pages = [
        LIST,
        NEW,
        detail(submitted_batch),
        reverse("disbursement:batch_export", args=[submitted_batch.pk]),
    ]
    for user in [*outsiders, anna, dora]:
        login(client, user)
        for url in pages:
            assert client.get(url).status_code == 403, (user.username, url)


def test_posts_of_every_other_role_are_refused_and_save_nothing(
    client, submitted_batch, due, outsiders, anna, dora
):
    before = state(submitted_batch, due)
    posts = [
        (NEW, {"installments": [due.pk]}),
        (reverse("disbursement:batch_approve", args=[submitted_batch.pk]), {}),
        (reverse("disbursement:batch_return", args=[submitted_batch.pk]), {"reason": "x"}),
        (reverse("disbursement:batch_submit", args=[submitted_batch.pk]), {}),
        (reverse("disbursement:batch_withdraw", args=[submitted_batch.pk]), {}),
        (
            reverse("disbursement:payment_paid", args=[submitted_batch.pk, due.pk]),
            {"voucher_no": "PZ1", "paid_on": "2025-04-01"},
        ),
        (reverse("disbursement:payment_failed", args=[submitted_batch.pk, due.pk]), {"reason": "x"}),
    ]
    for user in [*outsiders, anna, dora]:
        login(client, user)
        for url, data in posts:
            assert client.post(url, data).status_code == 403, (user.username, url)
    assert state(submitted_batch, due) == before
    assert PaymentBatch.objects.count() == 1


def test_the_preparer_posting_approve_gets_403_and_nothing_changes(client, due):
    fiona = UserFactory(username="fiona", roles=[Role.FINANCE_OFFICER, Role.FINANCE_APPROVER], is_staff=True)
    batch = services.create_batch(actor=fiona, installment_ids=[due.pk])
    services.submit_batch(actor=fiona, batch=batch)
    login(client, fiona)
    html = client.get(detail(batch)).content.decode()
    assert "须由另一位审核人员审核" in html
    assert reverse("disbursement:batch_approve", args=[batch.pk]) not in html
    assert client.post(reverse("disbursement:batch_approve", args=[batch.pk])).status_code == 403
    assert (
        client.post(reverse("disbursement:batch_return", args=[batch.pk]), {"reason": "x"}).status_code == 403
    )
    batch.refresh_from_db()
    assert (batch.status, batch.approved_by_id) == (B.SUBMITTED, None)


def test_the_officer_builds_and_submits_a_batch_on_the_pages(client, due, fay):
    login(client, fay)
    html = client.get(NEW).content.decode()
    assert due.award.application.number in html
    assert ACCOUNT_A in html  # finance staff on a payment screen see the account in full
    response = client.post(NEW, {"installments": [str(due.pk)]})
    batch = PaymentBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == detail(batch)
    assert client.post(reverse("disbursement:batch_submit", args=[batch.pk])).status_code == 302
    batch.refresh_from_db()
    assert batch.status == B.SUBMITTED


def test_a_refused_selection_on_the_page_names_the_installment(client, due, fay):
    services.create_batch(actor=fay, installment_ids=[due.pk])
    response = login(client, fay).post(NEW, {"installments": [str(due.pk)]})
    assert response.status_code == 400
    assert due.award.application.number in response.content.decode()
    assert PaymentBatch.objects.count() == 1


def test_the_approver_sees_the_full_accounts_and_approves_on_the_page(client, submitted_batch, fred):
    login(client, fred)
    html = client.get(detail(submitted_batch)).content.decode()
    assert ACCOUNT_A in html
    assert "¥600,000.00" in html
    response = client.post(reverse("disbursement:batch_approve", args=[submitted_batch.pk]))
    assert response.status_code == 302
    submitted_batch.refresh_from_db()
    assert (submitted_batch.status, submitted_batch.approved_by) == (B.APPROVED, fred)


def test_the_approver_returns_a_batch_on_the_page(client, submitted_batch, due, fred):
    login(client, fred)
    client.post(reverse("disbursement:batch_return", args=[submitted_batch.pk]), {"reason": "金额有误"})
    submitted_batch.refresh_from_db()
    assert (submitted_batch.status, submitted_batch.return_reason) == (B.RETURNED, "金额有误")
    assert state(due)[0][2:] == (S.DUE, None)


def test_an_approved_batch_pays_into_the_account_its_approver_saw(
    client, due, alice, org_a, fay, fred, clock
):
    batch = approved_batch([due], officer=fay, approver=fred)
    clock.shift(60)
    bank(alice, org_a, number=ACCOUNT_B, bank_name="建设银行上海长宁支行")
    html = login(client, fay).get(detail(batch)).content.decode()
    assert ACCOUNT_A in html and ACCOUNT_B not in html
    assert "单位已在审核后变更账户" in html


def test_the_batch_list_runs_the_same_queries_for_1_and_for_3_batches(
    client, due, fay, fred, alice, call, dora, django_assert_num_queries
):
    service_budget(dora, fay)
    services.create_batch(actor=fay, installment_ids=[due.pk])
    login(client, fay).get(LIST)  # warm up
    # session, user, the user's groups, batches with counts, sums and people
    # and the header's unread-message COUNT (accounts.context_processors.inbox, issue 6)
    # +1 since issue 7: django-otp's middleware loads the session's verified device.
    # +1 since issue 13: the paginator's COUNT (the sums are per-row subqueries of the one list query).
    with django_assert_num_queries(7) as one:
        html = client.get(LIST).content.decode()
    assert len(re.findall(r'href="/finance/batches/\d+/"', html)) == 1
    for n, amount in enumerate(["1,000.01", "2,000.02"]):
        other = due_installment(due_award(alice, call, amount, f"云服务合同{n}", approver=fred, dora=dora))
        services.create_batch(actor=fay, installment_ids=[other.pk])
    with django_assert_num_queries(len(one.captured_queries)):
        html = client.get(LIST).content.decode()
    assert len(re.findall(r'href="/finance/batches/\d+/"', html)) == 3
    assert "¥1,000.01" in html and "¥2,000.02" in html


def test_the_new_batch_page_runs_the_same_queries_for_1_and_for_3_organisations(
    client, due, fay, fred, bob, org_b, call, dora, django_assert_num_queries
):
    service_budget(dora, fay)
    login(client, fay).get(NEW)
    # and the header's unread-message COUNT (accounts.context_processors.inbox, issue 6)
    # +1 since issue 7: django-otp's middleware loads the session's verified device.
    # +2 since issue 13: the filter's item choices and the paginator's COUNT.
    with django_assert_num_queries(9) as one:
        client.get(NEW)
    bank(bob, org_b, number=ACCOUNT_B)
    due_award(bob, call, "3,000.03", "乙公司云服务", approver=fred, dora=dora)
    due_award(bob, call, "4,000.04", "乙公司云服务二", approver=fred, dora=dora)
    with django_assert_num_queries(len(one.captured_queries)):
        html = client.get(NEW).content.decode()
    assert "乙公司" in html and ACCOUNT_B in html and "¥4,000.04" in html


@pytest.fixture
def three_due(due, bob, org_b, call, fred, dora, fay) -> list[Installment]:
    """甲公司's due installment and two of 乙公司's."""
    service_budget(dora, fay)
    bank(bob, org_b, number=ACCOUNT_B)
    others = [
        due_installment(due_award(bob, call, amount, f"乙公司云服务{n}", approver=fred, dora=dora))
        for n, amount in enumerate(["3,000.03", "4,000.04"])
    ]
    return [due, *others]


def test_the_new_batch_page_shows_the_rest_on_page_2(client, three_due, fay, monkeypatch):
    from disbursement.views import payments

    monkeypatch.setattr(payments, "DUE_PAGE_SIZE", 2)
    login(client, fay)
    first = client.get(NEW).content.decode()
    second = client.get(NEW, {"page": 2}).content.decode()
    boxes = r'name="installments" value="(\d+)"'
    shown = re.findall(boxes, first) + re.findall(boxes, second)
    assert sorted(map(int, shown)) == sorted(i.pk for i in three_due)
    assert len(re.findall(boxes, first)) == 2 and "第 1 / 2 页" in first


def test_the_new_batch_page_filters_by_organisation(client, three_due, fay):
    html = login(client, fay).get(NEW, {"organization": "乙公司"}).content.decode()
    assert three_due[0].award.application.number not in html
    assert three_due[1].award.application.number in html and three_due[2].award.application.number in html


def test_the_new_batch_page_lists_organisations_by_name_and_follows_a_rename(
    client, three_due, fay, alice, org_a, bob, org_b, carol
):
    """The page sorts by the installments' copy of the name (an index serves it, issue 13); a rename, which
    takes effect when 区科委 verifies the new licence (issue 14), moves the organisation's installments."""
    from accounts import identity
    from tests.pdfs import pdf_upload

    def order() -> list[int]:
        html = login(client, fay).get(NEW).content.decode()
        return [int(pk) for pk in re.findall(r'name="installments" value="(\d+)"', html)]

    def rename(admin, organization, name: str) -> None:
        identity.submit_identity(
            actor=admin,
            organization=organization,
            licence=pdf_upload("营业执照.pdf"),
            letter=None,
            new_name=name,
        )
        identity.verify_identity(actor=carol, organization=organization)

    of_a, of_b = three_due[0].pk, {three_due[1].pk, three_due[2].pk}
    rename(alice, org_a, "B 甲公司")
    rename(bob, org_b, "A 乙公司")
    shown = order()
    assert set(shown[:2]) == of_b and shown[2] == of_a
    rename(bob, org_b, "C 乙公司")
    shown = order()
    assert shown[0] == of_a and set(shown[1:]) == of_b
    assert set(
        Installment.objects.filter(award__organization=org_b).values_list("organization_name", flat=True)
    ) == {"C 乙公司"}


def test_all_matching_the_filter_go_into_the_batch_by_query(client, three_due, fay, monkeypatch):
    from disbursement.views import payments

    monkeypatch.setattr(payments, "DUE_PAGE_SIZE", 1)  # one row on the page; "all" still takes both
    response = login(client, fay).post(NEW, {"organization": "乙公司", "all": "1"})
    batch = PaymentBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == detail(batch)
    assert set(batch.installments.values_list("pk", flat=True)) == {three_due[1].pk, three_due[2].pk}
    assert state(three_due[0])[0][2:] == (S.DUE, None)


def test_all_matching_is_refused_as_a_whole_when_one_is_no_longer_due(client, three_due, fay):
    services.create_batch(actor=fay, installment_ids=[three_due[0].pk])
    # Nothing is due for 甲公司 any more: "all" of an empty match is an empty selection, refused.
    response = login(client, fay).post(NEW, {"organization": "甲公司", "all": "1"})
    assert response.status_code == 400
    assert PaymentBatch.objects.count() == 1


def test_the_batch_page_runs_the_same_queries_for_1_and_for_3_installments(
    client, due, fay, fred, frank, bob, org_b, call, dora, django_assert_num_queries
):
    service_budget(dora, fay)
    bank(bob, org_b, number=ACCOUNT_B)
    one = approved_batch([due], officer=fay, approver=frank)
    services.record_payment(
        actor=fay, batch=one, installment=due, voucher_no="PZ1", paid_on=due.award.approved_at.date()
    )
    login(client, fay).get(detail(one))
    # session, user, groups, the batch, its installments, accounts at approval, current accounts, records
    # and the header's unread-message COUNT (accounts.context_processors.inbox, issue 6)
    # +1 since issue 7: django-otp's middleware loads the session's verified device.
    # +1 since issue 13: the records' page COUNT (the batch's count and sum are stored on the batch).
    # +1 since issue 17: the latest 生成全部拨付通知 job (disbursement.notice_jobs.latest_job).
    with django_assert_num_queries(12) as first:
        client.get(detail(one))
    others = [
        due_installment(due_award(bob, call, amount, f"乙公司云服务{n}", approver=fred, dora=dora))
        for n, amount in enumerate(["5,000.05", "6,000.06", "7,000.07"])
    ]
    three = approved_batch(others, officer=fay, approver=frank)
    services.record_failure(actor=fay, batch=three, installment=others[0], reason="户名不符")
    services.record_payment(
        actor=fay, batch=three, installment=others[1], voucher_no="PZ2", paid_on=due.award.approved_at.date()
    )
    with django_assert_num_queries(len(first.captured_queries)):
        html = client.get(detail(three)).content.decode()
    assert "户名不符" in html and "PZ2" in html and "¥7,000.07" in html


def test_a_batchs_stored_count_and_sum_follow_installments_entering_and_leaving_it(
    three_due, fay, frank, fred
):
    """The list and the batch page show PaymentBatch.installment_count / total_fen (issue 13): whatever
    leaves the batch (a failed payment, a withdrawal, a return) leaves its figures."""

    def stored(batch) -> tuple[int, int]:
        batch.refresh_from_db()
        return batch.installment_count, batch.total_fen

    def counted(batch) -> tuple[int, int]:
        rows = Installment.objects.filter(batch=batch)
        return rows.count(), sum(rows.values_list("amount_fen", flat=True))

    batch = approved_batch(three_due, officer=fay, approver=frank)
    assert stored(batch) == counted(batch) == (3, 60_700_007)
    services.record_failure(actor=fay, batch=batch, installment=three_due[1], reason="户名不符")
    assert stored(batch) == counted(batch) == (2, 60_400_004)
    draft = services.create_batch(actor=fay, installment_ids=[three_due[1].pk])
    assert stored(draft) == (1, 300_003)
    services.withdraw_batch(actor=fay, batch=draft)
    assert stored(draft) == counted(draft) == (0, 0)
    again = services.submit_batch(
        actor=fay, batch=services.create_batch(actor=fay, installment_ids=[three_due[1].pk])
    )
    services.return_batch(actor=fred, batch=again, reason="金额有误")
    assert stored(again) == (0, 0)


def test_the_batch_list_shows_the_rest_on_page_2(client, three_due, fay, monkeypatch):
    from disbursement.views import payments

    monkeypatch.setattr(payments, "BATCH_PAGE_SIZE", 2)
    batches = [services.create_batch(actor=fay, installment_ids=[i.pk]) for i in three_due]
    login(client, fay)
    first = client.get(LIST).content.decode()
    second = client.get(LIST, {"page": 2}).content.decode()
    assert [b.number in first for b in batches] == [False, True, True]  # newest first
    assert [b.number in second for b in batches] == [True, False, False]
    assert "¥600,000.00" in second  # its sum, computed for the rows shown


def test_the_batch_page_shows_the_rest_on_page_2_with_the_whole_total(
    client, three_due, fay, frank, monkeypatch
):
    from disbursement.views import payments

    monkeypatch.setattr(payments, "BATCH_LINES_PAGE_SIZE", 2)
    batch = approved_batch(three_due, officer=fay, approver=frank)
    login(client, fay)
    first = client.get(detail(batch)).content.decode()
    second = client.get(detail(batch), {"page": 2}).content.decode()
    numbers = [i.award.application.number for i in three_due]
    assert sum(n in first for n in numbers) == 2 and sum(n in second for n in numbers) == 1
    assert all(n in first + second for n in numbers)
    for html in (first, second):  # ¥600,000 + ¥3,000.03 + ¥4,000.04, on every page
        assert "¥607,000.07" in html and "第" in html


def test_the_pages_need_no_script_and_no_style_attribute(client, submitted_batch, fay, alice):
    login(client, fay)
    for url in (LIST, NEW, detail(submitted_batch)):
        assert own_code(client.get(url).content.decode()) == [], url
    html = login(client, alice).get(reverse("awards:bank_account")).content.decode()
    assert own_code(html) == []


def test_the_navigation_offers_the_batches_to_finance_staff_only(client, fay, fred, dora, carol):
    for user, shown in ((fay, True), (fred, True), (dora, False), (carol, False)):
        nav = (
            login(client, user)
            .get("/")
            .content.decode()
            .split('<nav class="site-nav"', 1)[1]
            .split("</nav>")[0]
        )
        assert (f'href="{LIST}"' in nav) is shown, user.username


def test_an_approver_who_reviewed_an_application_in_the_batch_cannot_approve_it(
    submitted_batch, due, dora, frank
):
    from django.utils import timezone

    from reviews.models import Assignment, Decision

    Decision.objects.filter(application=due.award.application).update(approver=frank)
    if not Decision.objects.filter(application=due.award.application).exists():
        Assignment.objects.create(
            application=due.award.application,
            reviewer=frank,
            assigned_by=dora,
            assigned_at=timezone.now(),
            status=Assignment.Status.SUBMITTED,
        )
    with pytest.raises(PermissionDenied, match="不能审核其资金"):
        services.approve_batch(actor=frank, batch=submitted_batch)
    submitted_batch.refresh_from_db()
    assert submitted_batch.status == B.SUBMITTED and submitted_batch.approved_by is None
