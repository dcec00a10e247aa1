"""The whole cast, from the finance tests' fixtures (the most complete) and the reviewers of the review
tests: alice and anna (甲公司), bob (乙公司), carol (intake), dora and erin (commission approvers), rex, rita,
ross and ruth (reviewers), fay (finance officer), fred and frank (finance approvers). `clock` stands at
2025-04-01 10:00 Shanghai; the 2025 call closes 2025-04-30 17:00.
"""

import pytest

from accounts.roles import Role
from tests.disbursement import conftest as finance
from tests.factories import UserFactory
from tests.reviews import conftest as review

approved_award = finance.approved_award
award = finance.award
budget = finance.budget
call = finance.call
carol = finance.carol
clock = finance.clock
dora = finance.dora
fay = finance.fay
frank = finance.frank
fred = finance.fred
private_files = finance.private_files
rex = review.rex
rita = review.rita
ross = review.ross
ruth = review.ruth
year_total = finance.year_total


@pytest.fixture
def erin(policy_data):
    return UserFactory(username="erin", roles=[Role.COMMISSION_APPROVER], is_staff=True)
