"""Demo data for `make run`: one account for every role, a demo enterprise, and a clearly labelled demo
round with an open call that stays open after the real 2024 round ends. Refused unless DEMO_MODE is on.

It lives in the highest app it touches (accounts ← policies ← applications)."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from stdnum.cn import uscc as stdnum_uscc

from accounts.models import Membership, Organization, User
from accounts.roles import STAFF_ROLES, Role, group_for
from applications.models import Call, CallItem
from changning_ai.commands import OneLineErrorCommand
from policies.models import PolicyRound
from policies.services import copy_round

# Demo only: printed on the console by `make run`; the command refuses to run unless DEMO_MODE is on.
DEMO_PASSWORD = "Demo-Changning-2026"  # noqa: S105
DEMO_ROUND = "changning-ai-demo"
DEMO_USERS = [
    ("demo-applicant", Role.APPLICANT, "演示企业用户"),
    ("demo-intake", Role.INTAKE_OFFICER, "演示受理人员"),
    ("demo-reviewer", Role.EXPERT_REVIEWER, "演示评审专家"),
    ("demo-approver", Role.COMMISSION_APPROVER, "演示区科委审定人员"),
    ("demo-finance", Role.FINANCE_OFFICER, "演示区财政局经办人员"),
    ("demo-finance-approver", Role.FINANCE_APPROVER, "演示区财政局审核人员"),
    ("demo-sysadmin", Role.SYSTEM_ADMIN, "演示系统管理员"),
    ("demo-secadmin", Role.SECURITY_ADMIN, "演示安全管理员"),
    ("demo-auditadmin", Role.AUDIT_ADMIN, "演示审计管理员"),
]
# What each role may do in the admin (the commission's policy rounds and calls, the administrators'
# separated rights) is granted by accounts/migrations/0008_role_permissions.py, in every database.


def demo_uscc() -> str:
    body = "91310105MA1FL0DEMO"[:17]
    return body + stdnum_uscc.calc_check_digit(body)


class Command(OneLineErrorCommand):
    help = "创建演示账户(每个角色一个)、演示企业和演示政策版本;仅在 DEMO_MODE 下可用。"

    def handle(self, *args, **options):
        if not settings.DEMO_MODE:
            raise self.fail("拒绝执行:只有设置 DEMO_MODE=true 的演示环境才能创建演示账户")
        with transaction.atomic():
            organization = self._organization()
            users = [self._user(name, role, label, organization) for name, role, label in DEMO_USERS]
            demo_round = self._demo_round()
            call = self._demo_call(demo_round)
        self.stdout.write("演示账户(仅供演示,密码相同):")
        for user, (_name, role, label) in zip(users, DEMO_USERS, strict=True):
            self.stdout.write(f"  {user.username:<24} {DEMO_PASSWORD}  {label}({role.value})")
        self.stdout.write(
            "工作人员演示账户登录时需输入动态验证码:运行 make otp ACCOUNT=<用户名> 获取当前验证码。"
        )
        self.stdout.write(
            f"演示政策版本:{demo_round.code},有效期至 {demo_round.valid_until:%Y-%m-%d}(页面标注“演示版本”)"
        )
        self.stdout.write(
            f"演示申报批次:{call.title},截止 {timezone.localtime(call.closes_at):%Y-%m-%d %H:%M}"
        )

    def _organization(self) -> Organization:
        organization, _ = Organization.objects.update_or_create(
            uscc=demo_uscc(),
            defaults={
                "name": "上海长宁演示智能科技有限公司",
                "registered_address": "上海市长宁区演示路1号",
                "registered_in_changning": True,
                "legal_representative": "演示法人",
                "contact_name": "演示联系人",
                # Every field the profile form asks for, so the demo enterprise can save its profile as it is.
                "contact_phone": "021-00000000",
                # A small enterprise, so every item open to enterprises and SMEs can be tried in the demo.
                "org_type": "enterprise",
                "is_sme": True,
                # Verified by 区科委 (issue 14), so the demo enterprise can apply at once.
                "identity_status": Organization.IdentityStatus.VERIFIED,
                "verified_name": "上海长宁演示智能科技有限公司",
            },
        )
        return organization

    def _user(self, username: str, role: Role, label: str, organization: Organization) -> User:
        user, _ = User.objects.get_or_create(username=username)
        user.first_name = label
        user.email = f"{username}@demo.invalid"
        user.is_staff = role in STAFF_ROLES
        user.set_password(DEMO_PASSWORD)
        user.save()
        user.groups.set([group_for(role)])
        if role in STAFF_ROLES:
            # Staff log in with a second factor. The demo enrols one for them; `make otp ACCOUNT=…`
            # (manage.py demo_totp) prints its current code, so no phone is needed to try the portal.
            TOTPDevice.objects.get_or_create(user=user, name="演示", defaults={"confirmed": True})
        if role == Role.APPLICANT:
            Membership.objects.update_or_create(
                user=user,
                organization=organization,
                defaults={"is_admin": True, "status": Membership.Status.APPROVED},
            )
        return user

    def _demo_round(self) -> PolicyRound:
        # The real round ends 2026-12-31; the demo must still show something open after that.
        until = max(date(2026, 12, 31), timezone.localdate() + timedelta(days=365))
        demo = PolicyRound.objects.filter(code=DEMO_ROUND).first()
        if demo is None:
            demo = copy_round(source=PolicyRound.objects.get(code="changning-ai-2024"), code=DEMO_ROUND)
        demo.title = "【演示】长宁区深入推进人工智能创新产业高质量发展的实施办法"
        demo.short_title = "演示版本(非正式政策)"
        demo.is_demo = True
        demo.valid_until = until
        demo.status = PolicyRound.Status.PUBLISHED
        demo.published_at = demo.published_at or timezone.now()
        demo.save()
        return demo

    def _demo_call(self, demo_round: PolicyRound) -> Call:
        # Open from yesterday for 90 days, so the demo always has something to apply for.
        today = timezone.localdate()
        opens = timezone.make_aware(datetime.combine(today - timedelta(days=1), time(9, 0)))
        closes = timezone.make_aware(datetime.combine(today + timedelta(days=90), time(17, 0)))
        call, _ = Call.objects.update_or_create(
            round=demo_round,
            title="【演示】年度申报批次(非正式)",
            defaults={"year": today.year, "opens_at": opens, "closes_at": closes, "guide": "仅供演示。"},
        )
        for item in demo_round.items.all():
            # The text leaves "一定" to the call; the demo uses 50% with a 500,000 yuan ceiling.
            needs_rate = item.to_rule().needs_call_rate
            CallItem.objects.update_or_create(
                call=call,
                item=item,
                defaults={
                    "rate": Decimal("0.5") if needs_rate else None,
                    "ceiling_fen": 50_000_000 if needs_rate else None,
                },
            )
        return call
