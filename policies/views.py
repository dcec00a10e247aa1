"""Public pages: the catalogue of rounds, each round's articles and items, and the policy calculator.

Reads go through `selectors` (drafts are invisible there); money only from `services.quote_item`.
"""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django_ratelimit.decorators import ratelimit

from changning_ai.ratelimit import rate

from . import matching, rules, selectors
from .forms import CalculatorForm, MatchForm


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The calls open now (with the days left), and the current round's items by article, filtered by what
    the enterprise does (the round's topics, data of the policy file). Five queries whatever the counts."""
    today = timezone.localdate()
    rounds = selectors.current_rounds(today=today)
    policy_round = selectors.main_round(rounds)
    topics = matching.topics_of(policy_round) if policy_round else []
    topic = request.GET.get("topic", "")
    if topic not in {t["code"] for t in topics}:
        topic = ""
    articles = selectors.articles_with_items(policy_round=policy_round, topic=topic) if policy_round else []
    open_calls = [
        {"call_item": ci, "days_left": matching.days_left(ci.call.closes_at, today=today)}
        for ci in matching.open_call_items()
    ]
    return render(
        request,
        "policies/home.html",
        {
            "current_rounds": rounds,
            "today": today,
            "policy_round": policy_round,
            "topics": topics,
            "topic": topic,
            "articles": articles,
            "open_calls": open_calls,
        },
    )


@require_GET
def match(request: HttpRequest) -> HttpResponse:
    """我可以申报哪些, for a visitor without an account: a short questionnaire (type, size, what it did), then
    every item of the current round as eligible, not, or depending on what is missing, with the amount it
    could reach. One engine call per item; a constant number of queries."""
    today = timezone.localdate()
    policy_round = selectors.main_round(selectors.current_rounds(today=today))
    topics = matching.topics_of(policy_round) if policy_round else []
    form = MatchForm(request.GET if request.GET else None, topics=topics)
    matches = None
    if policy_round and form.is_bound and form.is_valid():
        chosen = set(form.cleaned_data["topics"])
        items = [i for i in selectors.round_items(round=policy_round) if not chosen or chosen & set(i.topics)]
        applicant = form.applicant_facts()
        matches = matching.by_status(
            matching.match_items(
                matching.with_rule_data(items),
                facts_for=lambda item: applicant,
                on=today,
                calls=matching.calls_by_item_code(matching.open_call_items(), round=policy_round),
            )
        )
    return render(
        request,
        "policies/match.html",
        {"form": form, "policy_round": policy_round, "matches": matches, "today": today},
    )


@require_GET
def catalogue(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "policies/catalogue.html",
        {"rounds": list(selectors.public_rounds()), "today": timezone.localdate()},
    )


@require_GET
def round_detail(request: HttpRequest, code: str) -> HttpResponse:
    round = selectors.public_round_with_articles(code=code)
    return render(request, "policies/round_detail.html", {"round": round, "today": timezone.localdate()})


@require_GET
def item_detail(request: HttpRequest, code: str, item: str) -> HttpResponse:
    policy_item = selectors.public_item(code=code, item=item)
    return render(
        request,
        "policies/item_detail.html",
        {
            "round": policy_item.round,
            "item": policy_item,
            "eligibility_article": selectors.eligibility_article(round=policy_item.round),
            "today": timezone.localdate(),
        },
    )


@require_GET
def calculator(request: HttpRequest) -> HttpResponse:
    """Works without JavaScript: the GET form comes back here and the result is rendered server-side."""
    today = timezone.localdate()
    choice = selectors.calculator_choice(
        round_code=request.GET.get("round", ""), item_code=request.GET.get("item", ""), today=today
    )
    form = quote = None
    if choice.round and choice.item:
        form = CalculatorForm(
            request.GET, item=choice.item, rule=choice.item.to_rule(), call_item=_open_call(choice)
        )
        if not form.is_blank:
            quote = form.quote(on=timezone.localdate())
    return render(
        request,
        "policies/calculator.html",
        {"choice": choice, "form": form, "quote": quote, "today": today},
    )


@ratelimit(group="quote", key="ip", rate=rate("quote-client"), method="GET")
@require_GET
def calculator_quote(request: HttpRequest) -> JsonResponse:
    """The calculator's live result as JSON: 200 with the quote, or 400 with one message per field."""
    choice = selectors.calculator_choice(
        round_code=request.GET.get("round", ""),
        item_code=request.GET.get("item", ""),
        today=timezone.localdate(),
    )
    if choice.round is None or choice.item is None:
        errors = choice.errors or {"item": _("请选择政策项目。")}
        return _quote_json(None, errors, status=400)
    form = CalculatorForm(
        request.GET, item=choice.item, rule=choice.item.to_rule(), call_item=_open_call(choice)
    )
    quote = form.quote(on=timezone.localdate())
    if quote is None:
        return _quote_json(None, form.error_map(), status=400)
    return _quote_json(quote, {}, status=200)


def _open_call(choice: selectors.CalculatorChoice):
    """The call open now for the chosen item, when its rate is the call's ("一定"): one query, else none."""
    if choice.item is None or not choice.item.to_rule().needs_call_rate:
        return None
    return matching.calls_by_item_code(matching.open_call_items(), round=choice.round).get(choice.item.code)


def _quote_json(quote: rules.Quote | None, errors: dict[str, str], *, status: int) -> JsonResponse:
    body: dict[str, object] = (
        quote.as_dict() if quote else {"eligible": None, "amount": None, "steps": [], "reasons": []}
    )
    body["errors"] = errors
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
