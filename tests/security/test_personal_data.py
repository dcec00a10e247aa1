"""Personal data (phone numbers, e-mail addresses, names of legal representatives and contacts, bank
accounts, ID numbers) appears in full only where the person looking needs it, and never on a public page.

Who sees what in full, by decision:
- The organisation's own members, on its profile (/accounts/organization/), and its administrator on the
  members page, who must recognise who asks to join: their own organisation's data.
- The intake officer, on the intake check: the contact and phone, to call the enterprise about its
  materials, and the legal representative, to check against the licence. No other staff page shows them.
- The commission's approvers, on the staff 公示 page: the objector's name and contact, to verify the
  objection (the public form promises it). Nobody else.
- 区财政局's finance staff, on the batch screens (building, checking and paying a batch) and in the bank
  file: the receiving account in full. Everywhere else (the award page, the enterprise's pages, the
  notices) the account is masked to its last four digits.
"""

from __future__ import annotations

import io
import re

import pytest
from django.template import Context, Template
from django.urls import reverse
from pypdf import PdfReader

from tests.applications.conftest import clock, private_files  # noqa: F401 (fixtures)
from tests.security.cast import (
    ACCOUNT_NUMBER,
    ALICE_EMAIL,
    ALICE_MOBILE,
    ANNA_EMAIL,
    CONTACT_NAME,
    CONTACT_PHONE,
    LEGAL_REPRESENTATIVE,
    OBJECTOR_CONTACT,
    OBJECTOR_NAME,
    PERSONAL,
    Cast,
    login,
)

pytestmark = pytest.mark.usefixtures("clock", "private_files")


@pytest.fixture
def cast(policy_data) -> Cast:
    return Cast()


def text_of(response) -> str:
    if response["Content-Type"].startswith("application/pdf"):
        reader = PdfReader(io.BytesIO(response.content))
        return "\n".join(page.extract_text() for page in reader.pages)
    return response.content.decode()


def leaks(text: str, values: dict[str, str]) -> list[str]:
    """Which of the values the text shows, in full or (for numbers) by their last eight digits."""
    found = []
    for label, value in values.items():
        digits = re.sub(r"\D", "", value)
        if value in text or (len(digits) >= 8 and digits[-8:] in re.sub(r"\D", "", text)):
            found.append(label)
    return found


# ---------------------------------------------------------------- public pages


@pytest.fixture
def everything_personal(cast):
    """Objects holding every kind of personal data: the organisation with its representative and contact,
    its members' logins, its bank account, a published 公示 of its application and a named objection."""
    cast.anna
    cast.bank_account
    cast.objection
    return cast


def public_urls(cast: Cast) -> list[str]:
    notice, entry = cast.notice, cast.entry
    calculator = "round=changning-ai-2024&item=7.1&self_raised_investment=2000000"
    return [
        "/",
        reverse("policies:catalogue"),
        reverse("policies:round", args=["changning-ai-2024"]),
        reverse("policies:item", args=["changning-ai-2024", "7.1"]),
        reverse("policies:calculator"),
        f"{reverse('policies:calculator')}?{calculator}",
        f"{reverse('policies:calculator_quote')}?{calculator}",
        reverse("notices:list"),
        reverse("notices:detail", args=[notice.pk]),
        reverse("notices:object", args=[notice.pk, entry.pk]),
        reverse("notices:list_pdf", args=[notice.pk]),
        reverse("accounts:login"),
        reverse("accounts:signup"),
        reverse("accounts:password_reset"),
    ]


def test_no_public_page_carries_personal_data(everything_personal):
    cast = everything_personal
    client = login(None)
    for url in public_urls(cast):
        response = client.get(url)
        assert response.status_code == 200, url
        assert leaks(text_of(response), PERSONAL) == [], url


def test_the_public_notice_does_show_what_it_publishes(everything_personal):
    """The pages above were searched with the data in place: the organisation and project are there."""
    cast = everything_personal
    page = login(None).get(reverse("notices:detail", args=[cast.notice.pk])).content.decode()
    assert "甲公司" in page and "云服务" in page
    pdf = text_of(login(None).get(reverse("notices:list_pdf", args=[cast.notice.pk])))
    assert "甲公司" in pdf


def test_the_leak_check_finds_a_number_split_by_spaces():
    assert leaks("电话 139 8765 4321", {"phone": CONTACT_PHONE}) == ["phone"]
    assert leaks("尾号 4321", {"phone": CONTACT_PHONE}) == []


# ---------------------------------------------------------------- staff pages


def test_the_intake_officer_sees_the_contact_to_call_and_the_legal_representative(cast):
    application = cast.submitted
    page = login(cast.carol).get(reverse("reviews:intake_check", args=[application.pk])).content.decode()
    assert CONTACT_NAME in page and CONTACT_PHONE in page
    assert LEGAL_REPRESENTATIVE in page
    assert ALICE_EMAIL not in page and ALICE_MOBILE not in page  # the applicant's own login is not needed


