"""Masking personal data where a page does not need it in full (等级保护: 个人信息保护).

    {% load privacy %}
    {{ organization.contact_phone|mask_phone }}   139****5678, 021****0000
    {{ user.email|mask_email }}                   wa***@example.com
    {{ account.account_number|mask_account }}     *************4567
    {{ person.id_number|mask_id }}                310**********1234
    {{ some_user|person }}                        the name, else the login masked — never an address in full

Who sees what in full is decided per page (and documented there): the organisation's own members on its own
profile, intake officers for the contact they may have to call, finance staff for the account they pay into.
Everywhere else a template masks. The filters take any value (None, numbers) and never raise: a page must
not fail because a field is empty.
"""

from __future__ import annotations

from django import template

register = template.Library()


def _text(value) -> str:
    return "" if value is None else str(value).strip()


@register.filter
def mask_phone(value) -> str:
    """The first three and last four characters, the rest starred: enough to recognise, not to call."""
    text = _text(value)
    if not text:
        return ""
    if len(text) >= 9:
        return text[:3] + "*" * (len(text) - 7) + text[-4:]
    return "*" * max(1, len(text) - 2) + text[-2:] if len(text) > 2 else "*" * len(text)


@register.filter
def mask_email(value) -> str:
    """Two characters of the mailbox and the domain (as the delivery log shows addresses)."""
    text = _text(value)
    local, at, domain = text.rpartition("@")
    if not at:
        return "***" if text else ""
    return f"{local[:2]}***@{domain}"


@register.filter
def mask_account(value) -> str:
    """The last four digits of a bank account (as BankAccount.masked_number)."""
    text = _text(value).replace(" ", "")
    if len(text) <= 4:
        return "*" * len(text)
    return "*" * (len(text) - 4) + text[-4:]


@register.filter
def mask_id(value) -> str:
    """An identity number (居民身份证 and the like): region prefix and last four; the birth date is hidden."""
    text = _text(value)
    if len(text) <= 7:
        return "*" * len(text)
    return text[:3] + "*" * (len(text) - 7) + text[-4:]


@register.filter
def mask_name(value) -> str:
    """王** for 王小明: the family name only."""
    text = _text(value)
    return text[0] + "*" * max(1, len(text) - 1) if text else ""


@register.filter
def person(user) -> str:
    """How one person appears to another: the name they gave; else a staff member's username (an account
    name the office assigned); else an applicant's login masked (their mobile number or e-mail address —
    their username is a random u-… nobody knows them by)."""
    if user is None:
        return ""
    name = _text(getattr(user, "get_full_name", lambda: "")())
    if name:
        return name
    if getattr(user, "is_staff", False) and _text(getattr(user, "username", "")):
        return _text(user.username)
    email = _text(getattr(user, "email", ""))
    if email:
        return mask_email(email)
    mobile = _text(getattr(user, "mobile", ""))
    if mobile:
        return mask_phone(mobile)
    return _text(getattr(user, "username", ""))
