"""The budget, award and clawback pages under /finance/: who may see and do what, what a refusal shows,
and constant query counts."""

from __future__ import annotations

import pytest

from disbursement import services
from disbursement.models import Award, Budget, Clawback, Installment

from .conftest import confirmed_budget, login, recognised_award

pytestmark = pytest.mark.django_db

BUDGETS = "/finance/budgets/"
AWARDS = "/finance/awards/"


def award_url(award: Award, action: str = "") -> str:
    return f"/finance/awards/{award.pk}/{action + '/' if action else ''}"


def snapshot() -> tuple:
    """Everything these pages can change, to prove a refusal saved nothing."""
    return (
        list(
            Budget.objects.order_by("pk").values_list(
                "amount_fen", "committed_fen", "recovered_fen", "confirmed_at"
            )
        ),
        list(Award.objects.order_by("pk").values_list("status", "approved_by")),
        list(Installment.objects.order_by("pk").values_list("status", "amount_fen", "condition_met_at")),
        list(Clawback.objects.order_by("pk").values_list("amount_fen", "recovered_fen")),
    )


# ---------------------------------------------------------------- access


@pytest.fixture
def every_url(approved_award, fay):
    clawback = services.record_clawback(
        actor=fay, award=approved_award, reason="moved_out", amount_fen=100, description="x"
    )
    budget = Budget.objects.get(year=2025, item_code="7.1")
    gets = [BUDGETS, AWARDS, award_url(approved_award), award_url(approved_award, "clawback")]
    posts = [
        ("/finance/budgets/enter/", {"year": "2025", "item_code": "7.1", "amount": "1"}),
        (f"/finance/budgets/{budget.pk}/confirm/", {}),
        (award_url(approved_award, "approve"), {}),
        (award_url(approved_award, "acceptance"), {}),
        (award_url(approved_award, "clawback"), {"reason": "moved_out", "amount": "1", "description": "x"}),
        (
            f"/finance/clawbacks/{clawback.pk}/recovery/",
            {f"c{clawback.pk}-amount": "0.01", f"c{clawback.pk}-on": "2025-04-01"},
        ),
    ]
    return gets, posts


def test_finance_pages_are_refused_to_every_other_role_and_save_nothing(client, every_url, outsiders):
    gets, posts = every_url
    before = snapshot()
    for user in outsiders:
        login(client, user)
        for url in gets:
            assert client.get(url).status_code == 403, (user, url)
        for url, data in posts:
            assert client.post(url, data).status_code == 403, (user, url)
    assert snapshot() == before


def test_anonymous_is_sent_to_log_in(client, every_url):
    gets, posts = every_url
    before = snapshot()
    for url in gets:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url
    for url, data in posts:
        response = client.post(url, data)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url
    assert snapshot() == before


def test_each_finance_action_is_refused_to_the_other_finance_roles(client, every_url, dora, fay, fred):
    _gets, posts = every_url
    enter, confirm, approve, acceptance, clawback, recovery = (url for url, _data in posts)
    data = dict(posts)
    refused = {
        fay: [enter, approve, acceptance],
        fred: [enter, acceptance, clawback, recovery],
        dora: [confirm, approve, clawback, recovery],
    }
    before = snapshot()
    for user, urls in refused.items():
        login(client, user)
        for url in urls:
            assert client.post(url, data[url]).status_code == 403, (user, url)
    assert client.get(award_url(Award.objects.get(), "clawback")).status_code == 403  # dora, logged in last
    assert snapshot() == before


def test_the_nav_shows_the_finance_pages_to_their_roles_only(client, dora, fay, fred, carol):
    for user in (dora, fay, fred):
        page = login(client, user).get(BUDGETS).content.decode()
        assert 'href="/finance/budgets/"' in page and 'href="/finance/awards/"' in page
    page = login(client, carol).get("/review/intake/").content.decode()
    assert "/finance/budgets/" not in page and "/finance/awards/" not in page


# ---------------------------------------------------------------- budgets


