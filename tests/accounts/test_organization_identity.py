"""Who is the organisation (issue 14, finding 4), through the pages.

erin creates 丙 (unverified until 区科委 sees its 营业执照 and stamped 授权委托书); carol, an intake
officer of 区科委, verifies or returns it from her queue. Once verified, the name and the USCC are
read-only: a change is a request that 区科委 verifies, and the verified name stays in force meanwhile.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Notification, Organization
from accounts.roles import Role
from audit.models import AuditRecord
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory, make_uscc
from tests.pdfs import pdf_bytes

PDF = pdf_bytes("营业执照")
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00" + b"\x00" * 64
)
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200

IDENTITY = reverse("accounts:organization_identity")
EDIT = reverse("accounts:organization_edit")
PROFILE = reverse("accounts:organization")
QUEUE = reverse("reviews:identity_queue")


def licence(content: bytes = PDF, name: str = "营业执照.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def letter() -> SimpleUploadedFile:
    return SimpleUploadedFile("授权委托书.png", PNG, content_type="image/png")


def check_url(organization) -> str:
    return reverse("reviews:identity_check", args=[organization.pk])


@pytest.fixture
def carol(db):
    return UserFactory(username="carol", roles=[Role.INTAKE_OFFICER], is_staff=True)


@pytest.fixture
def org_c(db) -> Organization:
    return OrganizationFactory(name="上海丙智能有限公司", unverified=True)


@pytest.fixture
def erin(org_c):
    """丙's first administrator: she created it and must prove she may act for it."""
    user = UserFactory(username="erin", roles=[Role.APPLICANT])
    MembershipFactory(user=user, organization=org_c, admin=True)
    return user


def submitted(client, erin, org_c):
    client.force_login(erin)
    response = client.post(IDENTITY, {"licence": licence(), "letter": letter()})
    assert response.status_code == 302, response.content.decode()
    org_c.refresh_from_db()
    return org_c


# ---------------------------------------------------------------- the enterprise hands in its files


def test_a_new_organisation_is_unverified_and_its_page_says_what_to_do(client, erin, org_c):
    client.force_login(erin)
    page = client.get(PROFILE).content.decode()
    assert "未提交" in page
    assert "核验通过前不能提交申报" in page
    assert IDENTITY in page


def test_the_administrator_hands_in_licence_and_letter_and_waits_for_the_commission(client, erin, org_c):
    org = submitted(client, erin, org_c)
    assert org.identity_status == Organization.IdentityStatus.PENDING
    assert org.business_licence_type == "application/pdf"
    assert org.authorization_letter_type == "image/png"
    assert not org.identity_verified
    assert AuditRecord.objects.filter(action="organization.identity_submit", object_id=str(org.pk)).exists()
    assert "待核验" in client.get(PROFILE).content.decode()
    # The administrator can read back what she handed in; the name is no longer hers to change alone.
    download = client.get(reverse("accounts:organization_document", args=["licence"]))
    assert download.status_code == 200
    assert download["Cache-Control"] == "private, no-store"
    assert b"".join(download.streaming_content) == PDF
    assert "name" not in client.get(EDIT).context["form"].fields


def test_a_file_that_is_not_a_document_is_refused_and_nothing_changes(client, erin, org_c):
    client.force_login(erin)
    response = client.post(IDENTITY, {"licence": licence(EXE, "执照.pdf"), "letter": letter()})
    assert response.status_code == 400
    assert "按文件内容识别" in response.content.decode()
    org_c.refresh_from_db()
    assert org_c.identity_status == Organization.IdentityStatus.UNSUBMITTED
    assert not org_c.business_licence and not org_c.authorization_letter


def test_the_letter_of_authority_is_required_the_first_time(client, erin, org_c):
    client.force_login(erin)
    response = client.post(IDENTITY, {"licence": licence()})
    assert response.status_code == 400
    assert "授权委托书" in response.content.decode()
    org_c.refresh_from_db()
    assert org_c.identity_status == Organization.IdentityStatus.UNSUBMITTED


def test_an_ordinary_member_cannot_hand_in_files(client, erin, org_c):
    member = UserFactory(username="mike", roles=[Role.APPLICANT])
    MembershipFactory(user=member, organization=org_c)
    client.force_login(member)
    assert client.get(IDENTITY).status_code == 403
    assert client.post(IDENTITY, {"licence": licence(), "letter": letter()}).status_code == 403
    org_c.refresh_from_db()
    assert org_c.identity_status == Organization.IdentityStatus.UNSUBMITTED


