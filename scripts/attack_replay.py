"""Replay issue 14's attacks against a running portal on this machine and print what held.

Run (the portal served by `make run` or `make deploy-check`'s stack, on loopback only):

    .venv/bin/python scripts/attack_replay.py [http://127.0.0.1:8000]

Bounded (about 300 requests) and loopback only: it refuses any other host. It trips the portal's rate
limits for 127.0.0.1 for up to an hour (restart `make run` to clear its in-memory counters) and locks the
account it probes (`demo-approver` by default, from this client only). With the demo enterprise's password
(`--enterprise-password`, `make run` prints it) it also tries to rename the verified demo organisation.
Exit 0 when every attack was held,
1 otherwise; standard library only.
"""

from __future__ import annotations

import argparse
import http.client
import re
import sys
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
INPUT = re.compile(r"<input\b[^>]*>")
ATTR = re.compile(r'\b(name|value|type|checked)(?:="([^"]*)")?')
SELECT = re.compile(r'<select\b[^>]*name="([^"]+)"[^>]*>(.*?)</select>', re.S)
SELECTED = re.compile(r'<option\b[^>]*value="([^"]*)"[^>]*\bselected\b')
ORG_NAME = re.compile(r"<dd[^>]*>\s*([^<]*有限公司[^<]*)\s*<")


def form_fields(page: str) -> dict[str, str]:
    """What a browser sends back for the page's form unchanged: inputs, checked boxes, selected options."""
    fields: dict[str, str] = {}
    for tag in INPUT.findall(page):
        attrs = {m.group(1): m.group(2) or "" for m in ATTR.finditer(tag)}
        if "name" not in attrs or attrs.get("type") in ("submit", "file", "button"):
            continue
        if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
            continue
        default = "on" if attrs.get("type") in ("checkbox", "radio") else ""  # what a browser sends
        fields[attrs["name"]] = attrs.get("value") or default
    for name, options in SELECT.findall(page):
        chosen = SELECTED.search(options)
        if chosen:
            fields[name] = chosen.group(1)
    return fields


@dataclass
class Session:
    host: str
    port: int
    cookies: dict[str, str] = field(default_factory=dict)

    def request(self, method: str, path: str, form: dict | None = None, headers: dict | None = None):
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        all_headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), **(headers or {})}
        body = None
        if form is not None:
            body = urlencode(form)
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
            all_headers["Referer"] = f"http://{self.host}:{self.port}{path}"
        connection.request(method, path, body=body, headers=all_headers)
        response = connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            self.cookies.update({name: morsel.value for name, morsel in cookie.items()})
        connection.close()
        return response.status, response.headers, text

    def post_form(self, path: str, fields: dict) -> tuple[int, object, str]:
        _status, _headers, page = self.request("GET", path)
        token = CSRF.search(page)
        return self.request("POST", path, {**fields, "csrfmiddlewaretoken": token.group(1) if token else ""})


