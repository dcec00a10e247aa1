"""Reads for the enterprise's pages, each with a constant number of queries, and the one access helper."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, Organization
from policies import matters, rules
from policies.models import ItemMaterial
from policies.services import quote_item

from .models import Application, ApplicationRevision, Call, CallItem
from .progress import MoneyProgress, status_next_text

# What the pages of an application read of its neighbours, fetched with it.
APPLICATION_RELATED = ("call_item__call__round", "item__round", "organization")


def application_for(
    user,
    pk: int,
    *,
    queryset: QuerySet[Application] | None = None,
    related: tuple[str, ...] = APPLICATION_RELATED,
) -> Application:
    """The application if it belongs to the user's organisation; 404 otherwise, so ids reveal nothing.

    The organisation is the one of the user's approved membership (accounts.selectors.organization_for),
    asked in a subquery rather than fetched first: one query less on every page of an application
    (issue 13; a subquery is planned in half the time of a JOIN to the memberships). A page that reads
    less of the neighbours names them in `related`: PostgreSQL plans each JOIN on every request."""
    if not user.is_authenticated:
        raise Http404
    queryset = queryset if queryset is not None else Application.objects.all()
    try:
        return queryset.select_related(*related).get(
            pk=pk,
            organization_id__in=Membership.objects.filter(
                user=user, status=Membership.Status.APPROVED
            ).values("organization_id"),
        )
    except Application.DoesNotExist as exc:
        raise Http404 from exc


def revisions_with_files(application: Application) -> list[dict]:
    """The application's revisions, oldest first, each with `files`: its frozen attachments in the
    material list's order, named by the item's material (the code when the item no longer lists it).

    One query for the revisions, their files (a LEFT JOIN: a revision without files is still listed) and
    the materials' names, and only the columns the detail page shows: not the frozen facts and quote,
    JSON decoded for nothing (issue 13)."""
    material_name = ItemMaterial.objects.filter(
        item_id=application.item_id, code=OuterRef("attachments__material_code")
    ).values("name")[:1]
    revisions: dict[int, dict] = {}
    rows = (
        ApplicationRevision.objects.filter(application=application)
        .annotate(material_name=Subquery(material_name))
        .order_by("number", "attachments__material_code", "attachments__uploaded_at", "attachments__id")
        .values_list(
            "number",
            "submitted_at",
            "amount_fen",
            "attachments__id",
            "attachments__material_code",
            "attachments__original_name",
            "material_name",
        )
    )
    for number, submitted_at, amount_fen, attachment_id, code, original_name, name in rows:
        revision = revisions.setdefault(
            number, {"number": number, "submitted_at": submitted_at, "amount_fen": amount_fen, "files": []}
        )
        if attachment_id is not None:
            revision["files"].append(
                {"name": name or code, "attachment": {"pk": attachment_id, "original_name": original_name}}
            )
    return list(revisions.values())


def open_call_items(at: datetime | None = None) -> QuerySet[CallItem]:
    """Items open for application right now: call window open and round valid today (10(5))."""
    at = at or timezone.now()
    today = timezone.localdate(at)
    return (
        CallItem.objects.filter(
            call__opens_at__lte=at,
            call__closes_at__gt=at,
            call__round__valid_from__lte=today,
            call__round__valid_until__gte=today,
        )
        .exclude(call__round__status="draft")
        .select_related("call__round", "item__article")
        .order_by("call__closes_at", "item__sort_order")
    )


def copy_target(application: Application, *, at: datetime | None = None) -> CallItem | None:
    """Where a copy of the application goes: its own call item while that call is open, otherwise the open
    call of the same item code (the latest to close, in whichever round), or None when none is open."""
    if application.call_item.call.is_open(at):
        return application.call_item
    return (
        open_call_items(at)
        .filter(item__code=application.item.code)
        .select_related("item__round")
        .order_by("-call__closes_at", "-call__opens_at")
        .first()
    )


def open_drafts_like(
    *,
    organization: Organization,
    call_item: CallItem,
    matter_ref: str = "",
    exclude: Application | None = None,
) -> list[Application]:
    """The organisation's applications still being filled in (草稿, 退回补正) under this call item that may be
    the same application: every one when no matter is named yet (a start), else those of the same matter
    (compared normalised, policies.matters) or with none typed yet. The rent items share one matter per
    year, so every draft of the call item is the same matter."""
    drafts = Application.objects.filter(
        organization=organization, call_item=call_item, status__in=Application.EDITABLE
    ).order_by("-updated_at", "-id")
    if exclude is not None:
        drafts = drafts.exclude(pk=exclude.pk)
    wanted = matters.normalise(matter_ref)
    if not wanted or call_item.item.shared_matter:
        return list(drafts)
    return [d for d in drafts if matters.normalise(d.matter_ref) in ("", wanted)]


def dashboard_applications(organization: Organization) -> QuerySet[Application]:
    return (
        Application.objects.filter(organization=organization)
        # call.round too: next_action asks Call.is_open, which reads the round's validity.
        .select_related("call_item__call__round", "item")
        .order_by("-updated_at", "-id")
    )


@dataclass(frozen=True)
class NextAction:
    text: str
    url_name: str = ""  # "edit", "copy", "detail" or ""
    url: str = ""  # a page of another app (我的资助, a yearly claim), already reversed


def next_action(
    application: Application, *, at: datetime | None = None, money: MoneyProgress | None = None
) -> NextAction:
    """What happens next, in words, for the dashboard: what the enterprise must do, or what the district
    does and how long it typically takes (progress.status_next_text). Past 已认定 the award's progress
    (`money`, progress.money_progress) says it."""
    status = Application.Status
    call = application.call_item.call
    if application.status == status.DRAFT:
        if not call.is_open(at):
            return NextAction(_("申报批次已截止,草稿不能再提交。"))
        closes = timezone.localtime(call.closes_at).strftime("%Y-%m-%d %H:%M")
        return NextAction(_("填写完整并上传材料后提交(截止 %(closes)s)。") % {"closes": closes}, "edit")
    if application.status == status.RETURNED:
        return NextAction(status_next_text(application, at=at), "edit")
    if application.status == status.RECOGNISED and money is not None:
        return NextAction(money.next_text, url=money.next_url)
    # Ended (withdrawn, not accepted, not supported): applying again starts from a copy.
    if application.can_copy:
        return NextAction(status_next_text(application, at=at), "copy")
    return NextAction(status_next_text(application, at=at))


def application_quote(application: Application, *, at: datetime | None = None) -> rules.Quote:
    """The engine's ceiling for this application as it stands, counting what the organisation was already
    awarded this year, for this project and for this matter. Raises rules.FactError on bad facts."""
    call_item = application.call_item
    return quote_item(
        item=application.item,
        raw_facts=application.facts,
        on=timezone.localdate(at) if at else None,
        organization=application.organization,
        year=call_item.call.year,
        matter=application.matter_ref,
        call_rate=call_item.rate,
        call_ceiling_fen=call_item.ceiling_fen,
        exclude_application_id=application.pk,
    )


def open_calls(at: datetime | None = None) -> QuerySet[Call]:
    at = at or timezone.now()
    return Call.objects.filter(opens_at__lte=at, closes_at__gt=at).select_related("round")


@dataclass(frozen=True)
class MatterMatch:
    """An earlier award of the same organisation for the same matter (deducted under Art. 10(2)) or for a
    matter that only looks alike ("possibly the same matter": shown to staff before they decide, never
    deducted by itself)."""

    same: bool
    matter: str
    item_code: str
    item_name: str
    year: int
    amount_fen: int
    source: str  # the application's number, or the other policy's name
    application_id: int | None = None
    # Same matter but not a duplicate: a tranche of the same project under a per-project cap (8.1).
    tranche: bool = False


def matter_matches(application: Application) -> list[MatterMatch]:
    """Every recognised award of this portal (any round) and every recorded other-policy award of the
    organisation whose matter is the same as this application's, or near it (policies.matters.are_near).
    Two queries, whatever the number of awards."""
    from policies.models import RecordedAward

    from .ledger import application_matter_key, recognised

    key = application_matter_key(application)
    if not key:
        return []
    found: list[MatterMatch] = []
    for other in recognised(application.organization, exclude_application_id=application.pk):
        other_key = application_matter_key(other)
        if other_key == key or matters.are_near(key, other_key):
            tranche = other.item.code == application.item.code and (
                application.item.running_window == rules.Window.PROJECT
            )
            found.append(
                MatterMatch(
                    same=other_key == key,
                    tranche=tranche,
                    matter=other.matter_ref or other.item.shared_matter,
                    item_code=other.item.code,
                    item_name=other.item.display_name,
                    year=other.call_item.call.year,
                    amount_fen=(other.awarded_fen or 0) - other.clawed_back_fen,
                    source=other.number or "",
                    application_id=other.pk,
                )
            )
    for recorded in RecordedAward.objects.filter(organization_id=application.organization_id):
        other_key = recorded.matter_key_for(key)
        if other_key == key or matters.are_near(key, other_key):
            found.append(
                MatterMatch(
                    same=other_key == key,
                    matter=recorded.matter,
                    item_code="",
                    item_name="",
                    year=recorded.year,
                    amount_fen=recorded.amount_fen,
                    source=recorded.source_policy,
                )
            )
    return sorted(found, key=lambda m: (not m.same, -m.year, m.source))


def open_call_item_for(
    item_code: str, *, round_code: str = "", at: datetime | None = None
) -> CallItem | None:
    """The call open now for an item code, in whichever round (an item keeps its code across rounds): the
    calculator's round first, then the call that closes soonest. One query."""
    candidates = list(open_call_items(at).filter(item__code=item_code))
    same_round = [ci for ci in candidates if ci.call.round.code == round_code]
    return (same_round or candidates or [None])[0]


def next_call_item_for(item_code: str, *, at: datetime | None = None) -> CallItem | None:
    """The next call announced for an item code (opening later, its round not a draft), or None."""
    at = at or timezone.now()
    return (
        CallItem.objects.filter(item__code=item_code, call__opens_at__gt=at)
        .exclude(call__round__status="draft")
        .select_related("call__round", "item")
        .order_by("call__opens_at")
        .first()
    )


def latest_facts_by_item_code(organization: Organization) -> dict[str, dict[str, str]]:
    """The facts of the organisation's latest application of each item code, any round and status (what it
    recorded last time pre-fills the next). One query, only the two columns."""
    latest: dict[str, dict[str, str]] = {}
    rows = (
        Application.objects.filter(organization=organization)
        .order_by("-updated_at", "-id")
        .values_list("item__code", "facts")
    )
    for code, facts in rows:
        if code not in latest and isinstance(facts, dict) and facts:
            latest[code] = {str(k): str(v) for k, v in facts.items()}
    return latest
