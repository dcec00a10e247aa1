"""How a round's status and an item's rate read on the public pages."""

from dataclasses import dataclass
from datetime import date

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from policies import rules
from policies.models import PolicyItem, PolicyRound

register = template.Library()


@dataclass(frozen=True)
class RoundStatus:
    label: str
    css: str


@register.simple_tag
def round_status(round: PolicyRound, today: date) -> RoundStatus:
    """The status a reader needs: a published round whose end date has passed reads as expired too."""
    if round.status == PolicyRound.Status.EXPIRED or round.valid_until < today:
        return RoundStatus(_("已失效"), "expired")
    if round.status == PolicyRound.Status.DRAFT:
        return RoundStatus(_("草稿"), "draft")
    if round.valid_from > today:
        return RoundStatus(_("尚未施行"), "upcoming")
    return RoundStatus(_("现行有效"), "current")


@register.filter
def rate_text(item: PolicyItem) -> str:
    if item.formula == rules.Formula.FIXED:
        return _("定额奖励,不按比例计算")
    if item.rate_fact and item.rate is not None:
        return _("按上级要求的配套比例;未明确要求的按 %(rate)s") % {"rate": rules.percent(item.rate)}
    if item.rate is None:
        return _("由年度申报指南确定")
    text = rules.percent(item.rate)
    return _("不超过 %(rate)s") % {"rate": text} if item.rate_is_ceiling else text


@register.filter
def percent(rate: object) -> str:
    return "" if rate is None else rules.percent(rate)  # type: ignore[arg-type]


@register.filter
def call_terms(call_item) -> str:
    """The call's own figures for an item ("一定": the text leaves rate and ceiling to the annual call), as
    the call list, the home page and the calculator show them; empty when the call sets neither."""
    parts = []
    if getattr(call_item, "rate", None) is not None:
        parts.append(_("本批次补贴比例 %(rate)s") % {"rate": rules.percent(call_item.rate)})
    if getattr(call_item, "ceiling_fen", None) is not None:
        parts.append(
            _("本批次单笔上限 %(ceiling)s")
            % {"ceiling": rules.yuan(rules.fen_to_yuan(call_item.ceiling_fen))}
        )
    return pgettext("list separator", "、").join(parts)
