"""The cast of the intake, assignment and scoring tests, on top of the enterprise tests' own.

From tests/applications: alice (甲公司's administrator, applicant), bob (乙公司's), carol (intake officer),
the 2025 call and the `clock` at 2025-04-01 10:00 Shanghai, `private_files`, and the `submitted` helper.
Added here: dora, a commission approver; rex, rita, ross and ruth, expert reviewers (usernames in that
order, which breaks workload ties); and helpers that move an application through intake and assignment
with the real services. Every staff account is is_staff, as seed_demo makes them.

(The decision-stage tests star-import their own fixtures from decision_support.py; a module's fixtures
take precedence over these.)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pytest

from accounts.roles import Role
from applications.models import Application
from policies.models import ItemMaterial
from reviews import services
from reviews.models import Assignment
from tests.applications import conftest as enterprise
from tests.factories import UserFactory

# The enterprise tests' fixtures and helper, shared by these tests (module attributes, so pytest finds them).
call = enterprise.call
carol = enterprise.carol
clock = enterprise.clock
private_files = enterprise.private_files
submitted = enterprise.submitted

# Art. 2 as intake records it: two conditions ticked, and the credit check (the ruling of 2026-12-02) with
# its register, day (the call's opening: before any acceptance of these tests) and result.
CREDIT_CHECK = {
    "credit_source": "credit_china",
    "credit_checked_on": date(2025, 3, 1),
    "credit_result": "good",
}
ARTICLE_2 = {"registered_verified": True, "operating_verified": True, **CREDIT_CHECK}


@pytest.fixture
def dora(policy_data):
    return UserFactory(username="dora", roles=[Role.COMMISSION_APPROVER], is_staff=True)


def reviewer(username: str):
    return UserFactory(username=username, roles=[Role.EXPERT_REVIEWER], is_staff=True)


@pytest.fixture
def rex(policy_data):
    return reviewer("rex")


@pytest.fixture
def rita(policy_data):
    return reviewer("rita")


@pytest.fixture
def ross(policy_data):
    return reviewer("ross")


@pytest.fixture
def ruth(policy_data):
    return reviewer("ruth")


@pytest.fixture
def reviewers(rex, rita, ross, ruth):
    return [rex, rita, ross, ruth]


# ---------------------------------------------------------------- moving an application along


def verified_type(application: Application, officer) -> Application:
    """区科委 verifies the organisation's recorded type, as intake does before accepting an item open only
    to some types (7.1: enterprises)."""
    services.verify_organization_type(actor=officer, organization=application.organization)
    application.organization.refresh_from_db()
    return application


def every_material_checked(application: Application) -> dict[str, services.MaterialFinding]:
    """Each material of the item found 已核对: what an officer who found the file in order records."""
    return {m.code: services.MaterialFinding("checked") for m in application.item.materials.all()}


def every_material_posted() -> dict[str, str]:
    """The intake form's material rows as an officer who found every file in order posts them (every
    material of every item 已核对: the form reads only its own item's rows)."""
    return {
        f"material_{code}": "checked"
        for code in ItemMaterial.objects.values_list("code", flat=True).distinct()
    }


def accept(application: Application, officer, **checklist) -> Application:
    verified_type(application, officer)
    services.accept_application(
        actor=officer,
        application=application,
        **{**ARTICLE_2, "materials": every_material_checked(application), **checklist},
    )
    application.refresh_from_db()
    return application


def accepted(user, call, officer, **kwargs) -> Application:
    """Submitted by `user` and accepted by `officer` through the intake service."""
    return accept(submitted(user, call, **kwargs), officer)


def assign(application: Application, approver, people: Sequence) -> list[Assignment]:
    created = services.assign_reviewers(actor=approver, application=application, reviewers=list(people))
    application.refresh_from_db()
    return created


def declared(assignment: Assignment) -> Assignment:
    """The reviewer declares no conflict; the assignment moves to 评分中."""
    services.declare_interest(actor=assignment.reviewer, assignment=assignment, has_conflict=False)
    assignment.refresh_from_db()
    return assignment


@pytest.fixture
def accepted_application(alice, call, carol, clock, private_files) -> Application:
    """alice's 7.1 application (自筹投入 2,000,000 → ceiling 600,000), submitted and accepted."""
    return accepted(alice, call, carol)


@pytest.fixture
def under_review(accepted_application, dora, rex, rita, ross) -> Application:
    """Assigned to rex, rita and ross (the call's 3), none of whom has declared yet."""
    assign(accepted_application, dora, [rex, rita, ross])
    return accepted_application
