"""`manage.py demo_totp <username>`: the current TOTP code of a demo account's demo device, so the demo can be
tried without an authenticator app. Refused unless DEMO_MODE is on, and only for seed_demo's accounts."""

from django.conf import settings
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from applications.management.commands.seed_demo import DEMO_USERS
from changning_ai.commands import OneLineErrorCommand


class Command(OneLineErrorCommand):
    help = "打印演示账户当前的动态验证码(仅 DEMO_MODE 演示环境)。"

    def add_arguments(self, parser):
        parser.add_argument("username", help="演示账户用户名,如 demo-intake")

    def handle(self, *args, username: str, **options):
        if not settings.DEMO_MODE:
            raise self.fail("拒绝执行:只有设置 DEMO_MODE=true 的演示环境才能查看演示验证码")
        if username not in {name for name, _role, _label in DEMO_USERS}:
            raise self.fail(f"“{username}”不是演示账户")
        device = TOTPDevice.objects.filter(user__username=username, name="演示", confirmed=True).first()
        if device is None:
            raise self.fail(f"演示账户“{username}”没有演示动态验证设备;请先运行 make run(seed_demo)")
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        self.stdout.write(f"{totp.token():0{device.digits}d}")
