"""`manage.py unlock_account USERNAME` — the break glass.

When the last security administrator is locked out (or is away and someone must get in now), whoever runs
commands on the server lifts every login lock of one account. Recorded in the audit trail as
"account_unlocked" by "命令 unlock_account", like the security administrator's own page. An account that
does not exist (and has no lock under that name either) is one line on stderr and exit status 2.
"""

from __future__ import annotations

from axes.models import AccessAttempt

from accounts import security
from accounts.models import User
from audit.context import acting_as
from changning_ai.commands import OneLineErrorCommand

LABEL = "命令 unlock_account"


class Command(OneLineErrorCommand):
    help = "解除一个账户的全部登录锁定(安全管理员无法登录时的应急办法),记入审计日志。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("username", help="账户的用户名(安全管理员页面“登录锁定”中显示的名称)")

    def handle(self, *args, **options) -> None:
        username = options["username"].strip()
        known = User.objects.filter(username=username).exists()
        if not username or not (known or AccessAttempt.objects.filter(username=username).exists()):
            raise self.fail(f"没有用户名为“{username}”的账户,也没有该名称的登录锁定。")
        with acting_as(label=LABEL):
            removed = security.unlock(username)
        self.stdout.write(f"已解除“{username}”的登录锁定(清除 {removed} 条失败记录)。")
