"""审定 and 一事一议 under the rulings of 2026-12-02, from the text's words.

Art. 10(2): "同一单位不得因同一事项重复享受政策" — and the ruling: "the same matter counts across every round
of this policy and every recorded award of other district policies … compared normalised … staff are shown
near matches of the same organisation as 'possibly the same matter' before they decide".
Art. 10(3): "涉及载体建设、企业创新、环境建设中对区域产业生态打造有重大影响的,可采取'一事一议''一企一策'的方式
处理" — and the ruling: "an override states which area it is and why it has 重大影响 … An override never lifts
the 10(2) same-matter limit."
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from applications.models import Application, Call, CallItem
from policies import rules
from policies import services as policy_services
from policies.models import PolicyRound, RecordedAward
from reviews import services
from reviews.models import Decision, Override
from reviews.services.decisions import decision_quote
from tests.factories import OrganizationFactory
from tests.reviews.decision_support import *  # noqa: F403 (fixtures)
from tests.reviews.decision_support import (
    CLOSES,
    OPENS,
    award,
    decide_url,
    under_review,
    year_call,
)

pytestmark = pytest.mark.usefixtures("clock", "private_files")

IMPACT = "项目建成后向区内人工智能企业开放城市级数据与算力,带动上下游集聚,对区域产业生态打造有重大影响。"


def propose_url(application: Application) -> str:
    return f"/review/applications/{application.pk}/override/"


def override_form(amount: str, *, area: str | None = "innovation", impact: str | None = IMPACT) -> dict:
    data = {"amount": amount, "reason": "经区政府专题会议研究,一事一议。", "area": area, "impact": impact}
    return {k: v for k, v in data.items() if v is not None}


def revised_call() -> Call:
    """The revised round the policy's title announces: a copy of the 2024 round, published, with a call."""
    source = PolicyRound.objects.get(code="changning-ai-2024")
    revised = policy_services.copy_round(source=source, code="changning-ai-2025", title="修订版")
    policy_services.publish_round(policy_round=revised)
    call = Call.objects.create(
        round=revised,
        year=2025,
        title="修订版 2025 年度申报",
        opens_at=OPENS,
        closes_at=CLOSES,
        review_quorum=0,  # the rulings, not the reviews, are the subject
    )
    for code in ("7.1", "8.3"):
        CallItem.objects.create(call=call, item=revised.items.get(code=code))
    return call


def city_brain(alice, call, matter: str = "城市大脑平台") -> Application:
    """8.3 would give 1,000,000 (50% of 2,000,000)."""
    return under_review(
        alice,
        call,
        code="8.3",
        facts={"total_investment": "2000000", "in_fiscal_it_budget": "false"},
        matter=matter,
    )


# ---------------------------------------------------------------- 可能为同一事项 on the decision page


def test_the_decision_page_shows_same_and_near_matters_across_rounds_and_other_policies(
    approver_client, alice, bob_org, org_a, call
):
    award(org_a, revised_call(), "7.1", "600000", matter="ＣＮ－ＡＩ／2024·01", created_by=alice)  # same
    award(org_a, year_call(2024), "7.1", "300000", matter="CN-AI-2024-01 二期", created_by=alice)  # near
    award(org_a, call, "9.1", "100000", matter="智慧医疗影像云", created_by=alice)  # unrelated
    RecordedAward.objects.create(
        organization=org_a,
        matter=" cn ai 2024 01 ",
        source_policy="长宁区促进产业高质量发展专项",
        amount_fen=5_000_000,
        awarded_on=date(2024, 11, 1),
    )
    RecordedAward.objects.create(  # another organisation's matter is never this one's
        organization=bob_org,
        matter="CN-AI-2024-01",
        source_policy="长宁区促进产业高质量发展专项",
        amount_fen=5_000_000,
        awarded_on=date(2024, 11, 1),
    )
    application = city_brain(alice, call, matter="cn-ai-2024-01")
    response = approver_client.get(decide_url(application))
    page = response.content.decode()
    section = page.split('id="possible-same-matter"', 1)[1].split("</section>", 1)[0]
    assert "可能为同一事项" in page
    assert (
        "ＣＮ－ＡＩ／2024·01" in section and "CN-AI-2024-01 二期" in section and " cn ai 2024 01 " in section
    )
    assert "智慧医疗影像云" not in section
    assert section.count("长宁区促进产业高质量发展专项") == 1
    assert section.count("同一事项(第十条第二款)") == 2 and section.count("相近,请核对") == 1
    # The same ones are deducted by the engine (600,000 + 50,000 of 1,000,000); the near one is not.
    assert "¥350,000.00" in page.split('id="ceiling"', 1)[1]


