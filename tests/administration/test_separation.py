"""三权分立 across the portal: each administrator's navigation shows their own pages and no one else's, and
none of the three can reach the money (budgets, award approval, payment batches)."""

import pytest
from django.urls import reverse

from tests.administration.conftest import person

pytestmark = pytest.mark.django_db

NAV = {
    "system_admin": {"用户管理"},
    "security_admin": {"角色管理", "登录锁定", "密码策略"},
    "audit_admin": {"审计日志", "校验哈希链"},
}
EVERY_ADMIN_LINK = set().union(*NAV.values())
HOME = {
    "system_admin": "administration:users",
    "security_admin": "administration:roles",
    "audit_admin": "audit:records",
}


def nav_labels(response) -> set[str]:
    return (
        {str(link["label"]) for link in response.context["staff_nav"]}
        if "staff_nav" in response.context
        else set()
    )


@pytest.mark.parametrize("role", list(NAV))
def test_each_administrator_sees_their_own_pages_in_the_navigation_and_no_one_elses(client, role):
    client.force_login(person(role))
    response = client.get(reverse(HOME[role]))
    assert response.status_code == 200
    labels = nav_labels(response)
    assert labels & EVERY_ADMIN_LINK == NAV[role]
    # Nor the commission's or finance's work.
    assert not labels & {"受理", "评审分配", "审定", "预算管理", "资助审核", "年度兑现核查", "拨付批次"}


def test_the_current_page_is_marked_in_the_navigation(client):
    client.force_login(person("security_admin"))
    response = client.get(reverse("administration:locks"))
    current = [str(link["label"]) for link in response.context["staff_nav"] if link["current"]]
    assert current == ["登录锁定"]


@pytest.mark.parametrize("role", ["commission_approver", "finance_approver", "intake_officer"])
def test_other_staff_see_no_administrator_pages(client, role):
    client.force_login(person(role))
    response = client.get(reverse("policies:home"))
    assert not nav_labels(response) & EVERY_ADMIN_LINK


@pytest.mark.parametrize("role", list(NAV))
@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", reverse("disbursement:budgets")),
        ("get", reverse("disbursement:awards")),
        ("get", reverse("disbursement:batches")),
        ("post", reverse("disbursement:award_approve", args=[1])),
        ("post", reverse("disbursement:batch_approve", args=[1])),
        ("post", reverse("disbursement:budget_confirm", args=[1])),
    ],
)
def test_no_administrator_can_reach_the_money(client, role, method, url):
    client.force_login(person(role))
    assert getattr(client, method)(url).status_code == 403
