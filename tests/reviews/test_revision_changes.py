"""A resubmitted application shows the intake officer, and the approver, what changed since the version the
officer last checked (issue 12, intake): facts, matter, amount and files side by side, changed rows marked."""

import pytest

from applications import services as app_services
from reviews import selectors, services
from tests.applications.conftest import pdf, submitted
from tests.pdfs import pdf_bytes
from tests.reviews.decision_support import *  # noqa: F403 (fixtures)
from tests.reviews.decision_support import decide_url

pytestmark = pytest.mark.usefixtures("clock", "private_files")


def intake_url(application):
    return f"/review/intake/{application.pk}/"


@pytest.fixture
def resubmitted(alice, carol, call):
    """alice's 7.1 application (自筹 2,000,000; v1) returned by carol, corrected (自筹 1,500,000, the matter
    renamed, one more file for the first material) and resubmitted as v2."""
    application = submitted(alice, call)
    services.return_application(actor=carol, application=application, reasons="请补充项目立项材料。")
    application.refresh_from_db()
    app_services.save_draft(
        actor=alice,
        application=application,
        facts={"self_raised_investment": "1500000"},
        matter_type="project",
        matter_ref="智能视觉平台研发(二期)",
        project_name="智能视觉平台研发",
        description="",
    )
    material = application.item.materials.filter(required=True).first()
    app_services.add_attachment(
        actor=alice,
        application=application,
        material_code=material.code,
        upload=pdf("立项批复.pdf", pdf_bytes("v2")),
    )
    app_services.submit_application(actor=alice, application=application)
    application.refresh_from_db()
    return application


def test_the_comparison_marks_what_the_correction_changed(resubmitted):
    changes = selectors.revision_changes(resubmitted)
    assert (changes.seen.number, changes.current.number) == (1, 2)
    changed = {row.label for row in changes.rows if row.changed}
    unchanged = {row.label for row in changes.rows if not row.changed}
    assert "项目名称" in unchanged
    assert "事项" in changed
    assert "申请金额" in changed
    material = resubmitted.item.materials.filter(required=True).first()
    assert material.name in changed
    facts = [row for row in changes.rows if row.before.startswith("2,000,000")]
    assert facts and facts[0].after.startswith("1,500,000") and facts[0].changed
    assert changes.changed_count == len(changed)


def test_the_intake_officer_and_the_approver_see_it_side_by_side(client, resubmitted, carol, dora):
    for user, url in ((carol, intake_url(resubmitted)), (dora, decide_url(resubmitted))):
        client.force_login(user)
        page = client.get(url).content.decode()
        assert 'id="revision-changes"' in page
        assert "第 2 版与受理审查时所见第 1 版的比较" in page
        assert "智能视觉平台研发(二期)" in page and "row--changed" in page
        assert "已修改" in page and "未变" in page


def test_a_first_submission_shows_no_comparison(client, alice, carol, call):
    application = submitted(alice, call)
    assert selectors.revision_changes(application) is None
    client.force_login(carol)
    assert 'id="revision-changes"' not in client.get(intake_url(application)).content.decode()


def test_other_roles_do_not_see_the_comparison(client, resubmitted, alice, rex):
    client.force_login(rex)
    assert client.get(intake_url(resubmitted)).status_code == 403
    assert client.get(decide_url(resubmitted)).status_code == 403
    client.force_login(alice)
    assert client.get(intake_url(resubmitted)).status_code == 403
