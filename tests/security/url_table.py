"""The expected answer of every URL of the portal to each of the twelve roles (issue 7, item 4), checked
by test_url_matrix.py against the world of world.py, where every argument points at 甲公司's (A's) objects.

One row per URL name: twelve tokens in the order of the header (world.ROLES), or one token for all twelve.
  200, 400, 403, 404, 405  the status code;
  L      a redirect to the login page (anonymous);
  AL     a redirect to the admin's login page (not staff);
  >org   a redirect to the organisation page (no organisation of one's own); >score, >home, >edit, … to
         the pages named in REDIRECTS; >change to an admin change page; >name to any other page by its
         URL name.
A = applicant_a (A's administrator), B = applicant_b (B's, probing A's objects), R1/R2 = the reviewer
assigned to A's application and one who is not, fin-o/fin-a = finance officer/approver, sys/sec/audit = the
three administrators (三权分立: none of them sees an application or money; each only their own pages).

GET is the table of GET requests, POST the table of POST requests with an empty body (a page that takes
GET only answers 405 to whoever passes its checks first; a form answers 200 or 400 with its errors).
WRITERS lists the (URL, role) pairs whose empty POST may write to the database — each acting on what is its
own to act on: every other POST, answered or refused, must write nothing (the audit trail and sessions aside).

The admin's per-model patterns (changelist, add, change, delete, history, and the object redirect) are not
listed one by one: ADMIN_RIGHTS says who holds which permission on each registered model, and the rows are
derived from it (a registered model missing from ADMIN_RIGHTS fails the test).
"""

# ruff: noqa: E501 — the tables are wider than a line of code: one row per URL, one column per role.
from tests.security.world import ROLES

# Where a redirect may go, as the table writes it.
REDIRECTS = {
    "accounts:login": "L",
    "admin:login": "AL",
    "policies:home": ">home",
    "admin:index": ">admin",
    "accounts:organization": ">org",
    # Where each staff role lands after login (accounts.roles.ROLE_HOMES).
    "reviews:intake_queue": ">intake",
    "reviews:decision_queue": ">decisions",
    "reviews:my_assignments": ">my",
    "disbursement:awards": ">fin-awards",
    "administration:users": ">users",
    "audit:records": ">audit",
    "accounts:members": ">members",
    "accounts:inbox": ">inbox",
    "accounts:two_factor": ">2fa",
    "accounts:two_factor_setup": ">2fa-setup",
    "accounts:two_factor_recovery_codes": ">2fa-codes",
    "applications:edit": ">edit",
    "applications:detail": ">detail",
    "reviews:score": ">score",
    "reviews:assign_application": ">assign",
    "reviews:notice": ">notice",
    "disbursement:budgets": ">budgets",
    "disbursement:batch": ">batch",
    "awards:mine": ">awards",
    "administration:user_edit": ">user",
    "administration:roles": ">roles",
    "administration:locks": ">locks",
}


def _table(text: str) -> dict[str, dict[str, str]]:
    rows: dict[str, dict[str, str]] = {}
    for line in text.strip().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, *tokens = line.split()
        if len(tokens) == 1:
            tokens *= len(ROLES)
        assert len(tokens) == len(ROLES), f"{key}: {len(tokens)} tokens for {len(ROLES)} roles"
        assert key not in rows, f"{key} is listed twice"
        rows[key] = dict(zip(ROLES, tokens, strict=True))
    return rows


# ---------------------------------------------------------------- GET