# ---------------------------------------------------------------- 区科委 verifies or returns


def test_carol_verifies_from_her_queue_and_the_administrator_is_told(client, erin, org_c, carol):
    submitted(client, erin, org_c)
    client.force_login(carol)
    queue = client.get(QUEUE).content.decode()
    assert org_c.name in queue and check_url(org_c) in queue
    page = client.get(check_url(org_c)).content.decode()
    assert reverse("reviews:identity_document", args=[org_c.pk, "letter"]) in page
    assert client.get(reverse("reviews:identity_document", args=[org_c.pk, "licence"])).status_code == 200
    response = client.post(check_url(org_c), {"action": "verify"})
    assert response["Location"] == QUEUE
    org_c.refresh_from_db()
    assert org_c.identity_status == Organization.IdentityStatus.VERIFIED
    assert org_c.verified_name == "上海丙智能有限公司"
    assert org_c.identity_verified_by == carol
    assert AuditRecord.objects.filter(action="organization.identity_verify", object_id=str(org_c.pk)).exists()
    assert Notification.objects.filter(recipient=erin, event="organization.identity_verified").exists()
    assert check_url(org_c) not in client.get(QUEUE).content.decode()


def test_carol_returns_with_a_reason_and_the_administrator_reads_it(client, erin, org_c, carol):
    submitted(client, erin, org_c)
    client.force_login(carol)
    without_reason = client.post(check_url(org_c), {"action": "return", "reason": "  "})
    assert without_reason.status_code == 400
    assert "请写明退回原因" in without_reason.content.decode()
    org_c.refresh_from_db()
    assert org_c.identity_status == Organization.IdentityStatus.PENDING

    client.post(check_url(org_c), {"action": "return", "reason": "授权委托书未加盖公章"})
    org_c.refresh_from_db()
    assert org_c.identity_status == Organization.IdentityStatus.RETURNED
    assert AuditRecord.objects.filter(
        action="organization.identity_return", detail="授权委托书未加盖公章"
    ).exists()
    assert Notification.objects.filter(recipient=erin, event="organization.identity_returned").exists()
    client.force_login(erin)
    page = client.get(IDENTITY).content.decode()
    assert "授权委托书未加盖公章" in page
    # Put right: the files on file count, a new letter replaces the old one.
    assert client.post(IDENTITY, {"letter": letter()}).status_code == 302
    org_c.refresh_from_db()
    assert org_c.identity_status == Organization.IdentityStatus.PENDING


def test_only_intake_officers_see_the_queue_and_the_files(client, erin, org_c, carol):
    submitted(client, erin, org_c)
    approver = UserFactory(username="ava", roles=[Role.COMMISSION_APPROVER], is_staff=True)
    finance = UserFactory(username="fay", roles=[Role.FINANCE_OFFICER], is_staff=True)
    document = reverse("reviews:identity_document", args=[org_c.pk, "licence"])
    for user in (erin, approver, finance):
        client.force_login(user)
        assert client.get(QUEUE).status_code == 403
        assert client.get(check_url(org_c)).status_code == 403
        assert client.get(document).status_code == 403
        assert client.post(check_url(org_c), {"action": "verify"}).status_code == 403
    org_c.refresh_from_db()
    assert org_c.identity_status == Organization.IdentityStatus.PENDING
    client.logout()
    assert client.get(QUEUE)["Location"].startswith(reverse("accounts:login"))


def test_an_organisation_that_handed_in_nothing_has_no_page_in_the_queue(client, org_c, carol):
    client.force_login(carol)
    assert client.get(check_url(org_c)).status_code == 404
    assert client.get(reverse("reviews:identity_document", args=[org_c.pk, "licence"])).status_code == 404


def test_another_organisations_administrator_cannot_read_the_files(client, erin, org_c):
    submitted(client, erin, org_c)
    other = OrganizationFactory(name="上海丁有限公司")
    frank = UserFactory(username="frank", roles=[Role.APPLICANT])
    MembershipFactory(user=frank, organization=other, admin=True)
    client.force_login(frank)
    # The page has no organisation in its path: frank only ever reaches his own (which has no files).
    assert client.get(reverse("accounts:organization_document", args=["licence"])).status_code == 404


