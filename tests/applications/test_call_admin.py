"""区科委 opens a call in the Django admin: a year under a published round, its items and the "一定" figures.

dora is a commission approver (staff, in the commission_approver group, given the applications and
policies permissions exactly as seed_demo gives them); sam is staff with no permission at all; alice is an
applicant. The application admin next to it is read-only: states change only through the services.
"""

from decimal import Decimal
from importlib import import_module

import pytest
from django.apps import apps
from django.urls import reverse

from accounts.roles import Role
from applications.models import Application, Call, CallItem
from policies.models import PolicyItem, PolicyRound
from policies.services import copy_round
from tests.applications.conftest import submitted
from tests.factories import UserFactory

ADD_CALL = reverse("admin:applications_call_add")
RATE_REQUIRED = "该项目的比例由年度申报指南确定,请填写本批次比例。"


@pytest.fixture
def dora(policy_data):
    """A commission approver, with the admin permissions migration 0008 gives her group (re-applied: a
    transactional test's flush empties the tables the migration filled)."""
    import_module("accounts.migrations.0008_role_permissions").grant_role_permissions(apps)
    return UserFactory(username="dora", roles=[Role.COMMISSION_APPROVER], is_staff=True)


@pytest.fixture
def round_2024(policy_data):
    return PolicyRound.objects.get(code="changning-ai-2024")


def item(policy_round: PolicyRound, code: str) -> PolicyItem:
    return PolicyItem.objects.get(round=policy_round, code=code)


def call_form(client, policy_round: PolicyRound, items: list[dict], **overrides) -> dict[str, str]:
    """The add form as the admin page posts it: what the page fills in by itself (the call's review
    settings keep their defaults), the call, then its inline items (prefix call_items)."""
    page = client.get(ADD_CALL)
    form = page.context["adminform"].form if page.status_code == 200 else None
    data = (
        {name: str(form[name].value()) for name in form.fields if form[name].value() is not None}
        if form
        else {}
    )
    data |= {
        "round": str(policy_round.pk),
        "year": "2025",
        "title": "2025 年度人工智能专项申报",
        "guide": "申报指南全文。",
        "opens_at_0": "2025-03-01",
        "opens_at_1": "09:00:00",
        "closes_at_0": "2025-04-30",
        "closes_at_1": "17:00:00",
        "call_items-TOTAL_FORMS": str(len(items)),
        "call_items-INITIAL_FORMS": "0",
        "call_items-MIN_NUM_FORMS": "0",
        "call_items-MAX_NUM_FORMS": "1000",
        "_save": "保存",
    }
    for i, row in enumerate(items):
        for name in ("item", "rate", "ceiling", "budget"):
            data[f"call_items-{i}-{name}"] = str(row.get(name, ""))
    data.update(overrides)
    return data


def errors_of(response) -> list[str]:
    """Every message the admin shows beside the call's fields and the inline rows."""
    messages = [str(e) for errors in response.context["adminform"].form.errors.values() for e in errors]
    for formset in response.context["inline_admin_formsets"]:
        messages += [str(e) for e in formset.formset.non_form_errors()]
        for form_errors in formset.formset.errors:
            messages += [str(e) for errors in form_errors.values() for e in errors]
    return messages


def test_a_commission_approver_opens_a_call_with_its_items_in_yuan_stored_as_fen(client, dora, round_2024):
    client.force_login(dora)
    assert client.get(ADD_CALL).status_code == 200
    response = client.post(
        ADD_CALL,
        call_form(
            client,
            round_2024,
            [
                {"item": item(round_2024, "7.1").pk, "budget": "20000000"},
                {
                    "item": item(round_2024, "6.1a").pk,
                    "rate": "0.5",
                    "ceiling": "500000",
                    "budget": "1234567.89",
                },
            ],
        ),
    )
    assert response.status_code == 302, errors_of(response)

    call = Call.objects.get()
    assert call.round == round_2024
    assert call.year == 2025
    # The admin's date and time are Shanghai time.
    assert call.opens_at.isoformat() == "2025-03-01T01:00:00+00:00"
    assert call.closes_at.isoformat() == "2025-04-30T09:00:00+00:00"
    hard_core = call.call_items.get(item__code="7.1")
    assert (hard_core.rate, hard_core.ceiling_fen, hard_core.budget_fen) == (None, None, 2_000_000_000)
    rent = call.call_items.get(item__code="6.1a")
    assert str(rent.rate) == "0.5000"
    assert rent.ceiling_fen == 50_000_000
    assert rent.budget_fen == 123_456_789
    assert type(rent.ceiling_fen) is int and type(rent.budget_fen) is int
    # The call's figures reach the engine's rule for the item, back in yuan.
    assert rent.rule().call_rate == Decimal("0.5")
    assert rent.rule().call_ceiling == Decimal("500000")