GET = _table(
    """
# url name                              anon  A     B     intk  R1    R2    apprv fin-o fin-a sys   sec   audit
# Public: the policy pages, the calculator (400: no item chosen), 公示 and its objection form.
policies:home                           200
policies:catalogue                      200
policies:round                          200
policies:item                           200
policies:match                          200
policies:calculator                     200
policies:calculator_quote               400
notices:list                            200
notices:detail                          200
notices:object                          200
notices:list_pdf                        200
set_language                            >home
set_elder                               >home

# Accounts. Staff have no organisation: its pages are 404 to them (nothing of theirs to show).
accounts:signup                         200   >org  >org  >org  >org  >org  >org  >org  >org  >org  >org  >org
accounts:login                          200   >org  >org  >intake >my   >my   >decisions >fin-awards >fin-awards >users >roles >audit
accounts:logout                         405
accounts:password_reset                 200
accounts:password_reset_done            200
accounts:password_reset_confirm         200
accounts:password_reset_complete        200
accounts:signup_verify                  >accounts:signup  >org  >org  >org  >org  >org  >org  >org  >org  >org  >org  >org
accounts:signup_resend                  405
accounts:sms_reset                      200
accounts:sms_reset_verify               >accounts:sms_reset
accounts:sms_reset_resend               405
accounts:email                          L     200  200  200  200  200  200  200  200  200  200  200
accounts:email_verify                   L     >accounts:email  >accounts:email  >accounts:email  >accounts:email  >accounts:email  >accounts:email  >accounts:email  >accounts:email  >accounts:email  >accounts:email  >accounts:email
accounts:session_extend                 L     405  405  405  405  405  405  405  405  405  405  405
accounts:unlock_request                 200
accounts:unlock_code                    200
accounts:unlock_confirm                 400
accounts:organization                   L     200   200   200   200   200   200   200   200   200   200   200
accounts:organization_create            L     >org  >org  200   200   200   200   200   200   200   200   200
accounts:organization_edit              L     200   200   404   404   404   404   404   404   404   404   404
accounts:organization_identity          L     200   200   404   404   404   404   404   404   404   404   404
accounts:organization_document          L     200   404   404   404   404   404   404   404   404   404   404
accounts:organization_join              L     >org  >org  200   200   200   200   200   200   200   200   200
accounts:members                        L     200   200   404   404   404   404   404   404   404   404   404
accounts:approve_member                 L     405   405   405   405   405   405   405   405   405   405   405
accounts:reject_member                  L     405   405   405   405   405   405   405   405   405   405   405
accounts:inbox                          L     200   200   200   200   200   200   200   200   200   200   200
accounts:inbox_message                  L     200   404   404   404   404   404   404   404   404   404   404
accounts:inbox_read_all                 L     405   405   405   405   405   405   405   405   405   405   405
accounts:preferences                    L     200   200   200   200   200   200   200   200   200   200   200
accounts:deliveries                     L     403   403   403   403   403   403   403   403   200   200   403

# Everyone's own password, second factor and re-authentication (staff always have a confirmed device).
accounts:password_change                L     200   200   200   200   200   200   200   200   200   200   200
accounts:password_change_done           L     200   200   200   200   200   200   200   200   200   200   200
accounts:two_factor                     L     200   200   200   200   200   200   200   200   200   200   200
accounts:two_factor_setup               L     200   200   200   200   200   200   200   200   200   200   200
accounts:two_factor_verify              L     >2fa-setup >2fa-setup >intake >my   >my   >decisions >fin-awards >fin-awards >users >roles >audit
accounts:two_factor_recovery_codes      L     >2fa  >2fa  >2fa  >2fa  >2fa  >2fa  >2fa  >2fa  >2fa  >2fa  >2fa
accounts:two_factor_regenerate          L     405   405   405   405   405   405   405   405   405   405   405
accounts:two_factor_disable             L     405   405   405   405   405   405   405   405   405   405   405
accounts:reauth                         L     200   200   200   200   200   200   200   200   200   200   200

# The enterprise's applications: A's objects are A's alone — B and every staff member get 404, as for
# an id that does not exist. Staff (no organisation) are sent to the organisation page from the lists.
applications:dashboard                  L     200   200   >org  >org  >org  >org  >org  >org  >org  >org  >org
applications:calls                      L     200   200   >org  >org  >org  >org  >org  >org  >org  >org  >org
applications:start_from_calculator      L     200   200   >org  >org  >org  >org  >org  >org  >org  >org  >org
applications:match                      L     200   200   >org  >org  >org  >org  >org  >org  >org  >org  >org
applications:start                      L     200   200   >org  >org  >org  >org  >org  >org  >org  >org  >org
applications:detail                     L     200   404   404   404   404   404   404   404   404   404   404
applications:edit                       L     200   404   404   404   404   404   404   404   404   404   404
applications:autosave                   L     405   405   405   405   405   405   405   405   405   405   405
applications:upload                     L     405   405   405   405   405   405   405   405   405   405   405
applications:remove_attachment          L     405   405   405   405   405   405   405   405   405   405   405
applications:download                   L     200   404   404   404   404   404   404   404   404   404   404
applications:submit                     L     200   404   404   404   404   404   404   404   404   404   404
applications:withdraw                   L     200   404   404   404   404   404   404   404   404   404   404
applications:copy                       L     >detail 404   404   404   404   404   404   404   404   404   404
applications:delete                     L     200   404   404   404   404   404   404   404   404   404   404
applications:revision                   L     200   404   404   404   404   404   404   404   404   404   404
applications:document                   L     200   404   404   404   404   404   404   404   404   404   404

# The commission (区科委): intake officers, reviewers (their own assignment only; R2 gets 404, not 403,
# so ids reveal nothing), the commission's approver. Nobody of 区财政局, none of the administrators.
reviews:intake_queue                    L     403   403   200   403   403   403   403   403   403   403   403
reviews:intake_check                    L     403   403   200   403   403   403   403   403   403   403   403
reviews:identity_queue                  L     403   403   200   403   403   403   403   403   403   403   403
reviews:identity_check                  L     403   403   200   403   403   403   403   403   403   403   403
reviews:identity_document               L     403   403   200   403   403   403   403   403   403   403   403
reviews:staff_download                  L     403   403   200   200   404   200   403   403   403   403   403
reviews:assign_queue                    L     403   403   403   403   403   200   403   403   403   403   403
reviews:assign_application              L     403   403   403   403   403   200   403   403   403   403   403
reviews:auto_assign                     L     403   403   403   403   403   405   403   403   403   403   403
reviews:my_assignments                  L     403   403   403   200   200   403   403   403   403   403   403
reviews:declare                         L     403   403   403   >score 404   403   403   403   403   403   403
reviews:score                           L     403   403   403   200   404   403   403   403   403   403   403
reviews:decision_queue                  L     403   403   403   403   403   200   403   403   403   403   403
reviews:decide                          L     403   403   403   403   403   200   403   403   403   403   403
reviews:override_propose                L     403   403   403   403   403   200   403   403   403   403   403
reviews:override_confirm                L     403   403   403   403   403   200   403   403   403   403   403
reviews:quorum_exception_propose        L     403   403   403   403   403   405   403   403   403   403   403
reviews:quorum_exception_confirm        L     403   403   403   403   403   200   403   403   403   403   403
reviews:notices                         L     403   403   403   403   403   200   403   403   403   403   403
reviews:notice                          L     403   403   403   403   403   200   403   403   403   403   403
reviews:objection_decide                L     403   403   403   403   403   405   403   403   403   403   403
reviews:notice_close                    L     403   403   403   403   403   405   403   403   403   403   403
reviews:call_export                     L     403   403   403   403   403   200   403   403   403   403   403
reviews:document                        L     403   403   200   200   404   200   403   403   403   403   403

# 区财政局: budgets and awards are read by the commission's approver too; batches are finance's alone.
# Approving money: the finance approver only — never one of the three administrators.
disbursement:budgets                    L     403   403   403   403   403   200   200   200   403   403   403
disbursement:budget_enter               L     403   403   403   403   403   405   403   403   403   403   403
disbursement:budget_confirm             L     403   403   403   403   403   403   405   405   403   403   403
disbursement:awards                     L     403   403   403   403   403   200   200   200   403   403   403
disbursement:award                      L     403   403   403   403   403   200   200   200   403   403   403
disbursement:award_approve              L     403   403   403   403   403   403   403   405   403   403   403
disbursement:award_acceptance           L     403   403   403   403   403   405   403   403   403   403   403
disbursement:award_clawback             L     403   403   403   403   403   403   200   403   403   403   403
disbursement:clawback_recovery          L     403   403   403   403   403   403   405   403   403   403   403
disbursement:batches                    L     403   403   403   403   403   403   200   200   403   403   403
disbursement:batch_new                  L     403   403   403   403   403   403   200   403   403   403   403
disbursement:batch                      L     403   403   403   403   403   403   200   200   403   403   403
disbursement:batch_submit               L     403   403   403   403   403   403   405   403   403   403   403
disbursement:batch_withdraw             L     403   403   403   403   403   403   405   403   403   403   403
disbursement:batch_approve              L     403   403   403   403   403   403   403   405   403   403   403
disbursement:batch_return               L     403   403   403   403   403   403   403   405   403   403   403
disbursement:payment_paid               L     403   403   403   403   403   403   405   403   403   403   403
disbursement:payment_failed             L     403   403   403   403   403   403   405   403   403   403   403
disbursement:batch_export               L     403   403   403   403   403   403   200   200   403   403   403
disbursement:batch_sheet                L     403   403   403   403   403   403   200   200   403   403   403
disbursement:batch_notices              L     403   403   403   403   403   403   405   405   403   403   403
disbursement:batch_notices_download     L     403   403   403   403   403   403   404   404   403   403   403
disbursement:award_notice               L     403   403   403   403   403   200   200   200   403   403   403
disbursement:dashboard                  L     403   403   403   403   403   200   200   200   403   403   403
# 一企一策 support agreements: 区科委's approver proposes, 区财政局's approver decides, the three read them.
disbursement:agreements                 L     403   403   403   403   403   200   200   200   403   403   403
disbursement:agreement_new              L     403   403   403   403   403   200   403   403   403   403   403
disbursement:agreement                  L     403   403   403   403   403   200   200   200   403   403   403
disbursement:agreement_decide           L     403   403   403   403   403   403   403   405   403   403   403

# The enterprise's awards and bank details: its own organisation only.
awards:mine                             L     200   200   >org  >org  >org  >org  >org  >org  >org  >org  >org
awards:bank_account                     L     200   200   404   404   404   404   404   404   404   404   404
awards:notice_pdf                       L     200   404   404   404   404   404   404   404   404   404   404

# 三权分立: users for the system administrator; roles, locks and the password policy for the security
# administrator; the audit trail for the audit administrator. Nobody else, and never two of them.
administration:users                    L     403   403   403   403   403   403   403   403   200   403   403
administration:user_create              L     403   403   403   403   403   403   403   403   200   403   403
administration:roles                    L     403   403   403   403   403   403   403   403   403   200   403
administration:locks                    L     403   403   403   403   403   403   403   403   403   200   403
administration:unlock                   L     403   403   403   403   403   403   403   403   403   405   403
administration:password_policy          L     403   403   403   403   403   403   403   403   403   200   403
administration:user_edit                L     403   403   403   403   403   403   403   403   200   403   403
administration:user_deactivate          L     403   403   403   403   403   403   403   403   405   403   403
administration:user_reactivate          L     403   403   403   403   403   403   403   403   405   403   403
administration:role_edit                L     403   403   403   403   403   403   403   403   403   200   403
audit:records                           L     403   403   403   403   403   403   403   403   403   403   200
audit:export                            L     403   403   403   403   403   403   403   403   403   403   200
audit:verify                            L     403   403   403   403   403   403   403   403   403   403   200
audit:record                            L     403   403   403   403   403   403   403   403   403   403   200
health:live                             200
health:ready                            200

# 年度兑现 (yearly claims): the enterprise's own claim (anyone else's is 404), claimed by its administrator;
# 区科委's queue and check, read by finance too; only the commission's approver accepts, returns, refuses.
awards:claim                            L     200   404   404   404   404   404   404   404   404   404   404
awards:claim_submit                     L     200   404   404   404   404   404   404   404   404   404   404
awards:claim_proof                      L     200   404   404   404   404   404   404   404   404   404   404
disbursement:claims                     L     403   403   403   403   403   200   200   200   403   403   403
disbursement:claim                      L     403   403   403   403   403   200   200   200   403   403   403
disbursement:claim_proof                L     403   403   403   403   403   200   200   200   403   403   403
disbursement:claim_accept               L     403   403   403   403   403   405   403   403   403   403   403
disbursement:claim_return               L     403   403   403   403   403   405   403   403   403   403   403
disbursement:claim_refuse               L     403   403   403   403   403   405   403   403   403   403   403
"""
)


