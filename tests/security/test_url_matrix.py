"""Proof of isolation (issue 7, item 4): every URL pattern of the project, called as every role against a
world with one object of every kind (tests/security/world.py), answers as tests/security/url_table.py says.

- A pattern the table does not know fails the test (with the row observed, to be checked and pasted), and
  so does a row for a pattern that no longer exists.
- GET: the status of each pattern for each of the twelve roles; a redirect is recorded by where it goes
  (L: the login page, AL: the admin's login page, >name: another page).
- POST with an empty body, as each role, to every pattern: the status as the table's POST rows say, and
  nobody but the pairs listed in WRITERS writes anything (INSERT, UPDATE or DELETE on any table but the
  audit trail's and the sessions'). Each POST runs in a savepoint rolled back after it, so one role's POST
  never changes what the next one sees. And in the table itself: whoever is refused a page is refused
  its POST too.
- No 500 anywhere: a view that raises is reported with its exception.
- PDFs: the document's template is rendered for whoever passes the checks, its printing is skipped
  (_PrintedPdf), which leaves the checks whole and saves most of the run.

Each test builds the world once and loops over every URL and role (a world per URL would take minutes);
all differences are reported at once.
"""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import urlsplit

import pytest
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.signals import got_request_exception
from django.db import connection, reset_queries, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.exceptions import Resolver404

from policies import documents as policies_documents
from tests.pdfs import pdf_bytes
from tests.security import url_table
from tests.security.world import ROLES, World

# ---------------------------------------------------------------- enumerating the patterns


@dataclass(frozen=True)
class Route:
    key: str  # the table's name: "namespace:name", or one derived for the admin's few unnamed patterns
    name: str | None  # the namespaced name to reverse, if it has one
    route: str  # the whole route, for messages


ADMIN_OBJECT_REDIRECT = re.compile(r"^admin/(?P<app>\w+)/(?P<model>\w+)/<path:object_id>/$")