def test_no_other_staff_page_shows_contacts_logins_or_the_full_account(cast):
    cast.anna
    pages = [
        (cast.carol, reverse("reviews:intake_queue") + "?status="),
        (cast.dora, reverse("reviews:assign_application", args=[cast.accepted.pk])),
        (cast.rex, reverse("reviews:declare", args=[cast.awaiting_declaration.pk])),
        (cast.rita, reverse("reviews:score", args=[cast.scoring.pk])),
        (cast.dora, reverse("reviews:decide", args=[cast.under_review.pk])),
        (cast.dora, reverse("reviews:decision_queue")),
        (cast.fay, reverse("disbursement:awards")),
        (cast.fay, reverse("disbursement:award", args=[cast.approved_award.pk])),
        (cast.fred, reverse("disbursement:award", args=[cast.approved_award.pk])),
        (cast.dora, reverse("disbursement:dashboard")),
    ]
    for user, url in pages:
        response = login(user).get(url)
        assert response.status_code == 200, url
        assert leaks(response.content.decode(), PERSONAL) == [], url


def test_finance_sees_the_receiving_account_in_full_on_the_batch_screens(cast):
    cast.approved_award
    client = login(cast.fay)
    assert ACCOUNT_NUMBER in client.get(reverse("disbursement:batch_new")).content.decode()
    batch = cast.approved_batch
    assert ACCOUNT_NUMBER in client.get(reverse("disbursement:batch", args=[batch.pk])).content.decode()


def test_the_objectors_contact_is_shown_to_the_approver_who_verifies_it(cast):
    objection = cast.objection
    page = login(cast.dora).get(reverse("reviews:notice", args=[objection.entry.notice_id])).content.decode()
    assert OBJECTOR_NAME in page and OBJECTOR_CONTACT in page


# ---------------------------------------------------------------- the enterprise's pages


def test_members_see_their_account_masked_and_nobodys_login(cast):
    from disbursement import services as finance

    cast.bank_account
    changed = "6222020098765432109"
    finance.set_bank_account(
        actor=cast.alice,
        organization=cast.org_a,
        bank_name="上海银行",
        account_name="甲公司",
        account_number=changed,
    )
    for user in (cast.alice, cast.anna):
        client = login(user)
        bank = client.get(reverse("awards:bank_account")).content.decode()
        awards = client.get(reverse("awards:mine")).content.decode()
        for page in (bank, awards):
            assert ACCOUNT_NUMBER not in page and changed not in page
            assert "*" * 15 + "2109" in page
        assert "*" * 15 + "8901" in bank  # the history, masked too
        if user == cast.anna:
            # Who changed it: recognisable to a colleague, not her login in full.
            assert ALICE_EMAIL not in bank
            assert "al***@mailbox-example.cn" in bank


def test_the_administrator_sees_who_asks_to_join_and_ordinary_members_do_not(cast):
    cast.anna
    page = login(cast.alice).get(reverse("accounts:members")).content.decode()
    assert ANNA_EMAIL in page
    assert login(cast.anna).get(reverse("accounts:members")).status_code in (403, 404)


def test_the_organisations_members_see_its_profile_in_full(cast):
    page = login(cast.anna).get(reverse("accounts:organization")).content.decode()
    assert CONTACT_PHONE in page and LEGAL_REPRESENTATIVE in page
    assert login(cast.bob).get(reverse("accounts:organization")).content.decode().count(CONTACT_PHONE) == 0


# ---------------------------------------------------------------- the masking filters


def render(source: str, **context) -> str:
    return Template("{% load privacy %}" + source).render(Context(context))


@pytest.mark.parametrize(
    ("source", "value", "shown"),
    [
        ("{{ v|mask_phone }}", "13987654321", "139****4321"),
        ("{{ v|mask_phone }}", "021-62500000", "021*****0000"),
        ("{{ v|mask_phone }}", "", ""),
        ("{{ v|mask_phone }}", None, ""),
        ("{{ v|mask_email }}", "alice.private@mailbox-example.cn", "al***@mailbox-example.cn"),
        ("{{ v|mask_email }}", "not-an-address", "***"),
        ("{{ v|mask_account }}", "6222 0200 1234 5678 901", "***************8901"),
        ("{{ v|mask_account }}", "123", "***"),
        ("{{ v|mask_id }}", "310105199001011234", "310***********1234"),
        ("{{ v|mask_name }}", "欧阳法人", "欧***"),
    ],
)
def test_the_filters_mask_all_but_what_identifies(source, value, shown):
    assert render(source, v=value) == shown


def test_person_shows_a_name_a_staff_username_or_a_masked_login(cast):
    cast.alice.first_name = ""
    assert render("{{ u|person }}", u=cast.alice) == "al***@mailbox-example.cn"
    assert render("{{ u|person }}", u=cast.dora) == "朵拉"
    assert render("{{ u|person }}", u=cast.carol) == "carol"
    assert render("{{ u|person }}", u=None) == ""


def test_the_filters_escape_what_they_show():
    assert render("{{ v|mask_email }}", v="<b>@x.cn") == "&lt;b***@x.cn"