def test_the_change_page_shows_the_figures_back_in_yuan(client, dora, round_2024):
    client.force_login(dora)
    client.post(
        ADD_CALL,
        call_form(
            client,
            round_2024,
            [{"item": item(round_2024, "6.1a").pk, "rate": "0.5", "ceiling": "500000", "budget": "3000000"}],
        ),
    )
    call = Call.objects.get()
    page = client.get(reverse("admin:applications_call_change", args=[call.pk])).content.decode()
    assert 'value="500000.00"' in page
    assert 'value="3000000.00"' in page


def test_the_typical_times_told_to_the_enterprise_have_defaults_and_are_edited_with_the_call(
    client, dora, round_2024
):
    """Issue 15: every status says how long the next step typically takes, from these call settings."""
    client.force_login(dora)
    page = client.get(ADD_CALL).content.decode()
    for label in ("受理审查通常时长(工作日)", "评审及审定通常时长(工作日)", "财政审核通常时长(工作日)"):
        assert label in page
    form = call_form(client, round_2024, [{"item": item(round_2024, "7.1").pk}])
    assert (form["intake_working_days"], form["payment_working_days"]) == ("5", "10")  # the defaults
    response = client.post(ADD_CALL, form | {"intake_working_days": "3", "claim_check_working_days": "15"})
    assert response.status_code == 302, errors_of(response)
    call = Call.objects.get()
    assert (call.intake_working_days, call.review_working_days, call.claim_check_working_days) == (3, 20, 15)
    refused = client.post(
        reverse("admin:applications_call_change", args=[call.pk]),
        call_form(client, round_2024, []) | {"intake_working_days": "-1"},
    )
    assert refused.status_code == 200 and errors_of(refused)
    call.refresh_from_db()
    assert call.intake_working_days == 3


def test_a_rent_item_without_the_calls_rate_is_refused_and_nothing_is_saved(client, dora, round_2024):
    client.force_login(dora)
    response = client.post(
        ADD_CALL,
        call_form(
            client,
            round_2024,
            [
                {"item": item(round_2024, "7.1").pk},
                {"item": item(round_2024, "6.1a").pk, "ceiling": "500000"},
            ],
        ),
    )
    assert response.status_code == 200
    assert RATE_REQUIRED in errors_of(response)
    assert RATE_REQUIRED in response.content.decode()
    assert not Call.objects.exists()
    assert not CallItem.objects.exists()


def test_an_item_of_another_round_is_refused(client, dora, round_2024):
    other = copy_round(source=round_2024)  # a revision draft: same codes, different rows
    client.force_login(dora)
    response = client.post(ADD_CALL, call_form(client, round_2024, [{"item": item(other, "7.1").pk}]))
    assert response.status_code == 200
    assert "项目必须属于本批次的政策版本。" in errors_of(response)
    assert not Call.objects.exists()
    assert not CallItem.objects.exists()


def test_a_call_that_closes_before_it_opens_is_refused(client, dora, round_2024):
    client.force_login(dora)
    response = client.post(
        ADD_CALL,
        call_form(
            client,
            round_2024,
            [{"item": item(round_2024, "7.1").pk}],
            closes_at_0="2025-02-28",
            closes_at_1="17:00:00",
        ),
    )
    assert response.status_code == 200
    assert "截止时间必须晚于开始时间。" in errors_of(response)
    assert not Call.objects.exists()


def test_a_call_under_a_draft_round_is_refused(client, dora, round_2024):
    draft_round = copy_round(source=round_2024)
    client.force_login(dora)
    response = client.post(ADD_CALL, call_form(client, draft_round, [{"item": item(draft_round, "7.1").pk}]))
    assert response.status_code == 200
    assert "只能在已发布的政策版本下开设申报批次。" in errors_of(response)
    assert not Call.objects.exists()
    assert not CallItem.objects.exists()


def test_an_applicant_is_sent_to_the_admin_login(client, alice, round_2024):
    client.force_login(alice)
    for response in (
        client.get(ADD_CALL),
        client.post(ADD_CALL, call_form(client, round_2024, [{"item": item(round_2024, "7.1").pk}])),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
    assert not Call.objects.exists()


def test_staff_without_permissions_are_refused(client, sam, round_2024):
    client.force_login(sam)
    assert client.get(ADD_CALL).status_code == 403
    response = client.post(ADD_CALL, call_form(client, round_2024, [{"item": item(round_2024, "7.1").pk}]))
    assert response.status_code == 403
    assert not Call.objects.exists()


@pytest.mark.usefixtures("clock", "private_files")
def test_the_application_admin_is_read_only(client, dora, alice, call):
    application = submitted(alice, call)
    client.force_login(dora)
    assert client.get(reverse("admin:applications_application_changelist")).status_code == 200
    assert client.get(reverse("admin:applications_application_add")).status_code == 403
    change = reverse("admin:applications_application_change", args=[application.pk])
    page = client.get(change)
    assert page.status_code == 200  # shown to read
    assert b'name="_save"' not in page.content
    response = client.post(change, {"status": Application.Status.RECOGNISED, "awarded_fen": "1"})
    assert response.status_code == 403
    delete = reverse("admin:applications_application_delete", args=[application.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    assert application.awarded_fen is None