def test_no_same_or_near_matter_says_so(approver_client, alice, call):
    page = approver_client.get(decide_url(city_brain(alice, call))).content.decode()
    assert "未发现本单位有相同或相近的事项。" in page


@pytest.mark.parametrize("who", ["alice", "carol", "rex"])
def test_only_approvers_see_the_possible_same_matters(client, alice, call, who, request):
    application = city_brain(alice, call)
    client.force_login(request.getfixturevalue(who))
    assert client.get(decide_url(application)).status_code == 403


# ---------------------------------------------------------------- 10(3): area and 重大影响


def test_an_override_names_its_area_and_its_major_impact(approver_client, alice, call):
    application = under_review(alice, call)  # 7.1, ceiling 600,000
    page = approver_client.get(propose_url(application)).content.decode()
    assert 'name="area"' in page and "载体建设" in page and "企业创新" in page and "环境建设" in page
    assert 'name="impact"' in page and "对区域产业生态打造的重大影响" in page

    refused = approver_client.post(propose_url(application), override_form("800000", area=None, impact=None))
    assert refused.status_code == 400
    assert not Override.objects.exists()

    assert approver_client.post(propose_url(application), override_form("800000")).status_code == 302
    override = Override.objects.get()
    assert (override.area, override.impact, override.matter_left_fen) == ("innovation", IMPACT, None)
    page = approver_client.get(decide_url(application)).content.decode()
    assert "企业创新" in page and IMPACT in page


@pytest.mark.parametrize(
    "area, impact, message",
    [
        ("", IMPACT, "请选择一事一议所属的领域"),
        ("culture", IMPACT, "请选择一事一议所属的领域"),
        ("carrier", "影响重大。", "至少 30 个字"),
        ("carrier", "  " + "很" * 29 + "  ", "至少 30 个字"),
    ],
)
def test_an_override_without_an_area_of_the_text_or_a_stated_impact_is_refused(
    alice, dora, call, area, impact, message
):
    application = under_review(alice, call)
    with pytest.raises(ValidationError, match=message):
        services.propose_override(
            actor=dora, application=application, amount="800000", reason="一企一策", area=area, impact=impact
        )
    assert not Override.objects.exists()


def test_thirty_characters_of_impact_are_enough(alice, dora, call):
    application = under_review(alice, call)
    override = services.propose_override(
        actor=dora,
        application=application,
        amount="800000",
        reason="一企一策",
        area="carrier",
        impact="很" * 30,
    )
    assert override.area == Override.Area.CARRIER


@pytest.mark.parametrize("who", ["alice", "carol", "rex"])
def test_nobody_but_an_approver_proposes_an_override(client, alice, call, who, request):
    application = under_review(alice, call)
    user = request.getfixturevalue(who)
    client.force_login(user)
    assert client.post(propose_url(application), override_form("800000")).status_code == 403
    with pytest.raises(PermissionDenied):
        services.propose_override(
            actor=user,
            application=application,
            amount="800000",
            reason="一企一策",
            area="carrier",
            impact=IMPACT,
        )
    assert not Override.objects.exists()


def test_an_override_of_a_draft_is_404(approver_client, alice, call):
    from applications import services as app_services
    from tests.applications.conftest import call_item

    draft = app_services.start_application(actor=alice, call_item=call_item(call, "7.1"))
    assert approver_client.post(propose_url(draft), override_form("800000")).status_code == 404
    assert not Override.objects.exists()


# ---------------------------------------------------------------- 10(3) never lifts 10(2)


def test_the_engine_says_what_the_same_matter_may_still_receive():
    """One pure function: Quote.matter_left is what 10(2) leaves, None when nothing came for the matter."""
    rule = rules.Rule(code="X", name="X", basis_fact="cost", rate=Decimal("0.5"), facts=())
    facts = {"cost": Decimal("2000000")}
    assert rules.quote(rule, facts).matter_left is None
    assert rules.quote(rule, facts, other_policy_awards=Decimal("600000")).matter_left == Decimal("400000.00")
    assert rules.quote(rule, facts, other_policy_awards=Decimal("1500000")).matter_left == Decimal("0.00")


