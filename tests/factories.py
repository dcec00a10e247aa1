"""factory_boy factories shared by every test package. One section per app, in dependency order."""

import factory
from factory.django import DjangoModelFactory, Password
from stdnum.cn import uscc

from accounts.models import Membership, Organization, User
from accounts.roles import Role, group_for

PASSWORD = "Correct-Horse-42"  # every factory user's password, for tests that log in through the form


def make_uscc(n: int) -> str:
    """A valid 统一社会信用代码: 9 (市场监管) 1 (企业) 310105 (长宁区), a 9-digit serial, the check digit."""
    body = f"91310105{n:09d}"
    return body + uscc.calc_check_digit(body)


# ---------------------------------------------------------------- accounts


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = Password(PASSWORD)

    @factory.post_generation
    def roles(self, create: bool, extracted, **kwargs) -> None:
        """UserFactory(roles=[Role.APPLICANT]) puts the user in those groups. Through group_for: the groups
        are rows of a data migration, which a transactional test's flush removes for the tests after it."""
        if create and extracted:
            self.groups.add(*(group_for(Role(role)) for role in extracted))


class OrganizationFactory(DjangoModelFactory):
    class Meta:
        model = Organization

    uscc = factory.Sequence(make_uscc)
    name = factory.Sequence(lambda n: f"上海长宁第{n}智能科技有限公司")
    registered_address = factory.Sequence(lambda n: f"上海市长宁区示例路{n}号")
    registered_in_changning = True
    legal_representative = factory.Sequence(lambda n: f"法人代表{n}")
    contact_name = "联系人"
    contact_phone = "021-62500000"
    # Most applicants are small enterprises; the items open only to other types set their own (issue 11).
    org_type = "enterprise"
    is_sme = True
    # Verified by 区科委 (issue 14), as every organisation that applies must be; `unverified=True` for one
    # that has not handed in its licence and letter of authority yet.
    identity_status = Organization.IdentityStatus.VERIFIED
    verified_name = factory.SelfAttribute("name")

    class Params:
        unverified = factory.Trait(identity_status=Organization.IdentityStatus.UNSUBMITTED, verified_name="")


class MembershipFactory(DjangoModelFactory):
    """An approved ordinary member; `admin=True` for the administrator, `pending=True` for a request."""

    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    status = Membership.Status.APPROVED
    is_admin = False

    class Params:
        admin = factory.Trait(is_admin=True, status=Membership.Status.APPROVED)
        pending = factory.Trait(status=Membership.Status.PENDING)
