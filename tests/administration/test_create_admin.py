"""`manage.py create_admin`: how the three administrators are made in production (no superuser).

Through call_command for every case, and through a real process for the exit status and the one line on
stderr a script sees."""

import io
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import SecurityPolicy, User
from accounts.roles import Role
from audit.models import AuditRecord
from tests.factories import UserFactory

GOOD = "Strong-Admin-2026"


def create_admin(
    *args: str, stdin: str | None = None, prompts: list[str] | None = None, monkeypatch=None
) -> str:
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    if prompts is not None:
        answers = iter(prompts)
        monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    out = io.StringIO()
    call_command("create_admin", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def refused(*args: str, monkeypatch, stdin: str | None = None, prompts: list[str] | None = None) -> str:
    SecurityPolicy.current()  # the password validators read it (and create it, recorded, the first time)
    before = (User.objects.count(), AuditRecord.objects.count())
    with pytest.raises(CommandError) as exc:
        create_admin(*args, stdin=stdin, prompts=prompts, monkeypatch=monkeypatch)
    assert exc.value.returncode == 2
    message = str(exc.value)
    assert message and "\n" not in message
    assert (User.objects.count(), AuditRecord.objects.count()) == before, "nothing is created or recorded"
    return message


@pytest.mark.parametrize("role", [Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN])
def test_each_administrator_is_a_staff_account_with_that_one_role_never_a_superuser(db, monkeypatch, role):
    out = create_admin(
        "--role", role.value, "--username", "chen", "--email", "Chen@Example.gov.cn",
        prompts=[GOOD, GOOD], monkeypatch=monkeypatch,
    )  # fmt: skip
    assert "chen" in out
    chen = User.objects.get(username="chen")
    assert chen.role_names == [role.value]
    assert chen.is_staff and not chen.is_superuser and chen.is_active
    assert chen.email == "chen@example.gov.cn"
    assert chen.check_password(GOOD) and chen.password_changed_at is not None


def test_the_creation_is_recorded_as_done_by_the_command(db, monkeypatch):
    create_admin(
        "--role", "audit_admin", "--username", "chen", "--email", "chen@example.gov.cn",
        "--password-stdin", stdin=GOOD + "\n", monkeypatch=monkeypatch,
    )  # fmt: skip
    chen = User.objects.get(username="chen")
    entry = AuditRecord.objects.get(action="admin.create")
    assert entry.username == "命令 create_admin" and entry.user_id is None
    assert entry.object_id == str(chen.pk)
    assert entry.changes["after"]["roles"] == ["audit_admin"]
    # The automatic records of the same change carry the same label.
    assert AuditRecord.objects.get(action="user.create").username == "命令 create_admin"


def test_the_password_can_come_from_standard_input(db, monkeypatch):
    create_admin(
        "--role", "security_admin", "--username", "chen", "--email", "chen@example.gov.cn",
        "--password-stdin", stdin=GOOD + "\n", monkeypatch=monkeypatch,
    )  # fmt: skip
    assert User.objects.get(username="chen").check_password(GOOD)


@pytest.mark.parametrize("role", ["applicant", "finance_approver", "commission_approver", "superuser", ""])
def test_a_role_that_is_not_an_administrators_is_refused(db, monkeypatch, role):
    message = refused(
        "--role", role, "--username", "chen", "--email", "chen@example.gov.cn",
        prompts=[GOOD, GOOD], monkeypatch=monkeypatch,
    )  # fmt: skip
    assert "--role 只能是管理员角色" in message


@pytest.mark.parametrize("username", ["chen", "CHEN"])
def test_an_existing_username_is_refused(db, monkeypatch, username):
    UserFactory(username="chen")
    message = refused(
        "--role", "system_admin", "--username", username, "--email", "new@example.gov.cn",
        prompts=[GOOD, GOOD], monkeypatch=monkeypatch,
    )  # fmt: skip
    assert message == f"用户名已存在:{username}"


def test_an_email_in_use_is_refused(db, monkeypatch):
    UserFactory(username="wang", email="wang@example.gov.cn")
    message = refused(
        "--role", "system_admin", "--username", "chen", "--email", "WANG@example.gov.cn",
        prompts=[GOOD, GOOD], monkeypatch=monkeypatch,
    )  # fmt: skip
    assert message == "邮箱已被其他账户使用:wang@example.gov.cn"


@pytest.mark.parametrize(
    ("email", "username", "expected"),
    [("not-an-email", "chen", "邮箱地址无效"), ("chen@example.gov.cn", "chen wei!", "用户名无效")],
)
def test_a_malformed_email_or_username_is_refused(db, monkeypatch, email, username, expected):
    message = refused(
        "--role", "system_admin", "--username", username, "--email", email,
        prompts=[GOOD, GOOD], monkeypatch=monkeypatch,
    )  # fmt: skip
    assert expected in message


@pytest.mark.parametrize("password", ["password", "12345678", "Sh0rt!", "alllowercaseletters"])
def test_a_weak_password_is_refused_by_the_validators(db, monkeypatch, password):
    message = refused(
        "--role", "system_admin", "--username", "chen", "--email", "chen@example.gov.cn",
        "--password-stdin", stdin=password + "\n", monkeypatch=monkeypatch,
    )  # fmt: skip
    assert message.startswith("密码不符合要求:")


def test_two_different_passwords_at_the_prompt_are_refused(db, monkeypatch):
    message = refused(
        "--role", "system_admin", "--username", "chen", "--email", "chen@example.gov.cn",
        prompts=[GOOD, GOOD + "x"], monkeypatch=monkeypatch,
    )  # fmt: skip
    assert message == "两次输入的密码不一致"


def test_an_empty_standard_input_is_refused(db, monkeypatch):
    message = refused(
        "--role", "system_admin", "--username", "chen", "--email", "chen@example.gov.cn",
        "--password-stdin", stdin="", monkeypatch=monkeypatch,
    )  # fmt: skip
    assert message == "标准输入中没有密码"


# ---------------------------------------------------------------- through a real process


@pytest.fixture(scope="module")
def cli(tmp_path_factory):
    """manage.py in a child process against its own migrated SQLite file."""
    database = tmp_path_factory.mktemp("create-admin-cli") / "db.sqlite3"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "changning_ai.settings_test",
        "DATABASE_URL": f"sqlite:///{database}",
        "PYTHONIOENCODING": "utf-8",
    }

    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=settings.BASE_DIR,
            env=env,
            input=stdin,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=120,
        )

    done = run("migrate", "--no-input", "-v", "0")
    assert done.returncode == 0, done.stderr
    return run


def test_the_command_line_creates_an_administrator_from_standard_input(cli):
    args = ("create_admin", "--role", "system_admin", "--username", "chen", "--email", "chen@example.gov.cn")
    done = cli(*args, "--password-stdin", stdin=GOOD + "\n")
    assert (done.returncode, done.stderr) == (0, "")
    assert "chen" in done.stdout
    again = cli(*args, "--password-stdin", stdin=GOOD + "\n")
    assert again.returncode == 2
    assert again.stderr.count("\n") == 1 and "Traceback" not in again.stderr
    assert "用户名已存在:chen" in again.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--role", "finance_approver", "--username", "x", "--email", "x@example.gov.cn"],
            "只能是管理员角色",
        ),
        (["--username", "x", "--email", "x@example.gov.cn"], "--role"),
    ],
)
def test_the_command_line_refuses_with_one_line_and_status_2(cli, args, message):
    done = cli("create_admin", *args, "--password-stdin", stdin=GOOD + "\n")
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert message in done.stderr