def test_commission_enters_a_budget_and_finance_confirms_it(client, dora, fay, clock):
    page = login(client, dora).get(BUDGETS)
    assert page.status_code == 200 and "录入预算" in page.content.decode()
    response = client.post(
        "/finance/budgets/enter/", {"year": "2025", "item_code": "7.1", "amount": "5000000.00"}
    )
    assert response.status_code == 302 and response["Location"] == "/finance/budgets/?year=2025"
    budget = Budget.objects.get()
    assert (budget.year, budget.item_code, budget.amount_fen, budget.is_confirmed) == (
        2025,
        "7.1",
        500_000_000,
        False,
    )

    page = login(client, fay).get(BUDGETS + "?year=2025").content.decode()
    assert "¥5,000,000.00" in page and "待区财政局确认" in page and "确认预算" in page
    assert "录入预算" not in page  # finance does not enter budgets
    assert client.post(f"/finance/budgets/{budget.pk}/confirm/").status_code == 302
    budget.refresh_from_db()
    assert budget.confirmed_by == fay
    assert "确认预算" not in client.get(BUDGETS + "?year=2025").content.decode()


def test_an_amendment_below_the_committed_amount_shows_the_figures(client, approved_award, dora):
    login(client, dora)
    response = client.post("/finance/budgets/enter/", {"year": "2025", "item_code": "7.1", "amount": "100"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "已承诺 ¥600,000.00" in page and "剩余 ¥9,400,000.00" in page
    assert Budget.objects.get(year=2025, item_code="7.1").amount_fen == 1_000_000_000


def test_a_malformed_budget_is_refused_and_saves_nothing(client, dora):
    login(client, dora)
    for data in (
        {"year": "2025", "item_code": "7.1", "amount": "-1"},
        {"year": "2025", "item_code": "7.1", "amount": "1.001"},
        {"year": "abc", "item_code": "7.1", "amount": "1"},
        {"year": "2025", "item_code": "99.9", "amount": "1"},
    ):
        assert client.post("/finance/budgets/enter/", data).status_code == 400, data
    assert not Budget.objects.exists()


# ---------------------------------------------------------------- awards


def test_the_approver_approves_from_the_award_page(client, award, budget, year_total, fred):
    page = login(client, fred).get(award_url(award)).content.decode()
    assert "批准并承诺预算" in page and "¥600,000.00" in page
    response = client.post(award_url(award, "approve"))
    assert response.status_code == 302 and response["Location"] == award_url(award)
    award.refresh_from_db()
    assert award.status == Award.Status.APPROVED
    assert "批准并承诺预算" not in client.get(award_url(award)).content.decode()


def test_an_overspending_approval_shows_the_figures_and_commits_nothing(client, award, dora, fay, fred):
    budget = confirmed_budget(2025, "7.1", "500,000", entered_by=dora, confirmed_by=fay)
    response = login(client, fred).post(award_url(award, "approve"))
    assert response.status_code == 400
    page = response.content.decode()
    for figure in (
        "预算 ¥500,000.00",
        "已承诺 ¥0.00",
        "已拨付 ¥0.00",
        "剩余 ¥500,000.00",
        "本次需 ¥600,000.00",
    ):
        assert figure in page
    budget.refresh_from_db()
    assert budget.committed_fen == 0
    award.refresh_from_db()
    assert award.status == Award.Status.PENDING


def test_the_commission_records_acceptance_from_the_award_page(
    client, clock, private_files, call, alice, dora, fay, fred
):
    confirmed_budget(2025, "8.1", "10,000,000", entered_by=dora, confirmed_by=fay)
    award = recognised_award(
        alice,
        call,
        "8.1",
        "1,000,000",
        facts={"superior_funding": "1000000", "project_ref": "2025ZD001", "superior_level": "national"},
        matter="2025ZD001",
        actor=dora,
    )
    services.approve_award(actor=fred, award=award)
    button = "登记项目验收</button>"
    page = login(client, dora).get(award_url(award)).content.decode()
    assert button in page
    assert client.post(award_url(award, "acceptance")).status_code == 302
    assert award.installments.get().status == Installment.Status.DUE
    assert button not in client.get(award_url(award)).content.decode()
    assert client.post(award_url(award, "acceptance")).status_code == 400  # nothing waits any more


def test_the_officer_records_a_clawback_and_its_recovery(client, approved_award, fay):
    login(client, fay)
    assert client.get(award_url(approved_award, "clawback")).status_code == 200
    response = client.post(
        award_url(approved_award, "clawback"),
        {"reason": "wrong_facts", "amount": "100000.00", "description": "自筹投入不实"},
    )
    assert response.status_code == 302
    clawback = Clawback.objects.get()
    assert (clawback.amount_fen, clawback.cancelled_fen) == (10_000_000, 10_000_000)
    page = client.get(award_url(approved_award)).content.decode()
    assert "申报事实不实" in page and "¥100,000.00" in page
    refused = client.post(
        award_url(approved_award, "clawback"),
        {"reason": "wrong_facts", "amount": "500000.01", "description": "x"},
    )
    assert refused.status_code == 400 and "¥500,000.00" in refused.content.decode()
    assert Clawback.objects.count() == 1


def test_a_recovery_beyond_what_is_owed_is_refused_on_the_page(client, approved_award, fay):
    clawback = services.record_clawback(
        actor=fay, award=approved_award, reason="moved_out", amount_fen=100, description="x"
    )  # cancelled before payment: nothing to get back
    response = login(client, fay).post(
        f"/finance/clawbacks/{clawback.pk}/recovery/",
        {f"c{clawback.pk}-amount": "0.01", f"c{clawback.pk}-on": "2025-04-01"},
    )
    assert response.status_code == 400 and "超过尚待追回" in response.content.decode()
    clawback.refresh_from_db()
    assert clawback.recovered_fen == 0


def test_the_awards_list_filters_by_status(
    client, approved_award, clock, private_files, call, bob, dora, fay
):
    recognised_award(
        bob,
        call,
        "7.1",
        "300,000",
        facts={"self_raised_investment": "1000000"},
        matter="语音交互平台",
        actor=dora,
    )
    login(client, fay)
    page = client.get(AWARDS).content.decode()
    assert "甲公司" in page and "乙公司" in page
    page = client.get(AWARDS + "?status=pending").content.decode()
    assert "乙公司" in page and "甲公司" not in page
    page = client.get(AWARDS + "?status=approved").content.decode()
    assert "甲公司" in page and "乙公司" not in page
    assert client.get(AWARDS + "?status=nonsense").status_code == 200


# ---------------------------------------------------------------- constant queries


def add_awards(n, *, alice, call, dora):
    for _i in range(n):
        recognised_award(
            alice,
            call,
            "7.1",
            "300,000",
            facts={"self_raised_investment": "1000000"},
            matter=f"项目{Award.objects.count() + 1}",
            actor=dora,
        )


@pytest.mark.parametrize("awards", [2, 6])
def test_the_awards_list_runs_a_constant_number_of_queries(
    client, clock, private_files, call, alice, dora, fay, django_assert_num_queries, awards
):
    add_awards(awards, alice=alice, call=call, dora=dora)
    login(client, fay)
    # session, user, the user's groups (role check; the nav reuses them), the paginator's count, and the
    # page of awards with application, call, organisation, item and the installment sums in one query
    # and the header's unread-message COUNT (accounts.context_processors.inbox, issue 6)
    # +1 since issue 7: django-otp's middleware loads the session's verified device.
    with django_assert_num_queries(7):
        assert client.get(AWARDS).status_code == 200


@pytest.mark.parametrize("extra_budgets", [0, 3])
def test_the_budgets_page_runs_a_constant_number_of_queries(
    client, approved_award, dora, fay, django_assert_num_queries, extra_budgets
):
    for code in ("8.1", "8.3", "9.1")[:extra_budgets]:
        confirmed_budget(2025, code, "1,000,000", entered_by=dora, confirmed_by=fay)
    login(client, fay)
    # session, user, groups, the years with budgets, the year's rows (with who entered and confirmed
    # them), and the items' names
    # and the header's unread-message COUNT (accounts.context_processors.inbox, issue 6)
    # +1 since issue 7: django-otp's middleware loads the session's verified device.
    with django_assert_num_queries(8):
        assert client.get(BUDGETS + "?year=2025").status_code == 200


@pytest.mark.parametrize("clawbacks", [0, 3])
def test_the_award_page_runs_a_constant_number_of_queries(
    client, approved_award, fay, django_assert_num_queries, clawbacks
):
    for _i in range(clawbacks):
        services.record_clawback(
            actor=fay, award=approved_award, reason="moved_out", amount_fen=100, description="x"
        )
    login(client, fay)
    # session, user, groups, the award (with application, call, organisation, item, approver), its
    # installments (with their batches) and its clawbacks (with who recorded them)
    # and the header's unread-message COUNT (accounts.context_processors.inbox, issue 6)
    # +1 since issue 7: django-otp's middleware loads the session's verified device.
    # +1 since issue 11: its yearly claims (年度兑现), none for a 7.1 award.
    with django_assert_num_queries(9):
        assert client.get(award_url(approved_award)).status_code == 200
