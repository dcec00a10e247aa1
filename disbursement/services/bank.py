"""The enterprise's receiving account: recorded and changed only by the organisation's administrator.

A change adds a BankAccount row and makes the previous one not current, so the rows are the history
(the audit of who changed what and when, until issue 7's trail). Finance reads the current row when it
builds a batch; PaymentRecord freezes the details a payment went to.
"""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organization
from accounts.selectors import approved_membership_for
from audit import services as audit

from ..models import BankAccount

# Mainland bank account numbers (借记卡 16–19, 对公账户 up to ~25 digits); 8–32 leaves room for both.
# ASCII only: \d would also take full-width and other scripts' digits, which a bank import refuses.
ACCOUNT_NUMBER_RE = re.compile(r"^[0-9]{8,32}$")
# 开户行联行号 (CNAPS 大额支付系统行号): always 12 digits.
BANK_CODE_RE = re.compile(r"^[0-9]{12}$")
# Spaces (including the ideographic one, which NFKC turns into an ASCII space) and every dash an
# input method produces: hyphen, the minus sign, en/em dashes and their full-width forms.
SEPARATORS_RE = re.compile(r"[\s\-\u2010-\u2015\u2212\ufe58\ufe63\uff0d]")


def normalize_digits(value: str) -> str:
    """The one form stored: full-width digits as ASCII (NFKC), spaces and dashes dropped —
    "６２２２ ０２１０－0112 3456" → "6222021001123456". Anything else is left for the check to refuse."""
    return SEPARATORS_RE.sub("", unicodedata.normalize("NFKC", value or ""))


# The name the data migration and older callers use.
normalize_account_number = normalize_digits


def check_bank_admin(actor, organization: Organization) -> None:
    """PermissionDenied unless the actor is this organisation's approved administrator."""
    membership = approved_membership_for(actor)
    if (
        membership is None
        or not actor.is_active
        or membership.organization_id != organization.pk
        or not membership.is_admin
    ):
        raise PermissionDenied(_("只有本单位管理员可以登记或变更收款账户。"))


def set_bank_account(
    *,
    actor,
    organization: Organization,
    bank_name: str,
    account_name: str,
    account_number: str,
    bank_code: str = "",
) -> BankAccount:
    """Record the organisation's receiving account; the previous one stays as history, not current.

    Submitting the same details again (a double click) changes nothing and returns the current row.
    `bank_code` (开户行联行号) may be left blank here — the page's form requires it — because the bank
    file refuses a payee without one anyway; a given one must be 12 digits.
    """
    check_bank_admin(actor, organization)
    bank_name = (bank_name or "").strip()
    account_name = (account_name or "").strip()
    number = normalize_digits(account_number)
    code = normalize_digits(bank_code)
    errors: dict[str, str] = {}
    if not bank_name:
        errors["bank_name"] = _("请填写开户银行。")
    if not account_name:
        errors["account_name"] = _("请填写账户名称。")
    elif not organization.identity_verified:
        errors["account_name"] = _(
            "本单位身份尚未经区科委核验,核验通过后方可登记收款账户(须为以核验名称开立的对公账户)。"
        )
    elif not organization.payee_name_matches(account_name):
        # Issue 14: money goes only to an account in the organisation's own verified name (对公账户).
        errors["account_name"] = _(
            "收款账户须为本单位的对公账户,账户名称应与区科委核验的单位名称“%(name)s”一致。"
        ) % {"name": organization.verified_name}
    if not ACCOUNT_NUMBER_RE.match(number):
        errors["account_number"] = _(
            "银行账号应为8至32位数字(可含空格或短横线,全角数字会自动转换),请核对后重新填写。"
        )
    if code and not BANK_CODE_RE.match(code):
        errors["bank_code"] = _("开户行联行号应为12位数字,可向开户银行查询。")
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        # The organisation row serialises two changes at once, so exactly one row stays current.
        Organization.objects.select_for_update().get(pk=organization.pk)
        current = BankAccount.objects.filter(organization=organization, is_current=True).first()
        if current is not None and (
            current.bank_name,
            current.account_name,
            current.account_number,
            current.bank_code,
        ) == (bank_name, account_name, number, code):
            return current
        BankAccount.objects.filter(organization=organization, is_current=True).update(is_current=False)
        if current is not None:
            # The UPDATE above is invisible to the audit signals; the new row's creation is recorded by them.
            # Together the two records are the change: the old details (number masked) and the new ones.
            audit.record(
                "bankaccount.update",
                obj=current,
                before={
                    "is_current": True,
                    "bank_name": current.bank_name,
                    "account_name": current.account_name,
                    "account_number": current.account_number,
                    "bank_code": current.bank_code,
                },
                after={"is_current": False},
                detail="收款账户变更",
            )
        return BankAccount.objects.create(
            organization=organization,
            bank_name=bank_name,
            account_name=account_name,
            account_number=number,
            bank_code=code,
            changed_by=actor,
            changed_at=timezone.now(),
            is_current=True,
        )