# ---------------------------------------------------------------- the admin

# The admin's site-wide pages. Staff accounts (every staff role's) reach the index; the rest are sent to
# the admin's login page.
GET.update(
    _table(
        """
# url name                              anon  A     B     intk  R1    R2    apprv fin-o fin-a sys   sec   audit
admin:index                             AL    AL    AL    200   200   200   200   200   200   200   200   200
admin:login                             200   200   200   >admin >admin >admin >admin >admin >admin >admin >admin >admin
admin:logout                            >admin >admin >admin 405  405   405   405   405   405   405   405   405
admin:password_change                   AL    AL    AL    200   200   200   200   200   200   200   200   200
admin:password_change_done              AL    AL    AL    200   200   200   200   200   200   200   200   200
admin:jsi18n                            AL    AL    AL    200   200   200   200   200   200   200   200   200
# Without its query the autocomplete refuses everyone; the "view on site" of an application has no page.
admin:autocomplete                      AL    AL    AL    403   403   403   403   403   403   403   403   403
admin:view_on_site                      AL    AL    AL    404   404   404   404   404   404   404   404   404
admin:catch_all                         AL    AL    AL    404   404   404   404   404   404   404   404   404
# The applications app's index: only the commission's approver holds a permission in it.
admin:app_list                          AL    AL    AL    404   404   404   200   404   404   404   404   404
# Setting a user's password: the system administrator, who manages accounts.
admin:auth_user_password_change         AL    AL    AL    403   403   403   403   403   403   200   403   403
"""
    )
)