def _walk(resolver: URLResolver, prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = ":".join(filter(None, [namespace, entry.namespace or ""]))
            yield from _walk(entry, prefix + str(entry.pattern), inner)
            continue
        assert isinstance(entry, URLPattern)
        route = prefix + str(entry.pattern)
        name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
        if name:
            yield Route(name, name, route)
        elif match := ADMIN_OBJECT_REDIRECT.match(route):
            # The admin's "<object_id>/" pattern, which redirects to the change page, has no name.
            yield Route(f"admin:{match['app']}_{match['model']}_redirect", None, route)
        elif namespace == "admin" and getattr(entry.callback, "__name__", "") == "catch_all_view":
            yield Route("admin:catch_all", None, route)
        else:
            yield Route(route, None, route)


def all_routes() -> list[Route]:
    return list(_walk(get_resolver()))


# ---------------------------------------------------------------- the admin's patterns, by model and kind


def admin_models() -> dict[str, type]:
    """ "app_model" → model, for every model registered in the admin."""
    return {f"{m._meta.app_label}_{m._meta.model_name}": m for m in admin.site._registry}


def admin_kind(key: str) -> tuple[str, str] | None:
    """("app_model", kind) for a per-model admin pattern ("admin:reviews_decision_change" →
    ("reviews_decision", "change")); None for the admin's site-wide patterns."""
    if not key.startswith("admin:"):
        return None
    rest = key.removeprefix("admin:")
    for prefix in sorted(admin_models(), key=len, reverse=True):
        if rest.startswith(prefix + "_"):
            kind = rest.removeprefix(prefix + "_")
            if kind in url_table.ADMIN_MODEL_KINDS:
                return prefix, kind
    return None


def admin_object(world: World, model: type):
    """A real object of the model for the admin's <object_id>: A's where the world has one."""
    chosen = {
        "accounts.user": world.users["applicant_a"],
        "accounts.organization": world.org_a,
        "applications.application": world.late,
        "applications.call": world.call,
        "reviews.decision": world.decision,
        "reviews.override": world.override,
        "reviews.publicnotice": world.closed_notice,
        "reviews.objection": world.objection,
        "accounts.notification": world.notification,
    }.get(model._meta.label_lower)
    obj = chosen or model._default_manager.order_by("pk").first()
    assert obj is not None, f"the world has no {model._meta.label}: add one to build_world"
    return obj


def expected(key: str, method: str) -> dict[str, str] | None:
    """The table's row for the pattern (role → token), or None if the table does not know it."""
    rows = url_table.GET if method == "GET" else url_table.POST
    if key in rows:
        return rows[key]
    if (kind := admin_kind(key)) and kind[0] in url_table.ADMIN_RIGHTS:
        return url_table.admin_row(*kind, method=method)
    return None


# ---------------------------------------------------------------- building the URL


def url_for(route: Route, world: World) -> str:
    kwargs = world.kwargs.get(route.key)
    if route.key == "admin:catch_all":
        return "/admin/no-such-page/"
    if route.key == "admin:app_list":
        return reverse(route.name, kwargs={"app_label": "applications"})
    if route.key == "admin:view_on_site":
        content_type = ContentType.objects.get_for_model(type(world.late))
        return reverse(route.name, kwargs={"content_type_id": content_type.pk, "object_id": world.late.pk})
    if route.key == "admin:auth_user_password_change":  # UserAdmin's own view, named after auth.User
        return reverse(route.name, kwargs={"id": world.users["applicant_a"].pk})
    if kind := admin_kind(route.key):
        pk = admin_object(world, admin_models()[kind[0]]).pk
        if kind[1] == "redirect":
            return f"/{route.route.split('<')[0]}{pk}/"
        for argument in ("pk", "object_id"):
            if f":{argument}>" in route.route:
                return reverse(route.name, kwargs={argument: pk})
        return reverse(route.name)
    if route.name is None:
        raise AssertionError(f"{route.route}: an unnamed pattern; give it a name so the table can list it")
    if "<" in route.route and kwargs is None:
        raise AssertionError(f"{route.key}: no arguments in tests/security/world.py's url_kwargs")
    return reverse(route.name, kwargs=kwargs or {})


# ---------------------------------------------------------------- reading a response


def token_of(response) -> str:
    """200, 403, …; a redirect as L (login), AL (the admin's login) or >name (the page it goes to)."""
    if response.status_code not in (301, 302, 303, 307, 308):
        return str(response.status_code)
    path = urlsplit(response["Location"]).path
    try:
        name = resolve(path).view_name
    except Resolver404:
        return ">" + path
    if name.startswith("admin:") and name.endswith("_change"):
        return ">change"
    return url_table.REDIRECTS.get(name, ">" + name)


class Exceptions:
    """Exceptions raised inside views (the client is told to answer 500 instead of raising them)."""

    def __init__(self) -> None:
        self.last: str = ""

    def __call__(self, sender, request=None, **kwargs) -> None:
        self.last = traceback.format_exc(limit=-3)

    def take(self) -> str:
        last, self.last = self.last, ""
        return last


world_exceptions = Exceptions()


class _PrintedPdf:
    """Stands in for WeasyPrint's HTML in policies.documents: the document's template is still rendered
    (with the data of whoever asked), only the printing to PDF — a second each, and no part of who may
    have the document — is skipped."""

    metadata = type("Metadata", (), {"title": "matrix"})()

    def __init__(self, *args, **kwargs) -> None:
        pass

    def render(self, *args, **kwargs) -> _PrintedPdf:
        return self

    def write_pdf(self, *args, **kwargs) -> bytes:
        return pdf_bytes("matrix")


@pytest.fixture
def quiet_requests(monkeypatch):
    """Catch views' exceptions for the report; keep Django's warning per 403/404/405 (thousands here) out
    of the output (errors are still logged)."""
    got_request_exception.connect(world_exceptions)
    monkeypatch.setattr(policies_documents, "HTML", _PrintedPdf)
    monkeypatch.setattr(policies_documents.signing, "sign", lambda pdf, **kwargs: pdf)  # nothing to sign
    loggers = [logging.getLogger(name) for name in ("django.request", "django.security.csrf")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    yield
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)
    got_request_exception.disconnect(world_exceptions)


def clients_for(world: World) -> dict[str, Client]:
    clients = {}
    for role in ROLES:
        client = Client(raise_request_exception=False)
        if world.users[role] is not None:
            client.force_login(world.users[role])
        clients[role] = client
    return clients


def row_text(key: str, tokens: dict[str, str]) -> str:
    values = [tokens[role] for role in ROLES]
    if len(set(values)) == 1:
        return f"{key:<40}{values[0]}"
    return f"{key:<40}" + " ".join(f"{v:<5}" for v in values).rstrip()


def report(
    title: str, differences: list[str], missing: dict[str, dict[str, str]], errors: dict[str, list[str]]
) -> str:
    parts = []
    if missing:
        parts.append(
            f"{len(missing)} pattern(s) missing from tests/security/url_table.py ({title}); observed "
            "(check each status is what SHOULD happen before pasting):\n"
            + "\n".join(row_text(key, tokens) for key, tokens in missing.items())
        )
    if differences:
        parts.append(f"{len(differences)} difference(s) from the table ({title}):\n" + "\n".join(differences))
    if errors:
        parts.append(
            f"{len(errors)} exception(s):\n"
            + "\n".join(f"{where} as {', '.join(who)}" if who else where for where, who in errors.items())
        )
    return "\n\n".join(parts)


# ---------------------------------------------------------------- the tests


def test_the_table_lists_only_patterns_that_exist():
    keys = {route.key for route in all_routes()}
    stale = sorted((set(url_table.GET) | set(url_table.POST)) - keys)
    assert not stale, f"rows for patterns that no longer exist: {stale}"
    unknown_writers = sorted({key for key, _role in url_table.WRITERS} - keys)
    assert not unknown_writers, f"WRITERS names patterns that no longer exist: {unknown_writers}"
    missing_post = sorted(set(url_table.GET) - set(url_table.POST))
    assert not missing_post, f"rows with GET but no POST: {missing_post}"
    unknown_models = sorted(set(url_table.ADMIN_RIGHTS) - set(admin_models()))
    assert not unknown_models, f"ADMIN_RIGHTS names models the admin does not register: {unknown_models}"


# Answers that refuse: the login pages, forbidden, not found, "join an organisation first" (and, to a POST,
# not this method; to a GET, 405 only means the page takes POST).
REFUSED = {"L", "AL", "403", "404", ">org"}


def test_whoever_is_refused_a_page_is_refused_its_post():
    """Read from the table alone: a role refused the GET of a page is refused its POST as well, so no
    form can be driven by someone who may not see it."""
    granted = [
        f"{key} as {role}: GET {row[role]}, POST {url_table.POST[key][role]}"
        for key, row in url_table.GET.items()
        for role in ROLES
        if row[role] in REFUSED and url_table.POST[key][role] not in REFUSED | {"405"}
    ]
    assert not granted, "\n".join(granted)


def sweep(world: World, method: str, call) -> str:
    """Call every pattern as every role (`call(client, url, route, role)` → (response, problem or "")) and
    compare with the table; the report of every difference, or "" when there is none."""
    clients = clients_for(world)
    differences: list[str] = []
    missing: dict[str, dict[str, str]] = {}
    errors: dict[str, list[str]] = {}  # the problem (the same exception once) → the roles it met
    for route in all_routes():
        try:
            url = url_for(route, world)
        except AssertionError as exc:
            errors[str(exc)] = []
            continue
        want = expected(route.key, method)
        observed = {}
        for role in ROLES:
            # Each request on its own: rate-limit counters (every role posts from one address here) are the
            # business of the tests of the limits, not of who may see what.
            cache.clear()
            response, problem = call(clients[role], url, route, role)
            observed[role] = token_of(response)
            where = f"{method} {route.key} ({url}) as {role}"
            if response.status_code >= 500:
                failure = f"{method} {route.key} ({url}): {response.status_code}\n{world_exceptions.take()}"
                errors.setdefault(failure, []).append(role)
            elif want is not None and observed[role] != want[role]:
                differences.append(f"{where}: expected {want[role]}, got {observed[role]}")
            if problem:
                differences.append(f"{where}: {problem}")
        if want is None:
            missing[route.key] = observed
    return report(method, differences, missing, errors)


def test_every_url_answers_each_role_as_the_table_says(world, quiet_requests):
    problems = sweep(world, "GET", lambda client, url, route, role: (client.get(url), ""))
    if problems:
        pytest.fail(problems, pytrace=False)


def _writes(queries: list[dict]) -> list[str]:
    """The INSERT/UPDATE/DELETE statements on tables other than the bookkeeping ones."""
    found = []
    for query in queries:
        match = re.match(r'\s*(INSERT INTO|UPDATE|DELETE FROM|REPLACE INTO)\s+"?(\w+)"?', query["sql"], re.I)
        if match and not match[2].startswith(url_table.BOOKKEEPING_TABLES):
            found.append(f"{match[1].upper()} {match[2]}")
    return sorted(set(found))


def post_and_roll_back(client: Client, url: str, route: Route, role: str):
    """POST an empty body in a savepoint rolled back after it; report a write by anyone not in WRITERS."""
    # A POST may log the client out (a new session cookie); the rollback restores its old session.
    cookies = {name: morsel.value for name, morsel in client.cookies.items()}
    # The query log is a deque of at most 9,000 entries: once full, a capture's slice of it would be empty.
    reset_queries()
    with transaction.atomic():
        with CaptureQueriesContext(connection) as queries:
            response = client.post(url)
        writes = _writes(queries.captured_queries)
        transaction.set_rollback(True)
    client.cookies = SimpleCookie(cookies)
    if writes and (route.key, role) not in url_table.WRITERS:
        return response, "wrote " + ", ".join(writes)
    return response, ""


def test_every_url_refuses_an_unauthorised_post_and_changes_nothing(world, quiet_requests):
    problems = sweep(world, "POST", post_and_roll_back)
    if problems:
        pytest.fail(problems, pytrace=False)