def test_an_override_never_lifts_the_same_matter_limit(approver_client, alice, org_a, call):
    """8.3 would give 1,000,000; 600,000 came for the same matter under 7.1 in the revised round: 10(2)
    leaves 400,000, and no 一事一议 pays the matter beyond it."""
    award(org_a, revised_call(), "7.1", "600000", matter="城市大脑平台", created_by=alice)
    application = city_brain(alice, call, matter="城市大脑 平台")
    quote = decision_quote(application)
    assert (quote.amount, quote.matter_left) == (Decimal("400000.00"), Decimal("400000.00"))
    page = approver_client.get(propose_url(application)).content.decode()
    assert 'id="matter-left"' in page and "尚可享受 ¥400,000.00" in page
    refused = approver_client.post(propose_url(application), override_form("500000"))
    assert refused.status_code == 400
    assert "超过同一事项尚可享受的 ¥400,000.00" in refused.content.decode()
    assert not Override.objects.exists()


def test_an_override_may_lift_the_items_own_cap_up_to_what_the_matter_may_still_receive(
    alice, dora, erin, org_a, call
):
    """9.1's 500,000 a year is the item's own cap (10(3) may lift it); a recorded award of another policy
    for the same matter is 10(2) (it may not)."""
    award(org_a, call, "9.1", "350000", matter="云服务合同A", created_by=alice)
    RecordedAward.objects.create(
        organization=org_a,
        matter="云服务合同B",
        matter_year=2025,
        source_policy="长宁区数字经济专项",
        amount_fen=10_000_000,
        awarded_on=date(2025, 2, 1),
    )
    application = under_review(
        alice, call, code="9.1", facts={"service_cost": "1000000"}, matter="云服务合同B"
    )
    quote = decision_quote(application)
    left = rules.yuan_to_fen(quote.matter_left)
    ceiling = rules.yuan_to_fen(quote.amount)
    # 50% of 1,000,000 = 500,000: the year's 500,000 less 350,000 gives 150,000; 10(2) leaves 400,000.
    assert (ceiling, left) == (15_000_000, 40_000_000)
    with pytest.raises(ValidationError, match="超过同一事项尚可享受"):
        services.propose_override(
            actor=dora,
            application=application,
            amount=str(rules.fen_to_yuan(left + 1)),
            reason="一企一策",
            area="environment",
            impact=IMPACT,
        )
    override = services.propose_override(
        actor=dora,
        application=application,
        amount=str(rules.fen_to_yuan(left)),
        reason="一企一策",
        area="environment",
        impact=IMPACT,
    )
    assert override.matter_left_fen == left
    services.confirm_override(actor=erin, override=override, confirm=True)
    decision = services.record_decision(
        actor=dora,
        application=application,
        recommended=True,
        amount=rules.fen_to_yuan(left),
        reasons="一事一议。",
    )
    assert decision.override == override and decision.amount_fen == left


def record_same_matter_award(org_a, amount_fen: int = 50_000_000) -> RecordedAward:
    """Another district policy's award for alice's 7.1 matter, recorded by staff."""
    return RecordedAward.objects.create(
        organization=org_a,
        matter="智能视觉平台研发",
        source_policy="长宁区促进产业高质量发展专项",
        amount_fen=amount_fen,
        awarded_on=date(2025, 3, 20),
    )


def test_a_same_matter_award_recorded_after_the_proposal_stops_the_confirmation(
    alice, dora, erin, org_a, call
):
    application = under_review(alice, call)  # 7.1, ceiling 600,000; nothing for the matter yet
    override = services.propose_override(
        actor=dora,
        application=application,
        amount="800000",
        reason="一企一策",
        area="innovation",
        impact=IMPACT,
    )
    record_same_matter_award(org_a)  # 10(2) now leaves 600,000 - 500,000
    with pytest.raises(ValidationError, match=r"超过同一事项尚可享受的 ¥100,000\.00"):
        services.confirm_override(actor=erin, override=override, confirm=True)
    override.refresh_from_db()
    assert override.status == Override.Status.PROPOSED
    # Rejecting it stays possible.
    services.confirm_override(actor=erin, override=override, confirm=False, note="同一事项已获其他政策资助。")


def test_a_same_matter_award_recorded_after_the_confirmation_stops_the_decision(
    alice, dora, erin, org_a, call
):
    application = under_review(alice, call)
    override = services.propose_override(
        actor=dora,
        application=application,
        amount="800000",
        reason="一企一策",
        area="innovation",
        impact=IMPACT,
    )
    services.confirm_override(actor=erin, override=override, confirm=True)
    record_same_matter_award(org_a)
    with pytest.raises(ValidationError, match=r"超过同一事项尚可享受的 ¥100,000\.00"):
        services.record_decision(
            actor=dora, application=application, recommended=True, amount="800000", reasons="一事一议。"
        )
    assert not Decision.objects.exists()


@pytest.fixture
def bob_org(db):
    return OrganizationFactory(name="乙公司")
