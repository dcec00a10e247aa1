"""Hostile input (issue 7, item 6): every form the portal accepts, posted with random and hostile values.

For each form, a user allowed to use it, with the objects it needs (tests/security/cast.py), posts:
- a sweep: every field set to the same hostile value, for each value of SWEEP (overlong text, NUL and other
  control characters, SQL and HTML fragments, negative, huge and non-finite amounts, malformed USCCs and
  dates, a body over the upload limit), and
- hypothesis examples mixing valid values with hostile ones, lists where one value is expected, and
  missing fields.
Every response must be something other than a 500 (and no exception may have been raised in the view);
a refusal (4xx) must leave the watched tables exactly as they were, and whatever was saved must pass the
model's full_clean(); the HTML payloads must never come back unescaped, neither in the response nor on
the page a redirect leads to; a redirect never leaves the site.

Each attempt runs inside a transaction that is rolled back, so every attempt starts from the same objects.
Run on PostgreSQL too (DATABASE_URL=postgres://…): NUL bytes and overlong values behave differently there.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models, transaction
from django.http import QueryDict
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from accounts.models import Membership, Organization, SecurityPolicy, User
from applications import services as application_services
from applications.models import Application, ApplicationRevision, Attachment
from disbursement.models import (
    Award,
    BankAccount,
    Budget,
    Clawback,
    Installment,
    PaymentBatch,
    PaymentRecord,
    YearlyClaim,
)
from reviews.models import (
    Assignment,
    Decision,
    IntakeCheck,
    NoticeEntry,
    Objection,
    Override,
    PublicNotice,
    QuorumException,
    Score,
)
from tests.applications.conftest import EXE, PDF, PNG, clock, private_files  # noqa: F401 (fixtures)
from tests.factories import PASSWORD, make_uscc
from tests.security.cast import Cast, login

pytestmark = pytest.mark.usefixtures("clock", "private_files")

EXAMPLES = int(os.environ.get("HOSTILE_EXAMPLES", "8"))
MISSING = object()  # the field is left out of the request

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
# What must never appear in an HTML page as it was typed.
RAW_MARKUP = ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>")

SWEEP = [
    "x" * 10_001,
    "中" * 10_001,
    "\x00",
    "a\x00b",
    "\x01\x02\x07\x08\x0b\x0c\x1b[31m\x7f",
    "\u202e\u200b\ufeff",
    "' OR 1=1 --",
    "'; DROP TABLE accounts_user; --",
    SCRIPT,
    IMG,
    "javascript:alert(1)",
    "//evil.example.com/",
    "-1",
    "1e30",
    "NaN",
    "-Infinity",
    str(10**40),
    "91310105MA1FL0000X",
    "2025-02-30",
    "²",  # str.isdigit() says yes, int() says no
    "",
]
# Each of these also goes into one field at a time, the others valid, so no form error elsewhere hides it.
ONE_FIELD = ["a\x00b", "x" * 10_001, SCRIPT, IMG, str(10**40), "²", "NaN", "-1"]
HOSTILE = [
    *SWEEP,
    " ",
    "0",
    "-0.01",
    "0.001",
    "Infinity",
    "9" * 400,
    "1,000,000",
    "１２３",
    "٣٤",
    "1_000",
    "0x10",
    "9131 0105 0000 0000 1",
    "ABCDEFGHIJKLMNOPQR",
    "9" * 18,
    "9999-12-31",
    "0000-00-00",
    "true",
    "None",
    "[]",
    '{"a": 1}',
    "{{ 7*7 }}{% debug %}",
    "%s%s%n",
    "😀" * 50,
    "\r\n\t",
]
# A body over DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB): Django must refuse it, not fail.
OVERSIZED = "A" * 2_700_000


def scalars() -> st.SearchStrategy:
    return st.one_of(
        st.sampled_from(HOSTILE),
        st.text(max_size=40),
        st.integers(min_value=-(10**42), max_value=10**42).map(str),
        st.floats().map(str),
    )


def hostile() -> st.SearchStrategy:
    return st.one_of(scalars(), scalars(), st.lists(scalars(), max_size=3), st.just(MISSING))


@dataclass(frozen=True)
class Value:
    """A field: one of its valid values about half the time, anything hostile otherwise."""

    valid: tuple[str, ...]

    def strategy(self) -> st.SearchStrategy:
        return st.one_of(st.sampled_from(self.valid), hostile()) if self.valid else hostile()


def value(*valid) -> Value:
    return Value(tuple(str(v) for v in valid))


def strategy_of(spec: Value | st.SearchStrategy) -> st.SearchStrategy:
    return spec.strategy() if isinstance(spec, Value) else spec


def valid_of(spec: Value | st.SearchStrategy) -> object:
    return spec.valid[0] if isinstance(spec, Value) and spec.valid else MISSING


def files() -> st.SearchStrategy:
    names = st.one_of(
        st.sampled_from(["方案.pdf", "a.exe", "../../etc/x.pdf", f"{SCRIPT}.pdf", "x" * 300]), st.text()
    )
    contents = st.sampled_from([PDF, PNG, EXE, b"", SCRIPT.encode(), b"\x00" * 64])
    return st.builds(
        lambda name, content: SimpleUploadedFile(name or "f", content, content_type="application/pdf"),
        names,
        contents,
    )


# ---------------------------------------------------------------- the forms


@dataclass
class Form:
    user: User | None
    url: str | Callable[[Client], str]  # a callable is called inside each attempt (e.g. a one-time link)
    fields: dict[str, Value | st.SearchStrategy]
    watch: list[type[models.Model]] = field(default_factory=list)
    method: str = "post"
    # The wizard's autosave keeps what was typed in the draft and answers 400 for facts the engine refuses.
    saves_on_refusal: bool = False
    # Valid values for fields whose strategy is not a Value (a callable makes a fresh one per request).
    valid: dict[str, object] = field(default_factory=dict)
    # Anything the client's session needs before the attempts (called once, after logging in).
    prepare: Callable[[Client], None] | None = None


FORMS: dict[str, Callable[[Cast], Form]] = {}


def form(name: str):
    def register(build: Callable[[Cast], Form]) -> Callable[[Cast], Form]:
        FORMS[name] = build
        return build

    return register


def org_fields(cast: Cast) -> dict[str, Value]:
    return {
        "name": value("丙公司"),
        "registered_address": value("上海市长宁区示例路1号"),
        "registered_in_changning": value("True", "False"),
        "operating_status": value("active", "revoked"),
        "credit_status": value("good", "serious_dishonest"),
        "legal_representative": value("张三"),
        "contact_name": value("李四"),
        "contact_phone": value("13900002222", "021-62500000"),
    }


def fact_fields(item, **valid) -> dict[str, Value]:
    return {fact.name: value(valid.get(fact.name, "2000000")) for fact in item.facts.all()}


def matter_fields() -> dict[str, Value]:
    return {
        "matter_type": value("project", "contract", ""),
        "matter_ref": value("合同-2025-001"),
        "project_name": value("智能视觉平台"),
        "description": value("项目简介"),
    }


# accounts


@form("accounts:signup")
def _(cast):
    return Form(
        None,
        reverse("accounts:signup"),
        {
            "identifier": value("13900001111", "new.person@example.com"),
            "name": value("王五"),
            "password": value("Xk3-strong-Pass"),
            "password2": value("Xk3-strong-Pass"),
        },
        [User, Membership],
    )


@form("accounts:login")
def _(cast):
    return Form(
        None,
        reverse("accounts:login"),
        {
            "username": value(cast.alice.email, "nobody@example.com"),
            "password": value(PASSWORD),
            "next": value("/"),
        },
        [User],
    )


@form("accounts:password_reset")
def _(cast):
    return Form(None, reverse("accounts:password_reset"), {"email": value(cast.alice.email)}, [User])


@form("accounts:unlock_request")
def _(cast):
    return Form(None, reverse("accounts:unlock_request"), {"username": value(cast.alice.email)}, [User])


@form("accounts:unlock_code")
def _(cast):
    return Form(
        None,
        reverse("accounts:unlock_code"),
        {"username": value(cast.alice.email), "code": value("123456")},
        [User],
    )


@form("accounts:password_reset_confirm")
def _(cast):
    user = cast.alice
    link = reverse(
        "accounts:password_reset_confirm",
        args=[urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)],
    )

    def set_password_url(client: Client) -> str:
        # The link stores the token in the session and redirects to the form (Django's reset flow).
        return client.get(link)["Location"]

    return Form(
        None,
        set_password_url,
        {"new_password1": value("Nn-New-Pass-2026"), "new_password2": value("Nn-New-Pass-2026")},
        [User],
    )


@form("accounts:organization_create")
def _(cast):
    fields = org_fields(cast)
    fields["uscc"] = value(make_uscc(900), cast.org_a.uscc, make_uscc(901)[:-1] + "0")
    fields["uscc_checksum_confirmed"] = value("on")
    return Form(cast.newcomer, reverse("accounts:organization_create"), fields, [Organization, Membership])


@form("accounts:organization_join")
def _(cast):
    cast.bob
    return Form(
        cast.newcomer,
        reverse("accounts:organization_join"),
        {"uscc": value(cast.org_a.uscc, cast.org_b.uscc)},
        [Membership],
    )


@form("accounts:organization_edit")
def _(cast):
    return Form(cast.alice, reverse("accounts:organization_edit"), org_fields(cast), [Organization])


@form("accounts:organization_identity")
def _(cast):
    # Alice's organisation is verified: the form is the change request (new name or code and the licence).
    return Form(
        cast.alice,
        reverse("accounts:organization_identity"),
        {
            "new_name": value("甲公司(更名)", ""),
            "new_uscc": value(make_uscc(902), cast.org_b.uscc, ""),
            "licence": st.one_of(files(), hostile()),
            "letter": st.one_of(files(), hostile()),
        },
        [Organization],
        valid={
            "licence": lambda: SimpleUploadedFile("执照.pdf", PDF, content_type="application/pdf"),
            "letter": lambda: SimpleUploadedFile("委托书.png", PNG, content_type="image/png"),
        },
    )


@form("reviews:identity_check")
def _(cast):
    # 乙公司 has handed in its files and waits for 区科委.
    Organization.objects.filter(pk=cast.org_b.pk).update(identity_status="pending", verified_name="")
    return Form(
        cast.carol,
        reverse("reviews:identity_check", args=[cast.org_b.pk]),
        {"action": value("verify", "return"), "reason": value("授权委托书未盖章", "")},
        [Organization],
    )


@form("accounts:preferences")
def _(cast):
    return Form(
        cast.alice,
        reverse("accounts:preferences"),
        {"notify_channel": value("both", "inbox", "email"), "email_digest": value("on")},
        [User],
    )


@form("set_language")
def _(cast):
    return Form(
        None, reverse("set_language"), {"language": value("en", "zh-hans"), "next": value("/", "/policies/")}
    )


@form("set_elder")
def _(cast):
    return Form(None, reverse("set_elder"), {"elder": value("on", "off"), "next": value("/", "/policies/")})


# applications


@form("applications:start")
def _(cast):
    call_item = cast.call.call_items.get(item__code="7.1")
    return Form(
        cast.alice,
        reverse("applications:start", args=[call_item.pk]),
        fact_fields(call_item.item),
        [Application],
    )


@form("applications:start_from_calculator")
def _(cast):
    call_item = cast.call.call_items.get(item__code="7.1")
    return Form(
        cast.alice,
        reverse("applications:start_from_calculator"),
        {"item": value("7.1"), "round": value("changning-ai-2024"), **fact_fields(call_item.item)},
        method="get",
    )


@form("applications:edit")
def _(cast):
    application = cast.draft
    return Form(
        cast.alice,
        reverse("applications:edit", args=[application.pk]),
        {**fact_fields(application.item), **matter_fields(), "next": value("submit", "")},
        [Application],
    )


@form("applications:autosave")
def _(cast):
    application = cast.draft
    return Form(
        cast.alice,
        reverse("applications:autosave", args=[application.pk]),
        {**fact_fields(application.item), **matter_fields()},
        [Application],
        saves_on_refusal=True,
    )


@form("applications:upload")
def _(cast):
    application = cast.draft
    return Form(
        cast.alice,
        reverse("applications:upload", args=[application.pk]),
        {
            "material_code": value("project_plan"),
            "file": st.one_of(files(), hostile()),
            # The wizard's fields come with the file (issue 15: an upload keeps the typing).
            "with_draft": value("1", ""),
            **fact_fields(application.item),
            **matter_fields(),
        },
        [Application, Attachment],
        valid={"file": lambda: SimpleUploadedFile("方案.pdf", PDF, content_type="application/pdf")},
    )


@form("applications:copy")
def _(cast):
    application = cast.submitted
    application_services.withdraw_application(actor=cast.alice, application=application)
    return Form(
        cast.alice,
        reverse("applications:copy", args=[application.pk]),
        {"duplicate_ok": value("1", "")},
        [Application, Attachment],
    )


@form("applications:submit")
def _(cast):
    application = cast.draft
    return Form(
        cast.alice,
        reverse("applications:submit", args=[application.pk]),
        {"confirm": hostile(), "next": hostile()},
        [Application, ApplicationRevision],
    )


@form("applications:withdraw")
def _(cast):
    application = cast.submitted
    return Form(
        cast.alice,
        reverse("applications:withdraw", args=[application.pk]),
        {"reason": value("不再申报")},
        [Application],
    )


# the calculator (GET, and its JSON endpoint)


def calculator_fields() -> dict[str, Value]:
    return {
        "round": value("changning-ai-2024", "changning-ai-2021", ""),
        "item": value("7.1", "9.1", "6.1b", ""),
        "self_raised_investment": value("2000000"),
        "service_cost": value("400000"),
        "prior_awards": value("0", ""),
        "other_policy_awards": value("0", ""),
        "call_rate": value("0.5"),
        "call_ceiling": value("100000", ""),
    }


@form("policies:calculator")
def _(cast):
    return Form(None, reverse("policies:calculator"), calculator_fields(), method="get")


@form("policies:calculator_quote")
def _(cast):
    return Form(None, reverse("policies:calculator_quote"), calculator_fields(), method="get")


@form("policies:match")
def _(cast):
    fields = {"org_type": value("enterprise"), "org_flags": value("sme"), "topics": value("rent")}
    return Form(None, reverse("policies:match"), fields, method="get")


# reviews


def queue_filters(cast: Cast) -> dict[str, Value]:
    return {
        "call": value(cast.call.pk, ""),
        "item": value("7.1", ""),
        "status": value("submitted", "accepted", ""),
        "page": value("1", "2"),
    }


@form("reviews:intake_queue")
def _(cast):
    return Form(cast.carol, reverse("reviews:intake_queue"), queue_filters(cast), method="get")


@form("reviews:intake_check")
def _(cast):
    application = cast.submitted
    codes = list(application.item.materials.values_list("code", flat=True))
    return Form(
        cast.carol,
        reverse("reviews:intake_check", args=[application.pk]),
        {
            **{f"material_{code}": value("checked", "not_applicable", "deficient") for code in codes},
            **{f"material_{code}_note": value("材料齐全", "") for code in codes},
            "registered_verified": value("on"),
            "operating_verified": value("on"),
            "credit_source": value("credit_china", "credit_shanghai"),
            "credit_checked_on": value("2025-03-31"),
            "credit_result": value("good", "adverse"),
            "seen": value(""),
            "reasons": value("请补充材料"),
            "action": value("accept", "return", "decline", "verify_type"),
            "uscc_override_reason": value("已核对营业执照"),
        },
        [IntakeCheck, Application],
    )


@form("reviews:assign_application")
def _(cast):
    application = cast.accepted
    reviewers = [str(cast.rex.pk), str(cast.rita.pk)]
    return Form(
        cast.dora,
        reverse("reviews:assign_application", args=[application.pk]),
        {"reviewers": st.one_of(st.just(reviewers), value(*reviewers).strategy())},
        [Assignment],
    )


@form("reviews:declare")
def _(cast):
    assignment = cast.awaiting_declaration
    return Form(
        cast.rex,
        reverse("reviews:declare", args=[assignment.pk]),
        {"conflict": value("no", "yes"), "note": value("无")},
        [Assignment],
    )


@form("reviews:score")
def _(cast):
    assignment = cast.scoring
    fields: dict[str, Value | st.SearchStrategy] = {}
    for criterion in assignment.application.item.criteria.all():
        fields[f"score_{criterion.pk}"] = value("4", "4.5", "0")
        fields[f"comment_{criterion.pk}"] = value("好")
    fields.update(
        {
            "recommendation": value("support", "support_lower", "not_support"),
            "suggested_amount": value("100000", "600000.00"),
            "overall_comment": value("建议支持"),
            "action": value("draft", "submit"),
        }
    )
    return Form(cast.rita, reverse("reviews:score", args=[assignment.pk]), fields, [Score, Assignment])


@form("reviews:decision_queue")
def _(cast):
    return Form(cast.dora, reverse("reviews:decision_queue"), queue_filters(cast), method="get")


@form("reviews:decide")
def _(cast):
    application = cast.under_review
    return Form(
        cast.dora,
        reverse("reviews:decide", args=[application.pk]),
        {
            "recommended": value("yes", "no"),
            "amount": value("600000", "500000.00", "0"),
            "reasons": value("符合条件"),
            "released_comments": value("专家意见汇总"),
        },
        [Decision, Application],
    )


@form("reviews:override_propose")
def _(cast):
    application = cast.under_review
    return Form(
        cast.dora,
        reverse("reviews:override_propose", args=[application.pk]),
        {
            "amount": value("700000", "600000.01"),
            "reason": value("一企一策"),
            "area": value("carrier", "innovation", "environment"),
            "impact": value("该项目对区域产业生态打造有重大影响,带动上下游企业集聚,形成人工智能产业集群。"),
        },
        [Override],
    )


@form("reviews:override_confirm")
def _(cast):
    override = cast.proposed_override
    return Form(
        cast.erin,
        reverse("reviews:override_confirm", args=[override.pk]),
        {"action": value("confirm", "reject"), "note": value("同意")},
        [Override, Decision],
    )


@form("reviews:quorum_exception_propose")
def _(cast):
    application = cast.short_of_reviews
    return Form(
        cast.dora,
        reverse("reviews:quorum_exception_propose", args=[application.pk]),
        {"reason": value("两位评审专家因出国无法按期提交意见,批次办理期限将至,需先行审定。")},
        [QuorumException],
    )


@form("reviews:quorum_exception_confirm")
def _(cast):
    exception = cast.proposed_quorum_exception
    return Form(
        cast.erin,
        reverse("reviews:quorum_exception_confirm", args=[exception.pk]),
        {"action": value("confirm", "reject"), "note": value("同意")},
        [QuorumException, Decision],
    )


@form("reviews:notices")
def _(cast):
    cast.recommended
    return Form(
        cast.dora,
        reverse("reviews:notices"),
        {"call": value(cast.call.pk)},
        [PublicNotice, NoticeEntry, Application],
    )


@form("notices:object")
def _(cast):
    entry = cast.entry
    return Form(
        None,
        reverse("notices:object", args=[entry.notice_id, entry.pk]),
        {"name": value("王某"), "contact": value("13700001111"), "content": value("对该项目有异议")},
        [Objection],
    )


@form("reviews:objection_decide")
def _(cast):
    objection = cast.objection
    return Form(
        cast.dora,
        reverse("reviews:objection_decide", args=[objection.entry.notice_id, objection.pk]),
        {"outcome": value("upheld", "dismissed"), "note": value("经核实")},
        [Objection, Application],
    )


# disbursement


@form("disbursement:budgets")
def _(cast):
    return Form(cast.dora, reverse("disbursement:budgets"), {"year": value("2025", "2026")}, method="get")


@form("disbursement:budget_enter")
def _(cast):
    return Form(
        cast.dora,
        reverse("disbursement:budget_enter"),
        {
            "year": value("2025", "2026"),
            "item_code": value("", "7.1"),
            "amount": value("1000000", "0", "0.01"),
        },
        [Budget],
    )


@form("disbursement:awards")
def _(cast):
    return Form(
        cast.fay,
        reverse("disbursement:awards"),
        {"status": value("pending", ""), "page": value("1")},
        method="get",
    )


@form("disbursement:dashboard")
def _(cast):
    return Form(cast.dora, reverse("disbursement:dashboard"), {"year": value("2025")}, method="get")


@form("disbursement:award_clawback")
def _(cast):
    award = cast.approved_award
    return Form(
        cast.fay,
        reverse("disbursement:award_clawback", args=[award.pk]),
        {
            "reason": value(*Clawback.Reason.values),
            "amount": value("100", "600000", "600000.01"),
            "description": value("项目未验收"),
        },
        [Clawback, Installment, Award],
    )


@form("disbursement:clawback_recovery")
def _(cast):
    clawback = cast.clawback
    prefix = f"c{clawback.pk}"
    return Form(
        cast.fay,
        reverse("disbursement:clawback_recovery", args=[clawback.pk]),
        {f"{prefix}-amount": value("100", "100000"), f"{prefix}-on": value("2025-04-01")},
        [Clawback, Budget],
    )


@form("disbursement:batch_new")
def _(cast):
    installment = cast.due_installment
    return Form(
        cast.fay,
        reverse("disbursement:batch_new"),
        {
            "installments": st.one_of(
                value(installment.pk).strategy(), st.lists(value(installment.pk).strategy(), max_size=3)
            )
        },
        [PaymentBatch, Installment],
    )


@form("disbursement:batch_return")
def _(cast):
    batch = cast.submitted_batch
    return Form(
        cast.fred,
        reverse("disbursement:batch_return", args=[batch.pk]),
        {"reason": value("账户有误")},
        [PaymentBatch, Installment],
    )


@form("disbursement:payment_paid")
def _(cast):
    batch, installment = cast.approved_batch, cast.due_installment
    return Form(
        cast.fay,
        reverse("disbursement:payment_paid", args=[batch.pk, installment.pk]),
        {"voucher_no": value("PZ-9"), "paid_on": value("2025-04-01")},
        [PaymentRecord, Installment, PaymentBatch],
    )


@form("disbursement:payment_failed")
def _(cast):
    batch, installment = cast.approved_batch, cast.due_installment
    return Form(
        cast.fay,
        reverse("disbursement:payment_failed", args=[batch.pk, installment.pk]),
        {"reason": value("账户冻结")},
        [PaymentRecord, Installment, PaymentBatch],
    )


@form("awards:bank_account")
def _(cast):
    return Form(
        cast.alice,
        reverse("awards:bank_account"),
        {
            "bank_name": value("招商银行上海长宁支行"),
            "account_name": value("甲公司"),
            "account_number": value(
                "6222020012345678901", "6222 0200 1234 5678", "６２２２-０２００-１２３４"
            ),
            "bank_code": value("308290003011", "３０８２９０００３０１１"),
        },
        [BankAccount],
    )


# 年度兑现 (issue 11): the enterprise's claim (rent, proof, office), 区科委's accept / return / refuse


@form("awards:claim_submit")
def _(cast):
    claim = cast.open_claim
    return Form(
        cast.alice,
        reverse("awards:claim_submit", args=[claim.pk]),
        {
            "annual_rent": value("600000", "800000.50"),
            "office_address": value("上海市长宁区长宁路 1 号"),
            "office_confirmed": value("on"),
            "rent_proof": files(),
        },
        [YearlyClaim, Installment],
        valid={"rent_proof": lambda: SimpleUploadedFile("房租.pdf", PDF, content_type="application/pdf")},
    )


def _claim_decision(name: str):
    @form(name)
    def _(cast):
        claim = cast.submitted_claim
        return Form(
            cast.dora,
            reverse(name, args=[claim.pk]),
            {"note": value("核对无误")},
            [YearlyClaim, Installment, Award],
        )


for _name in ("disbursement:claim_accept", "disbursement:claim_return", "disbursement:claim_refuse"):
    _claim_decision(_name)


# accounts: password, second factor, re-authentication (issue 7)


@form("accounts:password_change")
def _(cast):
    return Form(
        cast.alice,
        reverse("accounts:password_change"),
        {
            "old_password": value(PASSWORD),
            "new_password1": value("Nn-New-Pass-2026"),
            "new_password2": value("Nn-New-Pass-2026"),
        },
        [User],
    )


@form("accounts:reauth")
def _(cast):
    # carol is staff: her proof is the password and the code of her authenticator.
    return Form(
        cast.carol,
        reverse("accounts:reauth"),
        {"password": value(PASSWORD), "code": value("123456"), "next": value("/review/intake/")},
        [User, TOTPDevice],
    )


@form("accounts:two_factor_setup")
def _(cast):
    # alice opts in: no device yet, so the page enrols one with the first right code.
    return Form(
        cast.alice,
        reverse("accounts:two_factor_setup"),
        {"code": value("123456"), "next": value("/applications/")},
        [TOTPDevice, StaticDevice],
    )


@form("accounts:two_factor_verify")
def _(cast):
    def unverified(client: Client) -> None:
        # Logged in with the password only: the second step of the login is still to come.
        session = client.session
        session.pop(DEVICE_ID_SESSION_KEY, None)
        session.save()

    return Form(
        cast.carol,
        reverse("accounts:two_factor_verify"),
        {"code": value("123456", "abcd-efgh"), "next": value("/review/intake/")},
        [TOTPDevice, StaticDevice],
        prepare=unverified,
    )


# the three administrators (/manage/, /audit/)


@form("administration:users")
def _(cast):
    return Form(
        cast.sid,
        reverse("administration:users"),
        {"q": value("alice", ""), "active": value("yes", "no", ""), "staff": value("yes", "")},
        method="get",
    )


@form("administration:user_create")
def _(cast):
    return Form(
        cast.sid,
        reverse("administration:user_create"),
        {
            "kind": value("staff", "enterprise"),
            "username": value("newstaff"),
            "name": value("新同事"),
            "email": value("new.staff@example.gov.cn", ""),
            "mobile": value("13900003333", ""),
            "password": value("Xk3-strong-Pass"),
            "password2": value("Xk3-strong-Pass"),
        },
        [User],
    )


@form("administration:user_edit")
def _(cast):
    return Form(
        cast.sid,
        reverse("administration:user_edit", args=[cast.carol.pk]),
        {
            "name": value("卡罗尔"),
            "email": value("carol@example.gov.cn", ""),
            "mobile": value("13900004444", ""),
        },
        [User],
    )


@form("administration:roles")
def _(cast):
    return Form(
        cast.sean,
        reverse("administration:roles"),
        {"q": value("carol", ""), "role": value("intake_officer", "")},
        method="get",
    )


@form("administration:role_edit")
def _(cast):
    return Form(
        cast.sean,
        reverse("administration:role_edit", args=[cast.carol.pk]),
        {
            "roles": st.one_of(
                value("intake_officer", "expert_reviewer", "system_admin").strategy(),
                st.lists(scalars(), max_size=3),
            )
        },
        [User],
    )


@form("administration:unlock")
def _(cast):
    return Form(cast.sean, reverse("administration:unlock"), {"username": value("alice", cast.alice.email)})


@form("administration:password_policy")
def _(cast):
    SecurityPolicy.current()  # the row the page creates on first use, before any input is read
    return Form(
        cast.sean,
        reverse("administration:password_policy"),
        {
            "password_min_length": value("8", "12"),
            "password_min_classes": value("3", "4"),
            "staff_password_max_age_days": value("90", "30"),
        },
        [SecurityPolicy],
    )


def audit_filters() -> dict[str, Value]:
    return {
        "date_from": value("2025-04-01", ""),
        "date_to": value("2025-04-01", ""),
        "username": value("alice", ""),
        "action": value("login", "application.", ""),
        "result": value("success", "denied", ""),
        "object_type": value("accounts.user", ""),
        "object_id": value("1", ""),
        "ip_address": value("127.0.0.1", "::1", ""),
        "page": value("1"),
    }


@form("audit:records")
def _(cast):
    return Form(cast.audrey, reverse("audit:records"), audit_filters(), method="get")


@form("audit:export")
def _(cast):
    return Form(cast.audrey, reverse("audit:export"), audit_filters(), method="get")


@form("audit:verify")
def _(cast):
    return Form(cast.audrey, reverse("audit:verify"), {"confirm": hostile()})


# 一企一策 support agreements (issue 11)


@form("disbursement:agreement_new")
def _(cast):
    from disbursement.models import SupportAgreement

    cast.agreement_line
    return Form(
        cast.dora,
        reverse("disbursement:agreement_new"),
        {
            "organization": value(cast.org_a.pk),
            "title": value("具身智能创新中心"),
            "area": value(*SupportAgreement.Area.values),
            "reason": value("对区域产业生态打造有重大影响"),
            "amount": value("1000000", "0.01", "1234567.89"),
            "budget_year": value("2025", "2026"),
        },
        [SupportAgreement, Award, Budget],
    )


@form("disbursement:agreement_decide")
def _(cast):
    from disbursement.models import SupportAgreement

    agreement = cast.proposed_agreement
    return Form(
        cast.fred,
        reverse("disbursement:agreement_decide", args=[agreement.pk]),
        {"decision": value("approve", "reject"), "note": value("同意", "")},
        [SupportAgreement, Award, Installment, Budget],
    )


# ---------------------------------------------------------------- sending and checking


def request_data(data: dict[str, object]) -> dict[str, object]:
    return {name: v for name, v in data.items() if v is not MISSING}


# A refused code still counts against the device: django-otp's throttle must record the failure.
THROTTLE_FIELDS = {"throttling_failure_timestamp", "throttling_failure_count"}


def snapshot(watch: list[type[models.Model]]) -> dict[str, dict[object, tuple]]:
    state = {}
    for model in watch:
        names = [f.attname for f in model._meta.concrete_fields if f.attname not in THROTTLE_FIELDS]
        state[model._meta.label] = {row[0]: row for row in model.objects.values_list("pk", *names)}
    return state


def changed_rows(watch, before, after) -> list[models.Model]:
    rows = []
    for model in watch:
        old, new = before[model._meta.label], after[model._meta.label]
        pks = [pk for pk, row in new.items() if old.get(pk) != row]
        rows += list(model.objects.filter(pk__in=pks))
    return rows


def check_page(response, context: str) -> None:
    assert response.status_code != 500, context
    assert getattr(response, "exc_info", None) is None, context
    content_type = response.get("Content-Type", "")
    if content_type.startswith("text/html"):
        body = response.content.decode("utf-8", "replace")
        for markup in RAW_MARKUP:
            assert markup not in body, f"unescaped {markup!r} — {context}"
    elif content_type.startswith("application/json"):
        assert response["X-Content-Type-Options"] == "nosniff", context


def check_redirect(client: Client, url: str, response, context: str) -> None:
    """A redirect stays on the site, and the page it leads to shows what was saved, escaped."""
    target = urljoin(f"http://testserver{url}", response["Location"])
    parts = urlsplit(target)
    assert (parts.scheme, parts.netloc) == ("http", "testserver"), (
        f"redirect off the site: {target!r} — {context}"
    )
    check_page(client.get(parts.path, QueryDict(parts.query)), f"following {target} — {context}")


def empty_json_fields(row: models.Model) -> list[str]:
    """A JSONField holding [] or {} is a value ("no materials checked"); full_clean() calls it blank."""
    return [
        f.name
        for f in row._meta.concrete_fields
        if isinstance(f, models.JSONField) and getattr(row, f.attname) in ([], {})
    ]


def attempt(client: Client, spec: Form, data: dict[str, object], name: str) -> None:
    context = f"{name} with {_short(data)}"
    with transaction.atomic():
        before = snapshot(spec.watch)
        url = spec.url(client) if callable(spec.url) else spec.url
        send = client.get if spec.method == "get" else client.post
        response = send(url, request_data(data))
        check_page(response, context)
        after = snapshot(spec.watch)
        if response.status_code >= 400 and not spec.saves_on_refusal:
            assert after == before, f"a refusal ({response.status_code}) changed the data — {context}"
        for row in changed_rows(spec.watch, before, after):
            row.full_clean(exclude=empty_json_fields(row))  # what was saved is valid, whatever was typed
        if response.status_code in (301, 302, 303):
            check_redirect(client, url, response, context)
        transaction.set_rollback(True)


def _short(data: dict[str, object]) -> str:
    def short(v: object) -> str:
        text = repr(v)
        return text if len(text) <= 60 else f"{text[:40]}…({len(text)} chars)"

    return "{" + ", ".join(f"{k}: {short(v)}" for k, v in data.items() if v is not MISSING) + "}"


@pytest.fixture
def cast(policy_data) -> Cast:
    return Cast()


def client_for(spec: Form) -> Client:
    """A client logged in as the form's user, its session prepared (also used by test_accessible_forms)."""
    client = login(spec.user)
    if spec.prepare:
        spec.prepare(client)
    return client


