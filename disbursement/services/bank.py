"""The enterprise's receiving account: recorded and changed only by the organisation's administrator.

A change adds a BankAccount row and makes the previous one not current, so the rows are the history
(the audit of who changed what and when, until issue 7's trail). Finance reads the current row when it
builds a batch; PaymentRecord freezes the details a payment went to.
"""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organization
from accounts.selectors import approved_membership_for
from audit import services as audit

from ..models import BankAccount

# Mainland bank account numbers (借记卡 16–19, 对公账户 up to ~25 digits); 8–30 leaves room for both.
ACCOUNT_NUMBER_RE = re.compile(r"^\d{8,30}$")
SEPARATORS_RE = re.compile(r"[\s\-]")


def normalize_account_number(value: str) -> str:
    """Spaces and hyphens dropped, the one form stored: "6222 0210-0112 3456" → "6222021001123456"."""
    return SEPARATORS_RE.sub("", value or "")


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
    *, actor, organization: Organization, bank_name: str, account_name: str, account_number: str
) -> BankAccount:
    """Record the organisation's receiving account; the previous one stays as history, not current.

    Submitting the same details again (a double click) changes nothing and returns the current row.
    """
    check_bank_admin(actor, organization)
    bank_name = (bank_name or "").strip()
    account_name = (account_name or "").strip()
    number = normalize_account_number(account_number)
    errors: dict[str, str] = {}
    if not bank_name:
        errors["bank_name"] = _("请填写开户银行。")
    if not account_name:
        errors["account_name"] = _("请填写账户名称。")
    if not ACCOUNT_NUMBER_RE.match(number):
        errors["account_number"] = _("银行账号应为8至30位数字。")
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        # The organisation row serialises two changes at once, so exactly one row stays current.
        Organization.objects.select_for_update().get(pk=organization.pk)
        current = BankAccount.objects.filter(organization=organization, is_current=True).first()
        if current is not None and (current.bank_name, current.account_name, current.account_number) == (
            bank_name,
            account_name,
            number,
        ):
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
                },
                after={"is_current": False},
                detail="收款账户变更",
            )
        return BankAccount.objects.create(
            organization=organization,
            bank_name=bank_name,
            account_name=account_name,
            account_number=number,
            changed_by=actor,
            changed_at=timezone.now(),
            is_current=True,
        )
