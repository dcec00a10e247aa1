"""Staff copy a published round into a draft, edit it in the admin and publish it; a published round
cannot be edited there."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import User
from policies.models import PolicyItem, PolicyRound


@pytest.fixture
def rounds(db):
    call_command("loadpolicy", verbosity=0)
    return PolicyRound.objects.get(code="changning-ai-2024")


@pytest.fixture
def staff_client(client, db):
    # The admin is the commission's tool until the review pages exist; a superuser stands in here.
    carol = User.objects.create_superuser("carol", "carol@example.gov.cn", "Carol-Secret-123")
    client.force_login(carol)
    return client


def _post_action(client, action: str, policy_round: PolicyRound):
    return client.post(
        reverse("admin:policies_policyround_changelist"),
        {"action": action, "_selected_action": [policy_round.pk]},
        follow=True,
    )


def test_copying_a_round_in_the_admin_makes_an_editable_draft(staff_client, rounds):
    response = _post_action(staff_client, "copy_to_draft", rounds)
    assert response.status_code == 200
    draft = PolicyRound.objects.get(copied_from=rounds)
    assert draft.status == PolicyRound.Status.DRAFT
    assert draft.items.count() == 23
    assert "已复制为草稿" in response.content.decode()


def test_editing_the_draft_item_in_the_admin_leaves_the_published_round_alone(staff_client, rounds):
    _post_action(staff_client, "copy_to_draft", rounds)
    draft_item = PolicyItem.objects.get(round__copied_from=rounds, code="7.1")
    url = reverse("admin:policies_policyitem_change", args=[draft_item.pk])
    page = staff_client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update(rate="0.4000", per_application_ceiling_fen="400000000")
    for formset in page.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for name in management.fields:
            data[f"{management.prefix}-{name}"] = management[name].value()
        for i, inline_form in enumerate(formset.formset.forms):
            for name in inline_form.fields:
                value = inline_form[name].value()
                if value is not None:
                    data[f"{formset.formset.prefix}-{i}-{name}"] = value
    response = staff_client.post(url, data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    draft_item.refresh_from_db()
    published = PolicyItem.objects.get(round=rounds, code="7.1")
    assert str(draft_item.rate) == "0.4000"
    assert draft_item.per_application_ceiling_fen == 400_000_000
    assert str(published.rate) == "0.3000"
    assert published.per_application_ceiling_fen == 300_000_000


def test_a_published_round_is_read_only_in_the_admin(staff_client, rounds):
    item = PolicyItem.objects.get(round=rounds, code="7.1")
    url = reverse("admin:policies_policyitem_change", args=[item.pk])
    page = staff_client.get(url)
    assert page.status_code == 200  # shown, but without a save button
    assert b'name="_save"' not in page.content
    response = staff_client.post(url, {"rate": "0.9"})
    assert response.status_code == 403
    item.refresh_from_db()
    assert str(item.rate) == "0.3000"


def test_publishing_a_draft_in_the_admin(staff_client, rounds):
    _post_action(staff_client, "copy_to_draft", rounds)
    draft = PolicyRound.objects.get(copied_from=rounds)
    response = _post_action(staff_client, "publish", draft)
    assert "已发布" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == PolicyRound.Status.PUBLISHED
    assert draft.published_at is not None


def test_publishing_an_already_published_round_is_refused_with_a_message(staff_client, rounds):
    response = _post_action(staff_client, "publish", rounds)
    assert "只有草稿状态的政策版本可以发布" in response.content.decode()


def test_an_applicant_cannot_reach_the_policy_admin(client, rounds):
    alice = User.objects.create_user("alice", password="Alice-Secret-123")
    client.force_login(alice)
    response = client.get(reverse("admin:policies_policyround_changelist"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_anonymous_is_sent_to_log_in(client, rounds):
    response = client.get(reverse("admin:policies_policyitem_changelist"))
    assert response.status_code == 302