@pytest.mark.parametrize("name", sorted(FORMS))
def test_hostile_values_never_break_a_form(cast, name):
    spec = FORMS[name](cast)
    client = client_for(spec)

    for hostile_value in [*SWEEP, OVERSIZED]:
        attempt(client, spec, dict.fromkeys(spec.fields, hostile_value), name)
    for field_name in spec.fields:
        for hostile_value in ONE_FIELD:
            valid = {k: spec.valid.get(k, valid_of(v)) for k, v in spec.fields.items()}
            valid = {k: v() if callable(v) else v for k, v in valid.items()}
            attempt(client, spec, {**valid, field_name: hostile_value}, name)

    @hypothesis_settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],
    )
    @given(data=st.fixed_dictionaries({k: strategy_of(v) for k, v in spec.fields.items()}))
    def random_values(data):
        attempt(client, spec, data, name)

    random_values()


def test_every_form_of_the_portal_is_covered():
    """A new form must be added here: every URL that accepts POST (or reads a filter form) is listed,
    except those that take no input beyond the object in their path."""
    no_fields = {
        "accounts:logout",
        "accounts:approve_member",
        "accounts:reject_member",
        "accounts:inbox_read_all",
        "accounts:unlock_confirm",  # the token is in its path; the form is a button
        "applications:remove_attachment",
        "applications:delete",  # the confirmation is a button; the draft is in its path
        "reviews:auto_assign",
        "reviews:notice_close",
        "disbursement:budget_confirm",
        "disbursement:award_approve",
        "disbursement:award_acceptance",
        "disbursement:batch_submit",
        "disbursement:batch_withdraw",
        "disbursement:batch_approve",
        "accounts:two_factor_regenerate",
        "accounts:two_factor_disable",
        "administration:user_deactivate",
        "administration:user_reactivate",
    }
    assert not (no_fields & set(FORMS))
    from django.urls import get_resolver

    posting = _posting_url_names(get_resolver())
    missing = sorted(posting - set(FORMS) - no_fields)
    assert missing == [], f"forms without a hostile-input test: {missing}"


