"""Every form of the portal, sent back with errors, is accessible in the same way (issue 16, items 1-3).

Each form of tests/security/test_hostile_forms.py (the list of every form the portal accepts, with a user
allowed to use it) is sent with blank and wrong values until the page comes back with errors. On that page:
- every aria-describedby names ids that exist (one field template, so the message ids cannot differ);
- an error summary (role="alert") lists the errors, its links point at inputs that exist, and every
  invalid input has a link in it;
- the title starts with 错误:;
- no success message (草稿已保存) stands beside the errors;
- the flash messages are a live region around a list, never role="status" on the list itself (axe listitem).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest

from tests.applications.conftest import clock, private_files  # noqa: F401 (fixtures)
from tests.security.test_hostile_forms import FORMS, cast, client_for, request_data  # noqa: F401 (cast: fixture)

pytestmark = pytest.mark.usefixtures("clock", "private_files")

# Blank everywhere first (the commonest mistake), then values no field accepts.
PAYLOADS = ["", "-1", "x" * 10_001, "2025-02-30"]


@dataclass
class Page(HTMLParser):
    ids: set[str] = field(default_factory=set)
    described: list[tuple[str, str]] = field(default_factory=list)  # (element id or tag, id it names)
    invalid: list[str] = field(default_factory=list)
    summaries: list[dict[str, str]] = field(default_factory=list)
    summary_links: list[str] = field(default_factory=list)
    status_lists: int = 0
    title: str = ""
    _in_title: bool = False
    _summary_depth: int = 0

    def __post_init__(self) -> None:
        super().__init__(convert_charrefs=True)

    def handle_starttag(self, tag, attrs) -> None:
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            self.ids.add(a["id"])
        for named in a.get("aria-describedby", "").split():
            self.described.append((a.get("id", tag), named))
        if a.get("aria-invalid") == "true":
            self.invalid.append(a.get("id", ""))
        if "data-error-summary" in a:
            self.summaries.append(a)
            self._summary_depth = 1
        elif self._summary_depth and tag not in ("input", "br", "img"):
            self._summary_depth += 1
        if self._summary_depth and tag == "a":
            self.summary_links.append(a.get("href", ""))
        if tag in ("ul", "ol") and a.get("role") in ("status", "alert"):
            self.status_lists += 1
        self._in_title = tag == "title"

    def handle_endtag(self, tag) -> None:
        if self._summary_depth:
            self._summary_depth -= 1
        self._in_title = False

    def handle_data(self, data) -> None:
        if self._in_title:
            self.title += data


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    return page


def check_accessible(html: str, context: str) -> Page:
    page = parse(html)
    missing = [(owner, named) for owner, named in page.described if named not in page.ids]
    assert not missing, f"aria-describedby names ids that do not exist: {missing} — {context}"
    assert page.status_lists == 0, f"a list carries role=status/alert (axe listitem) — {context}"
    if not page.invalid and not page.summaries:
        return page
    assert page.summaries, f"fields are invalid {page.invalid} but there is no error summary — {context}"
    assert all(s.get("role") == "alert" and s.get("tabindex") == "-1" for s in page.summaries), context
    assert page.title.strip().startswith("错误:"), f"title {page.title!r} — {context}"
    targets = [href.removeprefix("#") for href in page.summary_links]
    assert all(t in page.ids for t in targets), f"summary links {targets} to missing ids — {context}"
    for input_id in page.invalid:
        # A radio or checkbox group is linked by its first choice (<id>_0).
        group = input_id.rsplit("_", 1)[0] + "_0" if input_id.rsplit("_", 1)[-1].isdigit() else input_id
        assert input_id in targets or group in targets, (
            f"invalid input {input_id!r} has no link in the summary {targets} — {context}"
        )
    assert "草稿已保存" not in html, f"a success message beside field errors — {context}"
    return page


# Forms whose page must come back with a summary for blank or wrong values (the rest redirect with a message,
# answer JSON, or accept anything, e.g. an optional filter): guards the test against passing on nothing.
MUST_SHOW_SUMMARY = {
    "accounts:signup",
    "accounts:login",
    "accounts:organization_edit",
    "applications:edit",
    "policies:match",
    "notices:object",
    "reviews:intake_check",
    "reviews:score",
    "reviews:decide",
    "reviews:override_propose",
    "disbursement:award_clawback",
    "disbursement:agreement_decide",
    "administration:user_create",
}


@pytest.mark.parametrize("name", sorted(FORMS))
def test_every_form_page_with_errors_is_accessible(cast, name):  # noqa: F811 (the fixture imported above)
    spec = FORMS[name](cast)
    client = client_for(spec)
    send = client.get if spec.method == "get" else client.post
    summaries = 0
    for payload in PAYLOADS:
        url = spec.url(client) if callable(spec.url) else spec.url
        # Followed: the page a refusal redirects to shows its message in the live region, checked too.
        response = send(url, request_data(dict.fromkeys(spec.fields, payload)), follow=True)
        if not response.get("Content-Type", "").startswith("text/html") or response.status_code >= 500:
            continue
        page = check_accessible(response.content.decode(), f"{name} with {payload[:20]!r}")
        summaries += bool(page.summaries)
    if name in MUST_SHOW_SUMMARY:
        assert summaries, f"{name}: no payload brought the page back with an error summary"


def test_the_summary_names_the_field_once_and_escapes_the_message():
    from django import forms
    from django.template.loader import render_to_string

    class Sample(forms.Form):
        amount = forms.CharField(label="金额(元)")
        note = forms.CharField(label="说明")

    form = Sample({"amount": "x", "note": ""})
    form.add_error("amount", "金额:不能为负数<b>")
    html = render_to_string("accounts/_form_errors.html", {"form": form})
    assert '<a href="#id_amount">金额:不能为负数&lt;b&gt;</a>' in html  # the message names the field already
    assert '<a href="#id_note">说明:这个字段是必填项。</a>' in html
    assert 'role="alert" tabindex="-1"' in html and "提交的信息有误" in html
