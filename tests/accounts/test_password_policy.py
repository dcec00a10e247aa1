"""The password rules of 等级保护 level 3, as sign-up, the reset link and the change page apply them:
at least 8 characters, three of the four character classes, not the user's own login names, not a common
password; the security administrator may tighten the length and the classes (SecurityPolicy)."""

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from accounts.models import SecurityPolicy, User
from tests.factories import PASSWORD, UserFactory

GOOD = "Changning-AI-2026"
CHANGE = "/accounts/password/change/"


def refusals(password: str, user=None) -> list[str]:
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        return list(exc.messages)
    return []


@pytest.fixture
def wang(db) -> User:
    return UserFactory(username="wanglh", email="wanglihua@example.com", mobile="13812345678")


def test_the_project_uses_every_rule():
    names = [v["NAME"].rsplit(".", 1)[1] for v in settings.AUTH_PASSWORD_VALIDATORS]
    for rule in ("MinimumLengthValidator", "CharacterClassValidator", "UserIdentifierValidator"):
        assert rule in names
    assert "django.contrib.auth.password_validation.CommonPasswordValidator" in [
        v["NAME"] for v in settings.AUTH_PASSWORD_VALIDATORS
    ]


def test_a_good_password_passes(wang):
    assert refusals(GOOD, wang) == []
    assert refusals("长宁区ai政策2026", wang) == []  # Chinese characters count as symbols


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Ab-1234", "密码太短,至少需要 8 个字符。"),
        ("changning-ai-policy", "密码须包含大写字母、小写字母、数字、符号四类中的至少 3 类(现在只有 2 类)。"),
        ("ChangningAIpolicy", "密码须包含大写字母、小写字母、数字、符号四类中的至少 3 类(现在只有 2 类)。"),
        ("Password1", "这个密码太常见了。"),
    ],
)
def test_each_rule_refuses_with_its_chinese_message(wang, password, message):
    assert message in refusals(password, wang)


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("WANGLH", "密码不能与用户名相同,也不能包含用户名。"),
        ("Wanglh-2026!", "密码不能与用户名相同,也不能包含用户名。"),
        ("WangLiHua#2026", "密码不能包含邮箱地址中 @ 前面的部分。"),
        ("Tel:13812345678", "密码不能包含手机号码。"),
    ],
)
def test_a_password_equal_to_or_containing_a_login_name_is_refused(wang, password, message):
    assert message in refusals(password, wang)


def test_a_short_name_is_refused_only_as_the_whole_password(db):
    li = UserFactory(username="li", email="li@example.com")
    assert refusals("Lili-2026-ab", li) == []


def test_the_security_administrators_tighter_policy_applies(wang):
    SecurityPolicy.objects.update_or_create(
        pk=1, defaults={"password_min_length": 12, "password_min_classes": 4}
    )
    assert "密码太短,至少需要 12 个字符。" in refusals("Chang-AI-26", wang)
    assert "密码须包含大写字母、小写字母、数字、符号四类中的至少 4 类(现在只有 3 类)。" in refusals(
        "ChangningAI2026x", wang
    )
    assert refusals("Changning-AI-2026", wang) == []


def test_a_policy_row_below_the_floor_cannot_loosen_the_rules(wang):
    # Written around clean() (as a bad migration or a shell might): the validators still apply the floor.
    SecurityPolicy.objects.update_or_create(
        pk=1, defaults={"password_min_length": 4, "password_min_classes": 1}
    )
    assert "密码太短,至少需要 8 个字符。" in refusals("Ab-1", wang)
    assert any("至少 3 类" in message for message in refusals("abcdefghij", wang))


def test_sign_up_refuses_a_weak_password_and_creates_nobody(client, db):
    response = client.post(
        "/accounts/signup/",
        {"identifier": "13900001234", "password": "abcdefgh12", "password2": "abcdefgh12"},
    )
    assert response.status_code == 200
    assert "至少 3 类" in response.content.decode()
    assert not User.objects.filter(mobile="13900001234").exists()


def test_sign_up_refuses_a_password_containing_the_mobile_number(client, db):
    password = "Ab-13900001234"
    response = client.post(
        "/accounts/signup/", {"identifier": "13900001234", "password": password, "password2": password}
    )
    assert "密码不能包含手机号码。" in response.content.decode()
    assert not User.objects.filter(mobile="13900001234").exists()


def test_the_sign_up_page_states_the_rules(client, db):
    html = client.get("/accounts/signup/").content.decode()
    assert "至少 8 位,包含大写字母、小写字母、数字、符号四类中的至少 3 类" in html


# ---------------------------------------------------------------- the change page


def test_every_logged_in_user_can_change_their_password(client, wang):
    client.force_login(wang)
    page = client.get(CHANGE)
    assert page.status_code == 200
    assert "当前密码" in page.content.decode() and "确认新密码" in page.content.decode()
    response = client.post(CHANGE, {"old_password": PASSWORD, "new_password1": GOOD, "new_password2": GOOD})
    assert response.status_code == 302 and response["Location"] == "/accounts/password/change/done/"
    wang.refresh_from_db()
    assert wang.check_password(GOOD)
    # Still logged in on this browser, with the new password.
    assert client.session["_auth_user_id"] == str(wang.pk)
    assert "新密码已保存" in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"old_password": "Not-The-Password-1"}, "当前密码不正确,请重新输入。"),
        ({"new_password2": "Changning-AI-2027"}, "两次输入的新密码不一致。"),
        ({"new_password1": "changning2026", "new_password2": "changning2026"}, "至少 3 类"),
        ({"new_password1": PASSWORD, "new_password2": PASSWORD}, "新密码不能与当前密码相同。"),
    ],
)
def test_a_refused_change_keeps_the_old_password(client, wang, data, message):
    client.force_login(wang)
    response = client.post(
        CHANGE, {"old_password": PASSWORD, "new_password1": GOOD, "new_password2": GOOD, **data}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    wang.refresh_from_db()
    assert wang.check_password(PASSWORD)


def test_the_change_page_needs_a_login(client, db):
    response = client.get(CHANGE)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