def _posting_url_names(resolver, namespace: str = "") -> set[str]:
    """URL names of the project's own views (not admin, not Django's) whose view accepts POST."""
    import inspect

    from django.urls import URLPattern, URLResolver

    names = set()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= _posting_url_names(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            view = pattern.callback
            module = getattr(view, "__module__", "")
            if module.split(".")[0] not in {
                "accounts",
                "applications",
                "policies",
                "reviews",
                "disbursement",
                "audit",
                "administration",
            }:
                continue
            source = ""
            try:
                source = inspect.getsource(inspect.unwrap(view))
            except (OSError, TypeError):
                pass
            decorated = _decorator_text(view)
            view_class = getattr(view, "view_class", None)
            if hasattr(view_class, "post") or "POST" in decorated or "request.POST" in source:
                names.add(f"{namespace}{pattern.name}")
    return names


def _decorator_text(view) -> str:
    """The source lines above the view's def (its decorators)."""
    import inspect

    try:
        _lines, start = inspect.getsourcelines(inspect.unwrap(view))
    except (OSError, TypeError):
        return ""
    module_lines = inspect.getsourcelines(inspect.getmodule(inspect.unwrap(view)))[0]
    above = []
    index = start - 2
    while index >= 0 and module_lines[index].lstrip().startswith("@"):
        above.append(module_lines[index])
        index -= 1
    return "".join(above)