# Who holds which permission on each registered model ("app_model" → view/add/change/delete → roles), as
# accounts/migrations/0008_role_permissions grants them, narrowed by the ModelAdmins themselves. Every
# other staff role gets 403 on the model's pages, every non-staff account the admin's login page.
APPROVER, SYSTEM, AUDIT = ("approver",), ("system_admin",), ("audit_admin",)
ADMIN_RIGHTS: dict[str, dict[str, tuple[str, ...]]] = {
    # Roles and second-factor devices are the security administrator's pages (/manage/), not the admin's.
    "auth_group": {},
    "otp_totp_totpdevice": {},
    "otp_static_staticdevice": {},
    # The audit trail: read by the audit administrator only; nobody adds, changes or deletes a record.
    "audit_auditrecord": {"view": AUDIT},
    "audit_auditarchive": {"view": AUDIT},
    # Accounts: the system administrator (never deletes one: accounts are deactivated, the trail keeps them).
    "accounts_user": {"view": SYSTEM, "add": SYSTEM, "change": SYSTEM},
    "accounts_organization": {"view": SYSTEM, "change": SYSTEM},
    "accounts_notification": {},
    "accounts_delivery": {"view": SYSTEM},
    "reviews_holiday": {"view": SYSTEM, "add": SYSTEM, "change": SYSTEM, "delete": SYSTEM},
    # Policy rounds and items are drafted by the commission's approver; a published one (the world's) is
    # only read, never changed or deleted. Calls and awards recorded from other policies are the
    # approver's; applications are only read in the admin.
    "policies_policyround": {"view": APPROVER, "add": APPROVER},
    "policies_policyitem": {"view": APPROVER, "add": APPROVER},
    "policies_recordedaward": {"view": APPROVER, "add": APPROVER, "change": APPROVER, "delete": APPROVER},
    "applications_call": {"view": APPROVER, "add": APPROVER, "change": APPROVER, "delete": APPROVER},
    "applications_application": {"view": APPROVER},
    # Decisions, 一事一议, 公示 and objections are records of the commission's pages: nobody edits them here.
    "reviews_decision": {},
    "reviews_override": {},
    "reviews_quorumexception": {},
    "reviews_publicnotice": {},
    "reviews_objection": {},
}
# The kinds of per-model admin pattern, and which right a GET needs (the TOTP device's QR code and
# configuration pages need the right to change the device). A POST needs the same, but saving a change
# page needs the right to change (with only the right to view it, the POST is 403).
ADMIN_MODEL_KINDS = {
    "changelist": ("view", "change"),
    "history": ("view", "change"),
    "change": ("view", "change"),
    "add": ("add",),
    "delete": ("delete",),
    "config": ("change",),
    "qrcode": ("change",),
    "redirect": None,  # "<object_id>/" redirects every staff account to the change page
}
STAFF = ROLES[3:]