def until_429(send, limit: int) -> int | None:
    """How many requests went through before the first 429 (None: never, within `limit`)."""
    for n in range(limit):
        status = send(n)
        if status == 429:
            return n
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", nargs="?", default="http://127.0.0.1:8000")
    parser.add_argument("--account", default="demo-approver", help="the account whose lock is probed")
    parser.add_argument(
        "--enterprise", default="demo-applicant", help="an enterprise account of a verified organisation"
    )
    parser.add_argument(
        "--enterprise-password", default="", help="its password (skip the rename attack without it)"
    )
    args = parser.parse_args()
    parts = urlsplit(args.base)
    if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        sys.stderr.write("attack_replay: only a portal on this machine (127.0.0.1) may be attacked\n")
        return 2
    host, port = parts.hostname, parts.port or 80
    results: list[tuple[str, bool, str]] = []

    def held(name: str, ok: bool, detail: str) -> None:
        results.append((name, ok, detail))

    # 0. Renaming a verified organisation from its own account (finding 4); first, before the
    # login limits below trip for this client: the name stays the verified one.
    if args.enterprise_password:
        owner = Session(host, port)
        owner.post_form(
            "/accounts/login/", {"username": args.enterprise, "password": args.enterprise_password}
        )
        _status, _headers, before = owner.request("GET", "/accounts/organization/")
        _status, _headers, edit = owner.request("GET", "/accounts/organization/edit/")
        token = CSRF.search(edit)
        fields = {**form_fields(edit), "name": "冒名顶替有限公司"}
        if token:
            fields["csrfmiddlewaretoken"] = token.group(1)
        owner.request("POST", "/accounts/organization/edit/", fields)
        _status, _headers, after = owner.request("GET", "/accounts/organization/")
        logged_in = "统一社会信用代码" in before and "冒名顶替有限公司" not in before
        held(
            "rename of a verified organisation",
            logged_in and "冒名顶替有限公司" not in after,
            "name unchanged" if logged_in else "could not log in as the enterprise (password?)",
        )

    # 1. NUL byte in path and query: a 400, never a 500.
    statuses = [Session(host, port).request("GET", path)[0] for path in ("/notices/%00/", "/policies/?q=%00")]
    held("NUL byte in URL", all(s == 400 for s in statuses), f"answers {statuses}")

    # 2. Headers on every response.
    _status, headers, _page = Session(host, port).request("GET", "/")
    held("Permissions-Policy", "camera=()" in (headers.get("Permissions-Policy") or ""), "header present")

    # 3. A forged POST without the CSRF token: refused with the site's page.
    status, _headers, page = Session(host, port).request(
        "POST", "/accounts/login/", {"username": "a", "password": "b"}
    )
    held("CSRF", status == 403 and "页面已过期" in page, f"{status}")

    # 4. Lockout abuse: wrong passwords for someone else's account lock this client only.
    attacker = Session(host, port)
    for _ in range(6):
        attacker.post_form("/accounts/login/", {"username": args.account, "password": "Wrong-Guess-1"})
    status, _headers, page = attacker.post_form(
        "/accounts/login/", {"username": args.account, "password": "x"}
    )
    held(
        "lock per account and client",
        status in (403, 429) or "秒后再试" in page,
        "this client locked or slowed; the owner elsewhere is not (tests/accounts/test_lockout.py)",
    )

    # 5. Password spraying: many accounts from one client.
    sprayer = Session(host, port)
    n = until_429(
        lambda i: sprayer.post_form(
            "/accounts/login/", {"username": f"spray{i}@example.com", "password": "Aa-123456"}
        )[0],
        100,
    )
    held(
        "password spraying", n is not None, f"429 after {n} attempts" if n is not None else "no limit in 100"
    )

    # 6. Reset flood to one person.
    resetter = Session(host, port)
    n = until_429(
        lambda i: resetter.post_form("/accounts/password-reset/", {"email": "victim@example.com"})[0], 20
    )
    held("reset flood", n is not None, f"429 after {n}" if n is not None else "no limit in 20")

    # 7. Sign-up flood.
    signer = Session(host, port)
    n = until_429(
        lambda i: signer.post_form("/accounts/signup/", {"identifier": f"flood{i}@example.com", "name": "x"})[
            0
        ],
        20,
    )
    held("sign-up flood", n is not None, f"429 after {n}" if n is not None else "no limit in 20")

    # 8. The calculator's JSON, unthrottled before.
    caller = Session(host, port)
    n = until_429(lambda i: caller.request("GET", "/calculator/quote/?item=7.1")[0], 150)
    held("calculator JSON flood", n is not None, f"429 after {n}" if n is not None else "no limit in 150")

    # 9. Guessing the second-factor code that unlocks an account.
    guesser = Session(host, port)
    n = until_429(
        lambda i: guesser.post_form("/accounts/unlock/code/", {"username": args.account, "code": f"{i:06d}"})[
            0
        ],
        30,
    )
    held("unlock-code guessing", n is not None, f"429 after {n}" if n is not None else "no limit in 30")

    # 10. Anonymous objections flooding a notice (whether or not the notice exists: counted before the view).
    objector = Session(host, port)
    token = CSRF.search(objector.request("GET", "/accounts/login/")[2])
    n = until_429(
        lambda i: objector.request(
            "POST", "/notices/1/entries/1/object/", {"reason": "x", "csrfmiddlewaretoken": token.group(1)}
        )[0],
        20,
    )
    held("objection flood", n is not None, f"429 after {n}" if n is not None else "no limit in 20")

    width = max(len(name) for name, _ok, _detail in results)
    for name, ok, detail in results:
        print(f"{'HELD  ' if ok else 'BROKEN'}  {name:<{width}}  {detail}")
    return 0 if all(ok for _name, ok, _detail in results) else 1


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    except OSError as exc:
        sys.stderr.write(f"attack_replay: no portal answers there ({exc.strerror or exc})\n")
        raise SystemExit(2) from None
