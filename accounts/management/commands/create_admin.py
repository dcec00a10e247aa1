"""`manage.py create_admin --role system_admin|security_admin|audit_admin --username U --email E`

How the three administrators (等级保护 三权分立) are created in production, where Django's superuser is not
used: a staff account (never is_superuser) holding exactly that one role, recorded in the audit trail as
"admin.create" by "命令 create_admin". The password is typed twice at a prompt, or read from standard input
with --password-stdin (one line), and must pass the password validators. Bad input — an unknown or
non-administrator role, a username or e-mail already in use, a weak or mismatched password — is one line
on stderr and exit status 2; nothing is created.
"""

from __future__ import annotations

import getpass
import sys

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower

from accounts.models import User, normalize_email
from accounts.roles import Role, group_for
from audit import services as audit
from audit.context import acting_as
from changning_ai.commands import OneLineErrorCommand

ADMIN_ROLES = (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN)
LABEL = "命令 create_admin"


class Command(OneLineErrorCommand):
    help = "创建系统管理员、安全管理员或审计管理员账户(三权分立;生产环境不使用超级用户)。"

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--role",
            required=True,
            help="system_admin(系统管理员)、security_admin(安全管理员)或 audit_admin(审计管理员)",
        )
        parser.add_argument("--username", required=True, help="登录用户名")
        parser.add_argument("--email", required=True, help="电子邮箱(用于找回密码)")
        parser.add_argument(
            "--password-stdin", action="store_true", help="从标准输入读取密码(一行),不在终端提示输入"
        )

    def handle(self, *args, **options) -> None:
        role = self._role(options["role"])
        username = options["username"].strip()
        email = normalize_email(options["email"])
        self._check_identity(username, email)
        user = User(
            username=username, email=email, first_name=str(role.label), is_staff=True, is_superuser=False
        )
        password = self._password(options["password_stdin"])
        try:
            validate_password(password, user=user)
        except ValidationError as exc:
            raise self.fail("密码不符合要求:" + " ".join(exc.messages)) from exc
        user.set_password(password)
        with acting_as(label=LABEL), transaction.atomic():
            try:
                with transaction.atomic():
                    user.save()
            except IntegrityError as exc:
                raise self.fail(f"用户名或邮箱已被使用:{username}") from exc
            user.groups.add(group_for(role))
            audit.record(
                "admin.create",
                obj=user,
                after={
                    "username": user.username,
                    "email": user.email,
                    "roles": [role.value],
                    "is_staff": True,
                },
                detail=f"创建{role.label}账户 {user.username}",
            )
        self.stdout.write(f"已创建{role.label}账户:{user.username}(首次登录时须绑定动态口令)")

    def _role(self, value: str) -> Role:
        if value not in {role.value for role in ADMIN_ROLES}:
            choices = "、".join(role.value for role in ADMIN_ROLES)
            raise self.fail(f"--role 只能是管理员角色({choices}),不能是“{value}”")
        return Role(value)

    def _check_identity(self, username: str, email: str) -> None:
        if not username:
            raise self.fail("--username 不能为空")
        try:
            User(username=username).clean_fields(
                exclude=[f.name for f in User._meta.fields if f.name != "username"]
            )
        except ValidationError as exc:
            raise self.fail("用户名无效:" + " ".join(exc.messages)) from exc
        try:
            validate_email(email)
        except ValidationError as exc:
            raise self.fail(f"邮箱地址无效:{email}") from exc
        if User.objects.filter(username__iexact=username).exists():
            raise self.fail(f"用户名已存在:{username}")
        if User.objects.alias(email_lower=Lower("email")).filter(email_lower=email).exists():
            raise self.fail(f"邮箱已被其他账户使用:{email}")

    def _password(self, from_stdin: bool) -> str:
        if from_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
            if not password:
                raise self.fail("标准输入中没有密码")
            return password
        try:
            first = getpass.getpass("密码:")
            second = getpass.getpass("再次输入密码:")
        except (EOFError, KeyboardInterrupt) as exc:
            raise self.fail("已取消:没有输入密码") from exc
        if first != second:
            raise self.fail("两次输入的密码不一致")
        return first