def admin_row(model: str, kind: str, *, method: str = "GET") -> dict[str, str]:
    """The row of a per-model admin pattern, from ADMIN_RIGHTS."""
    rights = ADMIN_RIGHTS[model]
    needed = ("change",) if (method, kind) == ("POST", "change") else ADMIN_MODEL_KINDS[kind]
    row = {}
    for role in ROLES:
        if role not in STAFF:
            row[role] = "AL"
        elif needed is None:
            row[role] = ">change"
        else:
            row[role] = "200" if any(role in rights.get(right, ()) for right in needed) else "403"
    return row


# ---------------------------------------------------------------- POST (an empty body)

POST = _table(
    """
# url name                              anon  A     B     intk  R1    R2    apprv fin-o fin-a sys   sec   audit
# Public: the policy pages, the calculator (400: no item chosen), 公示 and its objection form.
policies:home                           405
policies:catalogue                      405
policies:round                          405
policies:item                           405
policies:match                          405
policies:calculator                     405
policies:calculator_quote               405
notices:list                            405
notices:detail                          405
notices:object                          400
notices:list_pdf                        405
set_language                            >home
set_elder                               >home

# Accounts. Staff have no organisation: its pages are 404 to them (nothing of theirs to show).
accounts:signup                         200   >org  >org  >org  >org  >org  >org  >org  >org  >org  >org  >org
accounts:login                          200   >org  >org  >intake >my   >my   >decisions >fin-awards >fin-awards >users >roles >audit
accounts:logout                         >home
accounts:password_reset                 200
accounts:password_reset_done            405
accounts:password_reset_confirm         200
accounts:password_reset_complete        405
accounts:signup_verify                  >accounts:signup  >org  >org  >org  >org  >org  >org  >org  >org  >org  >org  >org
accounts:signup_resend                  >accounts:signup
accounts:sms_reset                      400
accounts:sms_reset_verify               >accounts:sms_reset
accounts:sms_reset_resend               >accounts:sms_reset
accounts:email                          L     400  400  400  400  400  400  400  400  400  400  400
accounts:email_verify                   L     >accounts:email  >accounts:email  >accounts:email  >accounts:email  >accounts:email  >accounts:email  >accounts:email  >accounts:email  >accounts:email  >accounts:email  >accounts:email
accounts:session_extend                 L     200  200  200  200  200  200  200  200  200  200  200
accounts:unlock_request                 400
accounts:unlock_code                    400
accounts:unlock_confirm                 400
accounts:organization                   L     405   405   405   405   405   405   405   405   405   405   405
accounts:organization_create            L     >org  >org  200   200   200   200   200   200   200   200   200
accounts:organization_edit              L     200   200   404   404   404   404   404   404   404   404   404
accounts:organization_identity          L     400   400   404   404   404   404   404   404   404   404   404
accounts:organization_document          L     405   405   405   405   405   405   405   405   405   405   405
accounts:organization_join              L     >org  >org  200   200   200   200   200   200   200   200   200
accounts:members                        L     405   405   405   405   405   405   405   405   405   405   405
accounts:approve_member                 L     >members 404   404   404   404   404   404   404   404   404   404
accounts:reject_member                  L     >members 404   404   404   404   404   404   404   404   404   404
accounts:inbox                          L     405   405   405   405   405   405   405   405   405   405   405
accounts:inbox_message                  L     405   405   405   405   405   405   405   405   405   405   405
accounts:inbox_read_all                 L     >inbox >inbox >inbox >inbox >inbox >inbox >inbox >inbox >inbox >inbox >inbox
accounts:preferences                    L     200   200   200   200   200   200   200   200   200   200   200
accounts:deliveries                     L     405   405   405   405   405   405   405   405   405   405   405

# Everyone's own password, second factor and re-authentication (staff always have a confirmed device).
accounts:password_change                L     200   200   200   200   200   200   200   200   200   200   200
accounts:password_change_done           L     405   405   405   405   405   405   405   405   405   405   405
accounts:two_factor                     L     405   405   405   405   405   405   405   405   405   405   405
accounts:two_factor_setup               L     400   400   400   400   400   400   400   400   400   400   400
accounts:two_factor_verify              L     >2fa-setup >2fa-setup >intake >my   >my   >decisions >fin-awards >fin-awards >users >roles >audit
accounts:two_factor_recovery_codes      L     405   405   405   405   405   405   405   405   405   405   405
accounts:two_factor_regenerate          L     403   403   >2fa-codes >2fa-codes >2fa-codes >2fa-codes >2fa-codes >2fa-codes >2fa-codes >2fa-codes >2fa-codes
accounts:two_factor_disable             L     >2fa  >2fa  403   403   403   403   403   403   403   403   403
accounts:reauth                         L     400   400   400   400   400   400   400   400   400   400   400

# The enterprise's applications: A's objects are A's alone — B and every staff member get 404, as for
# an id that does not exist. Staff (no organisation) are sent to the organisation page from the lists.
applications:dashboard                  L     405   405   >org  >org  >org  >org  >org  >org  >org  >org  >org
applications:calls                      L     405   405   >org  >org  >org  >org  >org  >org  >org  >org  >org
applications:start_from_calculator      L     405   405   >org  >org  >org  >org  >org  >org  >org  >org  >org
applications:match                      L     405   405   >org  >org  >org  >org  >org  >org  >org  >org  >org
applications:start                      L     409   >edit >org  >org  >org  >org  >org  >org  >org  >org  >org
applications:detail                     L     405   405   405   405   405   405   405   405   405   405   405
applications:edit                       L     >edit 404   404   404   404   404   404   404   404   404   404
applications:autosave                   L     400   404   404   404   404   404   404   404   404   404   404
applications:upload                     L     >edit 404   404   404   404   404   404   404   404   404   404
applications:remove_attachment          L     >edit 404   404   404   404   404   404   404   404   404   404
applications:download                   L     405   405   405   405   405   405   405   405   405   405   405
applications:submit                     L     400   404   404   404   404   404   404   404   404   404   404
applications:withdraw                   L     >detail 404   404   404   404   404   404   404   404   404   404
applications:copy                       L     >detail 404   404   404   404   404   404   404   404   404   404
applications:delete                     L     >applications:dashboard 404   404   404   404   404   404   404   404   404   404
applications:revision                   L     405   405   405   405   405   405   405   405   405   405   405
applications:document                   L     405   405   405   405   405   405   405   405   405   405   405

# The commission (区科委): intake officers, reviewers (their own assignment only; R2 gets 404, not 403,
# so ids reveal nothing), the commission's approver. Nobody of 区财政局, none of the administrators.
reviews:intake_queue                    L     403   403   405   403   403   403   403   403   403   403   403
reviews:intake_check                    L     403   403   400   403   403   403   403   403   403   403   403
reviews:identity_queue                  L     403   403   405   403   403   403   403   403   403   403   403
reviews:identity_check                  L     403   403   400   403   403   403   403   403   403   403   403
reviews:identity_document               L     403   403   405   403   403   403   403   403   403   403   403
reviews:staff_download                  L     405   405   405   405   405   405   405   405   405   405   405
reviews:assign_queue                    L     403   403   403   403   403   405   403   403   403   403   403
reviews:assign_application              L     403   403   403   403   403   400   403   403   403   403   403
reviews:auto_assign                     L     403   403   403   403   403   >assign 403   403   403   403   403
reviews:my_assignments                  L     403   403   403   405   405   403   403   403   403   403   403
reviews:declare                         L     403   403   403   >score 404   403   403   403   403   403   403
reviews:score                           L     403   403   403   400   404   403   403   403   403   403   403
reviews:decision_queue                  L     403   403   403   403   403   405   403   403   403   403   403
reviews:decide                          L     403   403   403   403   403   400   403   403   403   403   403
reviews:override_propose                L     403   403   403   403   403   400   403   403   403   403   403
reviews:override_confirm                L     403   403   403   403   403   400   403   403   403   403   403
reviews:quorum_exception_propose        L     403   403   403   403   403   400   403   403   403   403   403
reviews:quorum_exception_confirm        L     403   403   403   403   403   400   403   403   403   403   403
reviews:notices                         L     403   403   403   403   403   400   403   403   403   403   403
reviews:notice                          L     403   403   403   403   403   405   403   403   403   403   403
reviews:objection_decide                L     403   403   403   403   403   >notice 403   403   403   403   403
reviews:notice_close                    L     403   403   403   403   403   >notice 403   403   403   403   403
reviews:call_export                     L     403   403   403   403   403   405   403   403   403   403   403
reviews:document                        405

# 区财政局: budgets and awards are read by the commission's approver too; batches are finance's alone.
# Approving money: the finance approver only — never one of the three administrators.
disbursement:budgets                    L     403   403   403   403   403   405   405   405   403   403   403
disbursement:budget_enter               L     403   403   403   403   403   400   403   403   403   403   403
disbursement:budget_confirm             L     403   403   403   403   403   403   >budgets >budgets 403   403   403
disbursement:awards                     L     403   403   403   403   403   405   405   405   403   403   403
disbursement:award                      L     403   403   403   403   403   405   405   405   403   403   403
disbursement:award_approve              L     403   403   403   403   403   403   403   400   403   403   403
disbursement:award_acceptance           L     403   403   403   403   403   400   403   403   403   403   403
disbursement:award_clawback             L     403   403   403   403   403   403   400   403   403   403   403
disbursement:clawback_recovery          L     403   403   403   403   403   403   400   403   403   403   403
disbursement:batches                    L     403   403   403   403   403   403   405   405   403   403   403
disbursement:batch_new                  L     403   403   403   403   403   403   400   403   403   403   403
disbursement:batch                      L     403   403   403   403   403   403   405   405   403   403   403
disbursement:batch_submit               L     403   403   403   403   403   403   >batch 403   403   403   403
disbursement:batch_withdraw             L     403   403   403   403   403   403   >batch 403   403   403   403
disbursement:batch_approve              L     403   403   403   403   403   403   403   >batch 403   403   403
disbursement:batch_return               L     403   403   403   403   403   403   403   >batch 403   403   403
disbursement:payment_paid               L     403   403   403   403   403   403   >batch 403   403   403   403
disbursement:payment_failed             L     403   403   403   403   403   403   >batch 403   403   403   403
disbursement:batch_export               L     403   403   403   403   403   403   405   405   403   403   403
disbursement:batch_sheet                L     403   403   403   403   403   403   405   405   403   403   403
disbursement:batch_notices              L     403   403   403   403   403   403   >batch >batch 403   403   403
disbursement:batch_notices_download     L     403   403   403   403   403   403   405   405   403   403   403
disbursement:award_notice               L     403   403   403   403   403   405   405   405   403   403   403
disbursement:dashboard                  L     403   403   403   403   403   405   405   405   403   403   403
disbursement:agreements                 L     403   403   403   403   403   405   405   405   403   403   403
disbursement:agreement_new              L     403   403   403   403   403   400   403   403   403   403   403
disbursement:agreement                  L     403   403   403   403   403   405   405   405   403   403   403
disbursement:agreement_decide           L     403   403   403   403   403   403   403   400   403   403   403

# The enterprise's awards and bank details: its own organisation only.
awards:mine                             L     405   405   405   405   405   405   405   405   405   405   405
awards:bank_account                     L     400   400   404   404   404   404   404   404   404   404   404
awards:notice_pdf                       L     405   405   405   405   405   405   405   405   405   405   405

# 三权分立: users for the system administrator; roles, locks and the password policy for the security
# administrator; the audit trail for the audit administrator. Nobody else, and never two of them.
administration:users                    L     403   403   403   403   403   403   403   403   405   403   403
administration:user_create              L     403   403   403   403   403   403   403   403   200   403   403
administration:user_edit                L     403   403   403   403   403   403   403   403   200   403   403
administration:user_deactivate          L     403   403   403   403   403   403   403   403   >user 403   403
administration:user_reactivate          L     403   403   403   403   403   403   403   403   >user 403   403
administration:roles                    L     403   403   403   403   403   403   403   403   403   405   403
administration:role_edit                L     403   403   403   403   403   403   403   403   403   >roles 403
administration:locks                    L     403   403   403   403   403   403   403   403   403   405   403
administration:unlock                   L     403   403   403   403   403   403   403   403   403   >locks 403
administration:password_policy          L     403   403   403   403   403   403   403   403   403   200   403
audit:records                           L     403   403   403   403   403   403   403   403   403   403   405
audit:record                            L     403   403   403   403   403   403   403   403   403   403   405
audit:export                            L     403   403   403   403   403   403   403   403   403   403   405
audit:verify                            L     403   403   403   403   403   403   403   403   403   403   200
health:live                             405
health:ready                            405

# The admin's site-wide pages (its per-model pages follow ADMIN_RIGHTS, below).
admin:index                             AL    AL    AL    200   200   200   200   200   200   200   200   200
admin:login                             200
admin:logout                            >admin >admin >admin >home >home >home >home >home >home >home >home >home
admin:password_change                   AL    AL    AL    200   200   200   200   200   200   200   200   200
admin:password_change_done              AL    AL    AL    405   405   405   405   405   405   405   405   405
admin:autocomplete                      AL    AL    AL    405   405   405   405   405   405   405   405   405
admin:jsi18n                            AL    AL    AL    405   405   405   405   405   405   405   405   405
admin:view_on_site                      AL    AL    AL    404   404   404   404   404   404   404   404   404
admin:auth_user_password_change         AL    AL    AL    403   403   403   403   403   403   200   403   403
admin:app_list                          AL    AL    AL    404   404   404   200   404   404   404   404   404
admin:catch_all                         AL    AL    AL    404   404   404   404   404   404   404   404   404

# 年度兑现: an empty claim is a form with its errors; an open claim cannot be decided (back to its page).
awards:claim                            L     405   405   405   405   405   405   405   405   405   405   405
awards:claim_submit                     L     400   404   404   404   404   404   404   404   404   404   404
awards:claim_proof                      L     405   405   405   405   405   405   405   405   405   405   405
disbursement:claims                     L     403   403   403   403   403   405   405   405   403   403   403
disbursement:claim                      L     403   403   403   403   403   405   405   405   403   403   403
disbursement:claim_proof                L     403   403   403   403   403   405   405   405   403   403   403
disbursement:claim_accept               L     403   403   403   403   403   >disbursement:claim 403   403   403   403   403
disbursement:claim_return               L     403   403   403   403   403   >disbursement:claim 403   403   403   403   403
disbursement:claim_refuse               L     403   403   403   403   403   >disbursement:claim 403   403   403   403   403
"""
)

