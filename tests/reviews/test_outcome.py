"""The enterprise's view of the outcome: status, amount, reasons and the comments the approver released —
never who the reviewers were, their single scores, comments or suggested amounts."""

import pytest

from accounts.roles import Role
from applications.models import Application
from reviews import services
from reviews.models import Assignment
from tests.factories import UserFactory
from tests.reviews.decision_support import *  # noqa: F403 (fixtures)
from tests.reviews.decision_support import submitted_review, under_review

pytestmark = pytest.mark.usefixtures("clock", "private_files")

S = Application.Status
AFTER_WINDOW = "2025-04-10 00:00:01 +08:00"
REVIEWER_COMMENT = "钱专家内部意见:团队偏弱"


@pytest.fixture
def reviewed(alice, dora, call):
    """Under review with two submitted reviews whose names, scores and amounts must stay inside."""
    application = under_review(alice, call)
    qian = UserFactory(
        username="expert_qian", first_name="钱", last_name="专家", roles=[Role.EXPERT_REVIEWER]
    )
    sun = UserFactory(username="expert_sun", first_name="孙", last_name="专家", roles=[Role.EXPERT_REVIEWER])
    submitted_review(application, qian, value="4.5", suggested_yuan="456789", comment=REVIEWER_COMMENT)
    submitted_review(
        application,
        sun,
        value="2.5",
        recommendation=Assignment.Recommendation.SUPPORT_LOWER,
        suggested_yuan="123456",
        comment="孙专家内部意见",
    )
    return application


def decide(dora, application, *, recommended=True, amount="500000"):
    services.record_decision(
        actor=dora,
        application=application,
        recommended=recommended,
        amount=amount if recommended else "0",
        reasons="技术路线清晰,按自筹投入核定。" if recommended else "创新性不足,不予支持。",
        released_comments="专家组认为项目具有较好的应用前景,建议加强知识产权布局。",
    )


def detail(client, alice, application) -> str:
    client.force_login(alice)
    response = client.get(f"/applications/{application.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def assert_nothing_from_the_reviewers(page: str) -> None:
    for secret in ("expert_qian", "expert_sun", "钱专家", "孙专家", "钱 专家", REVIEWER_COMMENT):
        assert secret not in page
    for score in ("4.5", "2.5", "3.50", "4.50", "2.50"):  # single scores and their weighted totals
        assert score not in page
    assert "¥456,789.00" not in page and "¥123,456.00" not in page  # suggested amounts


def test_the_recognised_outcome_shows_amount_reasons_and_released_comments(
    client, alice, dora, call, clock, reviewed
):
    decide(dora, reviewed)
    notice = services.publish_notice(actor=dora, call=call)
    clock.move_to(AFTER_WINDOW, tick=False)
    services.close_notice(notice=notice)
    page = detail(client, alice, reviewed)
    outcome = page.split('id="outcome"', 1)[1].split("</section>", 1)[0]
    assert "已认定" in outcome
    assert "¥500,000.00" in outcome
    assert "技术路线清晰,按自筹投入核定。" in outcome
    assert "专家组认为项目具有较好的应用前景" in outcome
    assert_nothing_from_the_reviewers(page)


def test_during_the_notice_the_recommended_amount_is_shown(client, alice, dora, call, reviewed):
    decide(dora, reviewed)
    services.publish_notice(actor=dora, call=call)
    page = detail(client, alice, reviewed)
    outcome = page.split('id="outcome"', 1)[1].split("</section>", 1)[0]
    assert "公示中" in outcome
    assert "¥500,000.00" in outcome
    assert_nothing_from_the_reviewers(page)


def test_a_decision_not_to_support_shows_the_reasons(client, alice, dora, reviewed):
    decide(dora, reviewed, recommended=False)
    page = detail(client, alice, reviewed)
    outcome = page.split('id="outcome"', 1)[1].split("</section>", 1)[0]
    assert "不予支持" in outcome
    assert "创新性不足,不予支持。" in outcome
    assert_nothing_from_the_reviewers(page)


def test_nothing_is_shown_while_under_review(client, alice, reviewed):
    page = detail(client, alice, reviewed)
    assert 'id="outcome"' not in page
    assert_nothing_from_the_reviewers(page)


def test_another_organisations_member_cannot_see_the_outcome(client, dora, reviewed):
    from tests.factories import MembershipFactory

    bob = MembershipFactory(user=UserFactory(username="bob", roles=[Role.APPLICANT]), admin=True).user
    decide(dora, reviewed)
    client.force_login(bob)
    assert client.get(f"/applications/{reviewed.pk}/").status_code == 404


def test_released_comments_naming_a_reviewer_are_refused(client, dora, reviewed):
    from django.core.exceptions import ValidationError

    for named in ("钱专家认为可行", "expert_sun 认为可行"):
        with pytest.raises(ValidationError, match="不得包含评审专家的姓名"):
            services.record_decision(
                actor=dora,
                application=reviewed,
                recommended=True,
                amount="500000",
                reasons="好",
                released_comments=named,
            )
    reviewed.refresh_from_db()
    assert reviewed.status == S.UNDER_REVIEW and reviewed.released_comments == ""
    assert not reviewed.decisions.exists()