def test_the_queue_runs_a_constant_number_of_queries(client, carol, django_assert_num_queries):
    for n in range(5):
        OrganizationFactory(
            name=f"待核验{n}", identity_status="pending", verified_name="", identity_submitted_by=carol
        )
    client.force_login(carol)
    client.get(QUEUE)
    # The submitters come with the page's one query (select_related): as many queries for 15 rows as for 5.
    with CaptureQueriesContext(connection) as five:
        assert client.get(QUEUE).status_code == 200
    for n in range(10):
        OrganizationFactory(
            name=f"又一个{n}", identity_status="pending", verified_name="", identity_submitted_by=carol
        )
    with django_assert_num_queries(len(five)):
        page = client.get(QUEUE)
    assert page.content.decode().count(QUEUE) >= 15


# ---------------------------------------------------------------- name and USCC once verified


def test_a_verified_name_cannot_be_renamed_through_the_edit_page(client, erin, org_c, carol):
    submitted(client, erin, org_c)
    client.force_login(carol)
    client.post(check_url(org_c), {"action": "verify"})
    client.force_login(erin)
    data = {
        "name": "上海丙改名有限公司",
        "registered_address": org_c.registered_address,
        "registered_in_changning": "True",
        "operating_status": "active",
        "credit_status": "good",
        "legal_representative": org_c.legal_representative,
        "contact_name": "联系人",
        "contact_phone": "021-62500000",
        "org_type": "enterprise",
        "is_sme": "on",
    }
    client.post(EDIT, data)
    org_c.refresh_from_db()
    assert org_c.name == "上海丙智能有限公司"


def test_a_change_request_waits_for_the_commission_and_the_old_name_stays_in_force(
    client, erin, org_c, carol
):
    submitted(client, erin, org_c)
    client.force_login(carol)
    client.post(check_url(org_c), {"action": "verify"})
    client.force_login(erin)
    new_code = make_uscc(777)
    without_licence = client.post(IDENTITY, {"new_name": "上海丙新名有限公司"})
    assert without_licence.status_code == 400
    assert "请上传载明变更后名称或代码的营业执照" in without_licence.content.decode()

    response = client.post(
        IDENTITY, {"new_name": "上海丙新名有限公司", "new_uscc": new_code, "licence": licence()}
    )
    assert response.status_code == 302
    org_c.refresh_from_db()
    assert org_c.identity_status == Organization.IdentityStatus.PENDING
    assert (org_c.name, org_c.verified_name) == ("上海丙智能有限公司", "上海丙智能有限公司")
    assert org_c.identity_verified  # still applies and is paid under the verified name meanwhile
    assert "上海丙新名有限公司" in client.get(PROFILE).content.decode()

    client.force_login(carol)
    assert "变更申请" in client.get(QUEUE).content.decode()
    client.post(check_url(org_c), {"action": "verify"})
    org_c.refresh_from_db()
    assert (org_c.name, org_c.verified_name, org_c.uscc) == (
        "上海丙新名有限公司",
        "上海丙新名有限公司",
        new_code,
    )
    assert not org_c.change_requested


def test_a_returned_change_request_leaves_the_verified_identity_as_it_was(client, erin, org_c, carol):
    submitted(client, erin, org_c)
    client.force_login(carol)
    client.post(check_url(org_c), {"action": "verify"})
    client.force_login(erin)
    client.post(IDENTITY, {"new_name": "上海丙冒名有限公司", "licence": licence()})
    client.force_login(carol)
    client.post(check_url(org_c), {"action": "return", "reason": "执照名称与申请不一致"})
    org_c.refresh_from_db()
    assert (org_c.name, org_c.verified_name) == ("上海丙智能有限公司", "上海丙智能有限公司")
    assert org_c.identity_verified and not org_c.change_requested


def test_a_change_to_a_code_another_organisation_holds_is_refused(client, erin, org_c, carol):
    submitted(client, erin, org_c)
    client.force_login(carol)
    client.post(check_url(org_c), {"action": "verify"})
    other = OrganizationFactory(name="上海戊有限公司")
    client.force_login(erin)
    response = client.post(IDENTITY, {"new_uscc": other.uscc, "licence": licence()})
    assert response.status_code == 400
    assert "已由其他单位注册" in response.content.decode()
    org_c.refresh_from_db()
    assert org_c.identity_status == Organization.IdentityStatus.VERIFIED


def test_a_change_request_that_changes_nothing_is_refused(client, erin, org_c, carol):
    submitted(client, erin, org_c)
    client.force_login(carol)
    client.post(check_url(org_c), {"action": "verify"})
    client.force_login(erin)
    response = client.post(IDENTITY, {"new_name": org_c.name, "new_uscc": org_c.uscc, "licence": licence()})
    assert response.status_code == 400
    assert "与现有的相同" in response.content.decode()
    org_c.refresh_from_db()
    assert org_c.identity_status == Organization.IdentityStatus.VERIFIED