# Who may write with an empty POST, and why it is theirs: their own organisation's membership requests, their
# own messages and recovery codes, their own organisation's drafts, the budget 区财政局 confirms, the account
# the system administrator edits (the form has no required field) and the roles the security administrator
# sets (none ticked is a valid choice).
WRITERS: set[tuple[str, str]] = {
    ("accounts:approve_member", "applicant_a"),
    ("accounts:reject_member", "applicant_a"),
    *(("accounts:inbox_read_all", role) for role in ROLES[1:]),
    *(("accounts:two_factor_regenerate", role) for role in ROLES[3:]),
    # applicant_a already has a draft of the call item: offered it (409), nothing written (issue 15).
    ("applications:start", "applicant_b"),
    ("applications:edit", "applicant_a"),
    ("applications:autosave", "applicant_a"),
    ("applications:remove_attachment", "applicant_a"),
    ("applications:withdraw", "applicant_a"),
    ("applications:delete", "applicant_a"),  # A's own draft (rolled back after the sweep's request)
    ("disbursement:budget_confirm", "finance_officer"),
    ("disbursement:budget_confirm", "finance_approver"),
    # 生成全部拨付通知: finance staff start the job of the batch (a NoticeJob row; the task runs on commit).
    ("disbursement:batch_notices", "finance_officer"),
    ("disbursement:batch_notices", "finance_approver"),
    ("administration:user_deactivate", "system_admin"),
    ("administration:role_edit", "security_admin"),
}

# Tables every request may write to: the audit trail (a refusal is itself recorded) and the sessions.
BOOKKEEPING_TABLES = ("audit_", "django_session", "axes_")
