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

from . import rules, selectors
from .forms import CalculatorForm


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    return render(
        request,
        "policies/home.html",
        {"current_rounds": selectors.current_rounds(today=today), "today": today},
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
        form = CalculatorForm(request.GET, item=choice.item, rule=choice.item.to_rule())
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
    form = CalculatorForm(request.GET, item=choice.item, rule=choice.item.to_rule())
    quote = form.quote(on=timezone.localdate())
    if quote is None:
        return _quote_json(None, form.error_map(), status=400)
    return _quote_json(quote, {}, status=200)


def _quote_json(quote: rules.Quote | None, errors: dict[str, str], *, status: int) -> JsonResponse:
    body: dict[str, object] = (
        quote.as_dict() if quote else {"eligible": None, "amount": None, "steps": [], "reasons": []}
    )
    body["errors"] = errors
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
