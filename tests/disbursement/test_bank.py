"""Bank details: only the organisation's administrator records or changes them; every change is a new
row and the old one stays as history; the enterprise's pages show the number masked."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from disbursement import services
from disbursement.models import BankAccount
from tests.disbursement.conftest import login

NUMBER = "6222021001123456789"
MASKED = "***************6789"


CNAPS = "308290003011"


def record(actor, organization, number=NUMBER, bank="招商银行上海长宁支行", name="甲公司", code=CNAPS):
    return services.set_bank_account(
        actor=actor,
        organization=organization,
        bank_name=bank,
        account_name=name,
        account_number=number,
        bank_code=code,
    )


# ---------------------------------------------------------------- the service


def test_the_administrator_records_the_account(alice, org_a):
    account = record(alice, org_a, number="6222 0210-0112 3456 789")
    assert account.is_current
    assert account.account_number == NUMBER
    assert account.changed_by == alice
    assert account.masked_number == MASKED


def test_a_change_adds_a_row_and_keeps_the_old_one_as_history(alice, org_a):
    first = record(alice, org_a)
    second = record(alice, org_a, number="31050161393600000123", bank="建设银行上海长宁支行")
    first.refresh_from_db()
    assert not first.is_current
    assert second.is_current
    assert BankAccount.objects.filter(organization=org_a).count() == 2
    assert BankAccount.objects.filter(organization=org_a, is_current=True).get() == second


def test_the_same_details_twice_change_nothing(alice, org_a):
    first = record(alice, org_a)
    again = record(alice, org_a, number=NUMBER)
    assert again == first
    assert BankAccount.objects.filter(organization=org_a).count() == 1


@pytest.mark.parametrize(
    "number", ["1234567", "1" * 33, "62220210011234ab", "", "6222-", "6222.0210.0112", "６２２２０２１０ａｂ"]
)
def test_an_account_number_must_be_8_to_32_digits(alice, org_a, number):
    with pytest.raises(ValidationError) as error:
        record(alice, org_a, number=number)
    assert "account_number" in error.value.message_dict
    assert not BankAccount.objects.exists()


def test_bank_and_account_name_are_required(alice, org_a):
    with pytest.raises(ValidationError) as error:
        record(alice, org_a, bank="  ", name="")
    assert set(error.value.message_dict) == {"bank_name", "account_name"}


def test_an_ordinary_member_cannot_change_the_account(alice, anna, org_a):
    first = record(alice, org_a)
    with pytest.raises(PermissionDenied):
        record(anna, org_a, number="31050161393600000123")
    assert list(BankAccount.objects.all()) == [first]
    first.refresh_from_db()
    assert first.is_current


def test_another_organisations_administrator_or_finance_staff_cannot_change_it(bob, fay, org_a):
    for actor in (bob, fay):
        with pytest.raises(PermissionDenied):
            record(actor, org_a)
    assert not BankAccount.objects.exists()


# ---------------------------------------------------------------- the enterprise's page

URL = "/awards/bank/"


def test_members_see_the_account_masked_with_its_history(client, alice, anna, org_a):
    record(alice, org_a, number="31050161393600000123", bank="建设银行上海长宁支行")
    record(alice, org_a)
    html = login(client, anna).get(URL).content.decode()
    assert MASKED in html
    assert "****************0123" in html  # the earlier account, in the history
    assert NUMBER not in html and "31050161393600000123" not in html
    assert "招商银行上海长宁支行" in html and "建设银行上海长宁支行" in html
    assert 'name="account_number"' not in html  # no form for a member


def test_the_administrator_sees_it_masked_too_and_a_blank_change_form(client, alice, org_a):
    record(alice, org_a)
    html = login(client, alice).get(URL).content.decode()
    assert MASKED in html
    assert NUMBER not in html
    assert 'name="account_number"' in html


def test_the_administrator_changes_the_account_on_the_page(client, alice, org_a):
    response = login(client, alice).post(
        URL,
        {
            "bank_name": "招商银行上海长宁支行",
            "account_name": "甲公司",
            "account_number": NUMBER,
            "bank_code": CNAPS,
        },
    )
    assert response.status_code == 302
    assert BankAccount.objects.get(organization=org_a, is_current=True).account_number == NUMBER


def test_a_bad_number_on_the_page_is_shown_and_saves_nothing(client, alice, org_a):
    response = login(client, alice).post(
        URL, {"bank_name": "招商银行", "account_name": "甲公司", "account_number": "12ab", "bank_code": CNAPS}
    )
    assert response.status_code == 400
    assert "银行账号应为8至32位数字" in response.content.decode()
    assert not BankAccount.objects.exists()


def test_a_member_posting_the_form_gets_403_and_nothing_is_saved(client, anna, org_a):
    response = login(client, anna).post(
        URL, {"bank_name": "招商银行", "account_name": "甲公司", "account_number": NUMBER}
    )
    assert response.status_code == 403
    assert not BankAccount.objects.exists()


def test_a_user_without_an_organisation_gets_404_and_anonymous_logs_in(client, fay):
    assert client.get(URL).status_code == 302
    assert "/accounts/login/" in client.get(URL)["Location"]
    assert login(client, fay).get(URL).status_code == 404


def test_the_bank_page_only_shows_the_users_own_organisation(client, alice, bob, org_a):
    record(alice, org_a, bank="工商银行上海虹桥支行")
    html = login(client, bob).get(URL).content.decode()
    assert "工商银行上海虹桥支行" not in html and "6789" not in html


# ---------------------------------------------------------------- normalisation and 开户行联行号


@pytest.mark.parametrize(
    "typed",
    [
        "６２２２０２１００１１２３４５６７８９",  # full-width digits
        "６２２２ ０２１０ ０１１２ ３４５６ ７８９",  # full-width with spaces
        "6222\u30000210\u30000112\u30003456\u3000789",  # ideographic spaces
        "6222-0210-0112-3456-789",
        "６２２２－０２１０－０１１２－３４５６－７８９",  # full-width dashes
        " 6222 0210 0112 3456 789 ",
    ],
)
def test_the_number_is_stored_as_ascii_digits_whatever_was_typed(alice, org_a, typed):
    assert record(alice, org_a, number=typed).account_number == NUMBER


def test_a_full_width_bank_code_is_stored_as_ascii(alice, org_a):
    assert record(alice, org_a, code="３０８ ２９０ ００３ ０１１").bank_code == CNAPS


@pytest.mark.parametrize("code", ["30829000301", "3082900030111", "30829000301x", "三〇八二九〇〇〇三〇一一"])
def test_a_bank_code_must_be_12_digits(alice, org_a, code):
    with pytest.raises(ValidationError) as error:
        record(alice, org_a, code=code)
    assert "开户行联行号应为12位数字" in error.value.message_dict["bank_code"][0]
    assert not BankAccount.objects.exists()


def test_a_changed_bank_code_alone_is_a_change(alice, org_a):
    first = record(alice, org_a)
    second = record(alice, org_a, code="105290061008")
    assert second != first and second.bank_code == "105290061008"


@pytest.mark.parametrize(
    ("number", "shown"),
    [
        ("1234567", "银行账号应为8至32位数字"),
        ("1" * 33, "银行账号应为8至32位数字"),
        ("6222-0210-abcd-3456", "银行账号应为8至32位数字"),
        ("６２２２０２１０ａｂ", "银行账号应为8至32位数字"),
    ],
)
def test_the_page_refuses_a_bad_number_with_the_message_and_saves_nothing(
    client, alice, org_a, number, shown
):
    response = login(client, alice).post(
        URL, {"bank_name": "招商银行", "account_name": "甲公司", "account_number": number, "bank_code": CNAPS}
    )
    assert response.status_code == 400
    assert shown in response.content.decode()
    assert not BankAccount.objects.exists()


def test_the_page_stores_a_full_width_number_normalised(client, alice, org_a):
    response = login(client, alice).post(
        URL,
        {
            "bank_name": "招商银行",
            "account_name": "甲公司",
            "account_number": "６２２２ ０２１０-０１１２ ３４５６ ７８９",
            "bank_code": "３０８２９０００３０１１",
        },
    )
    assert response.status_code == 302
    account = BankAccount.objects.get(organization=org_a)
    assert (account.account_number, account.bank_code) == (NUMBER, CNAPS)


@pytest.mark.parametrize(
    ("code", "shown"), [("", "请填写开户行联行号"), ("12345", "开户行联行号应为12位数字")]
)
def test_the_page_requires_a_12_digit_bank_code(client, alice, org_a, code, shown):
    response = login(client, alice).post(
        URL, {"bank_name": "招商银行", "account_name": "甲公司", "account_number": NUMBER, "bank_code": code}
    )
    assert response.status_code == 400
    assert shown in response.content.decode()
    assert not BankAccount.objects.exists()


def test_the_page_shows_the_bank_code(client, alice, org_a):
    record(alice, org_a)
    assert CNAPS in login(client, alice).get(URL).content.decode()


# ---------------------------------------------------------------- the data migration


def test_the_migration_normalises_stored_numbers_and_leaves_what_it_cannot_fix(alice, org_a, org_b, bob):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("disbursement.migrations.0006_bank_code_and_normalised_accounts")
    typed = record(alice, org_a)
    BankAccount.objects.filter(pk=typed.pk).update(account_number="６２１４ ８３２１-0000 1234")
    broken = record(bob, org_b, name="乙公司")
    BankAccount.objects.filter(pk=broken.pk).update(account_number="6214abc")
    assert migration.normalise_account_numbers(apps, None) == 1
    typed.refresh_from_db()
    broken.refresh_from_db()
    assert typed.account_number == "6214832100001234"
    assert broken.account_number == "6214abc"  # for the administrator to correct; the bank file refuses it
    assert migration.normalise_account_numbers(apps, None) == 0  # run again: nothing left to change
