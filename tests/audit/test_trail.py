"""What the audit trail records (issue 7, 等级保护 安全审计), and that nothing can change a record.

Every login (success and failure), logout, permission denial, state change, money figure, override,
download of a material or document and change of bank details is a record with its time, user, role, IP
address, action, object, result and — for changes — the fields before and after. Requests go through the
client from a known REMOTE_ADDR, so the IP in the record is the one the request came from; services called
outside a request run under `acting_as`, as tasks and commands do.

Records are append-only: the ORM refuses every save of an existing record, update, delete and bulk insert;
the admin offers no add, change or delete, to the audit administrator and to a superuser alike; on
PostgreSQL the database refuses a raw UPDATE or DELETE as well.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.db import DatabaseError, connection, transaction

from accounts.roles import Role, group_for
from applications.models import Application
from audit.context import acting_as
from audit.models import AuditImmutableError, AuditRecord
from disbursement import services as finance
from disbursement.models import Installment
from reviews import services as reviews
from reviews.models import Override
from tests.disbursement.conftest import *  # noqa: F403 (fixtures: clock, call, people, budgets, awards)
from tests.disbursement.conftest import login
from tests.disbursement.payment_support import approved_batch, bank
from tests.factories import PASSWORD, UserFactory
from tests.reviews.decision_support import decide_url, decision_form, move, under_review

IP = "203.0.113.7"
LOGIN = "/accounts/login/"


def last(action: str, **filters) -> AuditRecord:
    return AuditRecord.objects.filter(action=action, **filters).order_by("-seq").first()


def changes_text(record: AuditRecord) -> str:
    return json.dumps(record.changes, ensure_ascii=False)


@pytest.fixture
def erin(policy_data):
    """A second commission approver: confirms what dora proposes (four eyes)."""
    return UserFactory(username="erin", roles=[Role.COMMISSION_APPROVER], is_staff=True)


@pytest.fixture
def audrey(policy_data):
    return UserFactory(username="audrey", roles=[Role.AUDIT_ADMIN], is_staff=True)


# ---------------------------------------------------------------- logins, logouts, denials


def test_a_successful_login_is_recorded_with_the_user_role_and_ip(client, alice, clock):
    response = client.post(LOGIN, {"username": alice.email, "password": PASSWORD}, REMOTE_ADDR=IP)
    assert response.status_code == 302

    record = last("login")
    assert record.result == AuditRecord.Result.SUCCESS
    assert (record.user_id, record.username, record.roles) == (alice.pk, "alice", "applicant")
    assert record.ip_address == IP
    assert (record.object_type, record.object_id) == ("accounts.user", str(alice.pk))
    assert record.created_at.isoformat() == "2025-04-01T02:00:00+00:00"  # the clock's 10:00 Shanghai


def test_a_failed_login_records_the_typed_name_and_ip_and_no_user(client, alice, clock):
    response = client.post(
        LOGIN, {"username": "alice@example.com", "password": "Wrong-Password-1"}, REMOTE_ADDR=IP
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session

    record = last("login")
    assert record.result == AuditRecord.Result.FAILURE
    assert record.user_id is None
    assert record.username == "alice@example.com"
    assert record.ip_address == IP
    assert "alice@example.com" in record.detail
    assert "Wrong-Password-1" not in json.dumps(record.content(), ensure_ascii=False)


def test_a_login_with_an_unknown_name_is_recorded_under_that_name(client, db):
    client.post(LOGIN, {"username": "mallory@example.com", "password": "Guess-123"}, REMOTE_ADDR=IP)
    record = last("login")
    assert (record.result, record.username, record.ip_address) == ("failure", "mallory@example.com", IP)


def test_a_logout_is_recorded(client, alice):
    login(client, alice)
    response = client.post("/accounts/logout/", REMOTE_ADDR=IP)
    assert response.status_code == 302
    record = last("logout")
    assert (record.user_id, record.result, record.ip_address) == (alice.pk, "success", IP)


def test_a_permission_denial_is_recorded_with_the_path(client, alice):
    login(client, alice)
    response = client.get("/review/intake/", REMOTE_ADDR=IP)
    assert response.status_code == 403

    record = last("permission_denied")
    assert record.result == AuditRecord.Result.DENIED
    assert (record.user_id, record.roles, record.ip_address) == (alice.pk, "applicant", IP)
    assert record.detail.startswith("GET /review/intake/")


def test_a_probe_of_another_organisations_application_is_recorded(
    client, alice, bob, call, clock, private_files
):
    from tests.applications.conftest import submitted

    application = submitted(alice, call)
    login(client, bob)
    for url in (f"/applications/{application.pk}/", f"/applications/{application.pk}/edit/"):
        assert client.get(url, REMOTE_ADDR=IP).status_code == 404
    probes = AuditRecord.objects.filter(action="not_found", user_id=bob.pk).order_by("seq")
    assert [r.detail for r in probes] == [
        f"GET /applications/{application.pk}/",
        f"GET /applications/{application.pk}/edit/",
    ]
    assert {(r.result, r.ip_address) for r in probes} == {(AuditRecord.Result.DENIED, IP)}
    # An anonymous visitor's 404 is not recorded: scanners would fill the trail.
    client.logout()
    before = AuditRecord.objects.filter(action="not_found").count()
    assert client.get("/no-such-page/").status_code == 404
    assert AuditRecord.objects.filter(action="not_found").count() == before


def test_a_password_reset_request_is_recorded_with_the_address_typed_known_or_not(client, alice):
    for email in (alice.email, "nobody@example.com"):
        response = client.post("/accounts/password-reset/", {"email": email}, REMOTE_ADDR=IP)
        assert response.status_code == 302
    records = AuditRecord.objects.filter(action="password_reset_requested").order_by("seq")
    assert [(r.username, r.ip_address) for r in records] == [(alice.email, IP), ("nobody@example.com", IP)]


def test_a_refused_upload_is_recorded_with_the_file_and_the_reason(client, alice, call, clock, private_files):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.applications.conftest import draft

    application = draft(alice, call)
    login(client, alice)
    client.post(
        f"/applications/{application.pk}/materials/",
        {"material_code": "project_plan", "file": SimpleUploadedFile("方案.pdf", b"<html>x</html>")},
        REMOTE_ADDR=IP,
    )
    record = last("upload_refused")
    assert record.result == AuditRecord.Result.DENIED and record.ip_address == IP
    assert record.object_id == str(application.pk)
    assert "project_plan “方案.pdf”" in record.detail and "不是 PDF、JPG、PNG、OFD 格式" in record.detail
    assert not application.attachments.exists()


# ---------------------------------------------------------------- state changes, money, overrides


def test_withdrawing_an_application_records_the_status_before_and_after(
    client, alice, call, clock, private_files
):
    from tests.applications.conftest import submitted

    application = submitted(alice, call)
    login(client, alice)
    response = client.post(
        f"/applications/{application.pk}/withdraw/", {"reason": "项目调整"}, REMOTE_ADDR=IP
    )
    assert response.status_code == 302

    record = last("application.update", object_id=str(application.pk))
    assert record.object_type == "applications.application"
    assert record.changes["before"]["status"] == Application.Status.SUBMITTED
    assert record.changes["after"]["status"] == Application.Status.WITHDRAWN
    assert (record.user_id, record.ip_address, record.result) == (alice.pk, IP, "success")


def test_a_decision_records_its_amount_and_ceiling_in_fen(client, alice, dora, call, clock, private_files):
    application = under_review(alice, call)
    login(client, dora)
    response = client.post(decide_url(application), decision_form(amount="500000.01"), REMOTE_ADDR=IP)
    assert response.status_code == 302

    record = last("decision.create")
    assert record.changes["after"]["amount_fen"] == 50_000_001
    assert record.changes["after"]["ceiling_fen"] == 60_000_000
    assert record.changes["after"]["application_id"] == application.pk
    assert (record.user_id, record.roles, record.ip_address) == (dora.pk, "commission_approver", IP)
    status = last("application.update", object_id=str(application.pk))
    assert status.changes["before"]["status"] == Application.Status.UNDER_REVIEW
    assert status.changes["after"]["status"] == Application.Status.RECOMMENDED


IMPACT = "市重大专项落地长宁,带动区内人工智能企业和研发机构协同攻关,对区域产业生态打造有重大影响。"


def test_an_override_is_recorded_when_proposed_and_when_confirmed(
    client, alice, dora, erin, call, clock, private_files
):
    application = under_review(alice, call)
    login(client, dora)
    client.post(
        f"/review/applications/{application.pk}/override/",
        {"amount": "800000", "reason": "市重大专项落地长宁", "area": "innovation", "impact": IMPACT},
        REMOTE_ADDR=IP,
    )
    override = Override.objects.get()
    proposed = last("override.create")
    assert proposed.object_id == str(override.pk)
    assert proposed.changes["after"]["amount_fen"] == 80_000_000
    assert proposed.changes["after"]["ceiling_fen"] == 60_000_000
    assert proposed.changes["after"]["reason"] == "市重大专项落地长宁"
    # Art. 10(3)'s area and 重大影响 are part of the record too.
    assert (proposed.changes["after"]["area"], proposed.changes["after"]["impact"]) == ("innovation", IMPACT)
    assert (proposed.user_id, proposed.ip_address) == (dora.pk, IP)

    with acting_as(erin, ip_address="198.51.100.20"):
        reviews.confirm_override(actor=erin, override=override, confirm=True, note="同意")
    confirmed = last("override.update")
    assert confirmed.changes["before"] == {
        "status": Override.Status.PROPOSED,
        "confirmed_by_id": None,
        "confirmed_at": None,
        "confirm_note": "",
    }
    assert confirmed.changes["after"]["status"] == Override.Status.CONFIRMED
    assert confirmed.changes["after"]["confirmed_by_id"] == erin.pk
    assert (confirmed.user_id, confirmed.roles, confirmed.ip_address) == (
        erin.pk,
        "commission_approver",
        "198.51.100.20",
    )


def test_a_role_change_is_recorded_with_who_made_it(administrators, fay):
    sean = administrators[1]
    with acting_as(sean, ip_address=IP):
        fay.groups.add(group_for(Role.FINANCE_APPROVER))
    record = last("user.groups.add")
    assert (record.object_type, record.object_id) == ("accounts.user", str(fay.pk))
    assert record.changes["after"] == {"groups": ["finance_approver"]}
    assert (record.user_id, record.roles, record.ip_address) == (sean.pk, "security_admin", IP)


# ---------------------------------------------------------------- downloads


def test_downloading_a_material_is_recorded_for_the_enterprise_and_for_staff(
    client, alice, carol, call, clock, private_files
):
    from tests.applications.conftest import submitted

    application = submitted(alice, call)
    attachment = application.attachments.first()
    login(client, alice)
    response = client.get(
        f"/applications/{application.pk}/materials/{attachment.pk}/download/", REMOTE_ADDR=IP
    )
    assert response.status_code == 200
    record = last("attachment.download")
    assert (record.object_type, record.object_id) == ("applications.attachment", str(attachment.pk))
    assert (record.user_id, record.ip_address, record.result) == (alice.pk, IP, "success")

    login(client, carol)
    response = client.get(
        f"/review/applications/{application.pk}/materials/{attachment.pk}/download/", REMOTE_ADDR=IP
    )
    assert response.status_code == 200
    record = last("attachment.download")
    assert (record.object_id, record.user_id, record.roles) == (
        str(attachment.pk),
        carol.pk,
        "intake_officer",
    )


def test_a_refused_download_records_the_denial_not_a_download(client, alice, bob, call, clock, private_files):
    from tests.applications.conftest import submitted

    application = submitted(alice, call)
    attachment = application.attachments.first()
    login(client, bob)
    response = client.get(
        f"/applications/{application.pk}/materials/{attachment.pk}/download/", REMOTE_ADDR=IP
    )
    assert response.status_code == 404
    assert not AuditRecord.objects.filter(action="attachment.download").exists()


def test_downloading_a_document_and_an_export_is_recorded(client, approved_award, alice, fay, fred, clock):
    login(client, alice)
    response = client.get(f"/awards/{approved_award.pk}/notice.pdf", REMOTE_ADDR=IP)
    assert response.status_code == 200, response.status_code
    record = last("document.download")
    assert (record.object_type, record.object_id) == ("disbursement.award", str(approved_award.pk))
    assert record.detail.startswith("资金拨付通知-")
    assert (record.user_id, record.ip_address) == (alice.pk, IP)

    bank(alice, approved_award.organization)
    batch = approved_batch([approved_award.installments.get()], officer=fay, approver=fred)
    login(client, fay)
    assert client.get(f"/finance/batches/{batch.pk}/export.xlsx", REMOTE_ADDR=IP).status_code == 200
    record = last("export.download")
    assert (record.object_type, record.object_id, record.user_id) == (
        "disbursement.paymentbatch",
        str(batch.pk),
        fay.pk,
    )


# ---------------------------------------------------------------- bank details and payments


def test_a_bank_details_change_records_old_and_new_with_the_number_masked(alice, org_a):
    with acting_as(alice, ip_address=IP):
        first = bank(alice, org_a, number="6222021001123456789")
        second = bank(alice, org_a, number="31050161393600000123", bank_name="建设银行上海长宁支行")

    created = last("bankaccount.create")
    assert created.object_id == str(second.pk)
    assert created.changes["after"]["account_number"] == "****************0123"
    assert created.changes["after"]["bank_name"] == "建设银行上海长宁支行"
    assert (created.user_id, created.ip_address) == (alice.pk, IP)

    replaced = last("bankaccount.update")
    assert replaced.object_id == str(first.pk)
    assert replaced.changes["before"]["account_number"] == "***************6789"
    assert replaced.changes["before"]["is_current"] is True
    assert replaced.changes["after"] == {"is_current": False}
    for record in AuditRecord.objects.filter(object_type="disbursement.bankaccount"):
        text = changes_text(record) + record.object_repr + record.detail
        assert "6222021001123456789" not in text and "31050161393600000123" not in text


def test_an_award_records_each_installment_of_its_schedule(award):
    installment = award.installments.get()
    record = last("installment.create")
    assert record.object_id == str(installment.pk)
    assert record.changes["after"]["amount_fen"] == 60_000_000
    assert record.changes["after"]["award_id"] == award.pk
    assert last("award.create").changes["after"]["amount_fen"] == 60_000_000


def test_paying_an_installment_records_the_claim_the_budget_figures_and_the_closing(
    approved_award, budget, year_total, alice, fay, fred
):
    installment = approved_award.installments.get()
    bank(alice, approved_award.organization)
    with acting_as(fay, ip_address=IP):
        batch = finance.create_batch(actor=fay, installment_ids=[installment.pk])
    claimed = last("installment.update", object_id=str(installment.pk))
    assert claimed.changes == {
        "before": {"status": Installment.Status.DUE, "batch_id": None},
        "after": {"status": Installment.Status.BATCHED, "batch_id": batch.pk},
    }
    assert (claimed.user_id, claimed.ip_address) == (fay.pk, IP)

    finance.submit_batch(actor=fay, batch=batch)
    finance.approve_batch(actor=fred, batch=batch)
    before = AuditRecord.objects.order_by("-seq").first().seq
    with acting_as(fay, ip_address=IP):
        finance.record_payment(
            actor=fay, batch=batch, installment=installment, voucher_no="PZ-1", paid_on=date(2025, 4, 1)
        )
        # A repeat of the same request changes nothing and records nothing.
        finance.record_payment(
            actor=fay, batch=batch, installment=installment, voucher_no="PZ-1", paid_on=date(2025, 4, 1)
        )
    new = list(AuditRecord.objects.filter(seq__gt=before).order_by("seq"))
    actions = [(r.action, r.object_id) for r in new]
    assert actions.count(("installment.update", str(installment.pk))) == 1
    paid = next(r for r in new if r.action == "installment.update")
    assert paid.changes["before"]["status"] == Installment.Status.BATCHED
    assert paid.changes["after"] == {"status": "paid", "paid_on": "2025-04-01", "voucher_no": "PZ-1"}

    budgets = {r.object_id: r.changes for r in new if r.action == "budget.update"}
    assert budgets[str(budget.pk)] == {
        "before": {"committed_fen": 60_000_000, "paid_fen": 0},
        "after": {"committed_fen": 0, "paid_fen": 60_000_000},
    }
    assert str(year_total.pk) in budgets
    assert ("award.update", str(approved_award.pk)) in actions
    closed = next(r for r in new if r.action == "award.update")
    assert closed.changes == {"before": {"status": "approved"}, "after": {"status": "closed"}}
    done = next(r for r in new if r.action == "paymentbatch.update")
    assert done.changes == {"before": {"status": "approved"}, "after": {"status": "done"}}
    assert all(r.user_id == fay.pk and r.ip_address == IP for r in new)


def test_a_returned_batch_records_each_installment_released(approved_award, alice, fay, fred):
    installment = approved_award.installments.get()
    bank(alice, approved_award.organization)
    batch = finance.create_batch(actor=fay, installment_ids=[installment.pk])
    finance.submit_batch(actor=fay, batch=batch)
    with acting_as(fred, ip_address=IP):
        finance.return_batch(actor=fred, batch=batch, reason="凭证不全")
    released = last("installment.update", object_id=str(installment.pk))
    assert released.changes == {
        "before": {"status": "batched", "batch_id": batch.pk},
        "after": {"status": "due", "batch_id": None},
    }
    assert released.user_id == fred.pk


def test_releasing_installments_by_the_daily_task_records_each_one(
    clock, private_files, call, alice, dora, fred, fay
):
    from tests.disbursement.conftest import confirmed_budget, recognised_award

    confirmed_budget(2025, "9.1", "1,000,000", entered_by=dora, confirmed_by=fay)
    award = recognised_award(
        alice, call, "9.1", "1,000", facts={"service_cost": "900000"}, matter="云", actor=dora
    )
    finance.approve_award(actor=fred, award=award)
    installment = award.installments.get()
    Installment.objects.filter(pk=installment.pk).update(
        status=Installment.Status.SCHEDULED
    )  # as if next year

    before = AuditRecord.objects.order_by("-seq").first().seq

    with acting_as(label="系统任务 release_and_remind"):
        assert finance.release_due_installments(today=date(2025, 4, 2)) == 1
        assert finance.release_due_installments(today=date(2025, 4, 2)) == 0
    records = AuditRecord.objects.filter(
        seq__gt=before, action="installment.update", object_id=str(installment.pk)
    )
    assert records.count() == 1
    record = records.get()
    assert record.changes == {"before": {"status": "scheduled"}, "after": {"status": "due"}}
    assert (record.user_id, record.username) == (None, "系统任务 release_and_remind")


# ---------------------------------------------------------------- append-only


@pytest.fixture
def entry(db) -> AuditRecord:
    from audit import services

    return services.record("test.entry", detail="原始内容")


def test_the_orm_refuses_to_save_an_existing_record(entry):
    entry.detail = "改过的内容"
    with pytest.raises(AuditImmutableError):
        entry.save()
    assert AuditRecord.objects.get(pk=entry.pk).detail == "原始内容"


def test_the_orm_refuses_update_delete_and_bulk_create(entry):
    with pytest.raises(AuditImmutableError):
        AuditRecord.objects.filter(pk=entry.pk).update(detail="改过的内容")
    with pytest.raises(AuditImmutableError):
        AuditRecord.objects.filter(pk=entry.pk).delete()
    with pytest.raises(AuditImmutableError):
        entry.delete()
    with pytest.raises(AuditImmutableError):
        AuditRecord.objects.bulk_create(
            [AuditRecord(seq=99, action="forged", prev_hash="0" * 64, hash="f" * 64)]
        )
    assert list(AuditRecord.objects.values_list("pk", "detail")) == [(entry.pk, "原始内容")]


@pytest.mark.parametrize("who", ["audit_admin", "superuser"])
def test_the_admin_offers_no_add_change_or_delete(client, entry, audrey, who):
    user = audrey if who == "audit_admin" else UserFactory(username="root", is_staff=True, is_superuser=True)
    login(client, user)
    base = "/admin/audit/auditrecord/"
    listing = client.get(base)
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "test.entry" in html
    assert f"{base}add/" not in html and 'name="action"' not in html

    assert client.get(f"{base}add/").status_code == 403
    assert client.post(f"{base}add/", {"action": "forged"}).status_code == 403
    view = client.get(f"{base}{entry.pk}/change/")
    assert view.status_code == 200  # read-only view, no form fields to submit
    assert 'name="_save"' not in view.content.decode()
    assert client.post(f"{base}{entry.pk}/change/", {"detail": "改过的内容"}).status_code == 403
    assert client.get(f"{base}{entry.pk}/delete/").status_code == 403
    assert client.post(f"{base}{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    client.post(base, {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"})
    assert AuditRecord.objects.get(pk=entry.pk).detail == "原始内容"


postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the append-only trigger (audit migration 0002) exists only on PostgreSQL",
)


@postgresql_only
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditrecord SET detail = 'changed' WHERE id = %s",
        "DELETE FROM audit_auditrecord WHERE id = %s",
    ],
)
def test_on_postgresql_the_database_refuses_a_raw_update_or_delete(entry, sql):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [entry.pk])
    assert AuditRecord.objects.get(pk=entry.pk).detail == "原始内容"


def test_moving_an_application_by_the_service_writes_one_record_per_change(alice, call, clock, private_files):
    """Proportionate: one status change is one record, not one per signal and service."""
    from tests.applications.conftest import submitted

    application = move(submitted(alice, call), Application.Status.ACCEPTED)
    before = AuditRecord.objects.order_by("-seq").first().seq
    move(application, Application.Status.UNDER_REVIEW)
    updates = AuditRecord.objects.filter(
        seq__gt=before, action="application.update", object_id=str(application.pk)
    )
    assert updates.count() == 1
    assert updates.get().changes == {"before": {"status": "accepted"}, "after": {"status": "under_review"}}
