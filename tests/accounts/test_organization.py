import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from stdnum.cn import uscc

from accounts.models import Membership, Organization, User
from accounts.roles import Role, group_for


def make_uscc(body: str = "91310105MA1FL0ABC") -> str:
    return body + uscc.calc_check_digit(body)


def test_valid_uscc_passes_validation(db):
    organization = Organization(uscc=make_uscc(), name="甲公司")
    organization.full_clean()


@pytest.mark.parametrize(
    "value",
    ["", "123", "91310105MA1FL0ABCX", make_uscc()[:-1] + ("0" if make_uscc()[-1] != "0" else "1"), "9" * 19],
)
def test_bad_uscc_is_refused_with_a_chinese_message(db, value):
    organization = Organization(uscc=value, name="甲公司")
    with pytest.raises(ValidationError) as exc:
        organization.full_clean()
    assert "uscc" in exc.value.message_dict
    assert any(
        "统一社会信用代码" in m or "此字段" in m or "字段" in m for m in exc.value.message_dict["uscc"]
    )


def test_one_uscc_is_one_organization(db):
    Organization.objects.create(uscc=make_uscc(), name="甲公司")
    with pytest.raises(IntegrityError):
        Organization.objects.create(uscc=make_uscc(), name="乙公司")


def test_uscc_is_stored_compact_after_clean(db):
    code = make_uscc()
    organization = Organization(uscc=f" {code[:6]} {code[6:]} ", name="甲公司")
    organization.clean()
    assert organization.uscc == code


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, {"registered_in_changning": True, "operating_normally": True, "credit_good": True}),
        ({"registered_in_changning": False}, {"registered_in_changning": False}),
        ({"operating_status": Organization.OperatingStatus.REVOKED}, {"operating_normally": False}),
        ({"credit_status": Organization.CreditStatus.SERIOUS_DISHONEST}, {"credit_good": False}),
    ],
)
def test_article2_facts_follow_the_register(db, changes, expected):
    organization = Organization(
        uscc=make_uscc(), name="甲公司", **{"registered_in_changning": True, **changes}
    )
    facts = organization.article2_facts()
    for key, value in expected.items():
        assert facts[key] is value


def test_every_role_exists_as_a_group(db):
    assert set(Group.objects.values_list("name", flat=True)) >= {role.value for role in Role}
    assert len(Role) == 9


def test_user_has_role_through_its_group(db):
    alice = User.objects.create_user("alice", password="x-Secret-123")
    alice.groups.add(group_for(Role.INTAKE_OFFICER))
    assert alice.has_role(Role.INTAKE_OFFICER)
    assert not alice.has_role(Role.FINANCE_APPROVER)


def test_a_user_joins_an_organization_once(db):
    alice = User.objects.create_user("alice", password="x-Secret-123")
    organization = Organization.objects.create(uscc=make_uscc(), name="甲公司")
    Membership.objects.create(user=alice, organization=organization)
    with pytest.raises(IntegrityError):
        Membership.objects.create(user=alice, organization=organization)
