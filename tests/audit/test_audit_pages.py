"""The audit administrator's pages (/audit/): audrey searches the trail, reads a record's before and after,
exports what she found (and the export is itself recorded), and verifies the hash chain. Nobody else —
not the system or security administrator, not a superuser — may read the trail."""

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.urls import reverse
from openpyxl import load_workbook

from accounts.roles import Role
from audit import views as audit_views
from audit.models import AuditRecord
from audit.services import Result, record
from tests.administration.conftest import CAST, ROLES, login_redirect, person
from tests.factories import UserFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
RECORDS = reverse("audit:records")
EXPORT = reverse("audit:export")
VERIFY = reverse("audit:verify")


@pytest.fixture(autouse=True)
def clock():
    """The tests run on 2026-03-10 in Shanghai; the trail below is from the days before."""
    with time_machine.travel(datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI), tick=False):
        yield


@pytest.fixture
def audrey(db):
    return person("audit_admin")


def at(*when: int):
    """Travel to a moment in Shanghai time."""
    return time_machine.travel(datetime(*when, tzinfo=SHANGHAI), tick=False)


@pytest.fixture
def trail(db):
    """A few records on two Shanghai days around midnight UTC+8, from two people and two addresses."""
    wang = UserFactory(username="wang", roles=[Role.APPLICANT])
    entries = {}
    with at(2026, 3, 1, 23, 30):  # 15:30 UTC on 1 March
        entries["login"] = record("login", obj=wang, user=wang, ip_address="10.0.0.7")
    with at(2026, 3, 2, 0, 30):  # 16:30 UTC on 1 March, but 2 March in Shanghai
        entries["failed"] = record(
            "login",
            result=Result.FAILURE,
            username="mallory",
            ip_address="203.0.113.9",
            detail="登录失败:mallory",
        )
        entries["update"] = record(
            "application.update",
            obj=wang,
            user=wang,
            ip_address="10.0.0.7",
            before={"project_name": "旧名称", "requested_fen": 100},
            after={"project_name": "新名称", "requested_fen": 250},
        )
    with at(2026, 3, 3, 9, 0):
        entries["denied"] = record(
            "permission_denied", result=Result.DENIED, user=wang, detail="GET /finance/"
        )
    return entries


def shown(response) -> list[int]:
    return [entry.seq for entry in response.context["page"].object_list]


# ---------------------------------------------------------------- who may read the trail


def test_the_group_name_is_the_audit_administrators_role():
    assert audit_views.AUDIT_ADMIN_GROUP == Role.AUDIT_ADMIN.value


@pytest.mark.parametrize("role", ROLES)
def test_only_the_audit_administrator_reads_the_trail(client, trail, role):
    client.force_login(person(role))
    expected = 200 if role == "audit_admin" else 403
    detail = reverse("audit:record", args=[trail["update"].pk])
    for url in (RECORDS, detail, EXPORT, VERIFY):
        assert client.get(url).status_code == expected, url
    assert client.post(VERIFY).status_code == expected


@pytest.mark.parametrize("role", [r for r in ROLES if r != "audit_admin"])
def test_a_refused_export_or_verification_is_not_recorded_as_done(client, trail, role):
    client.force_login(person(role))
    client.get(EXPORT)
    client.post(VERIFY)
    assert not AuditRecord.objects.filter(action__in=["audit.export", "audit.verify"]).exists()
    # The refusal itself is (audit.denials).
    assert AuditRecord.objects.filter(action="permission_denied", username=CAST[role][0]).exists()


def test_a_superuser_without_the_role_is_refused(client, trail):
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    assert client.get(RECORDS).status_code == 403
    assert client.get(EXPORT).status_code == 403


def test_a_deactivated_audit_administrator_is_refused(client, audrey, trail):
    client.force_login(audrey)
    audrey.is_active = False
    audrey.save()
    # Django's backend no longer finds the session's user: she is anonymous again.
    assert login_redirect(client.get(RECORDS))


def test_anonymous_visitors_are_sent_to_log_in(client, trail):
    for url in (RECORDS, reverse("audit:record", args=[trail["login"].pk]), EXPORT, VERIFY):
        assert login_redirect(client.get(url)), url
    assert login_redirect(client.post(VERIFY))
    assert not AuditRecord.objects.filter(action="audit.verify").exists()


# ---------------------------------------------------------------- search


def test_the_trail_is_shown_newest_first(client, audrey, trail):
    client.force_login(audrey)
    seqs = shown(client.get(RECORDS))
    assert seqs == sorted(seqs, reverse=True)
    assert seqs[0] == AuditRecord.objects.order_by("-seq").first().seq


def test_the_dates_are_days_in_shanghai_time(client, audrey, trail):
    client.force_login(audrey)
    first = shown(client.get(RECORDS, {"date_from": "2026-03-01", "date_to": "2026-03-01"}))
    assert first == [trail["login"].seq]
    second = shown(client.get(RECORDS, {"date_from": "2026-03-02", "date_to": "2026-03-02"}))
    assert second == [trail["update"].seq, trail["failed"].seq]
    later = shown(client.get(RECORDS, {"date_from": "2026-03-03"}))
    assert trail["denied"].seq in later and trail["update"].seq not in later


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"username": "mallory"}, ["failed"]),
        (
            {"username": "WAN", "date_from": "2026-03-01", "date_to": "2026-03-03"},
            ["denied", "update", "login"],
        ),
        ({"action": "login", "date_to": "2026-03-09"}, ["failed", "login"]),
        ({"action": "application."}, ["update"]),
        ({"result": "failure"}, ["failed"]),
        ({"result": "denied", "date_to": "2026-03-03"}, ["denied"]),
        ({"ip_address": "203.0.113.9"}, ["failed"]),
        ({"ip_address": "10.0.0.7", "action": "login"}, ["login"]),
    ],
)
def test_the_filters_find_what_they_name(client, audrey, trail, params, expected):
    client.force_login(audrey)
    assert shown(client.get(RECORDS, params)) == [trail[name].seq for name in expected]


def test_the_object_filters_find_one_objects_records(client, audrey, trail):
    wang_id = trail["login"].object_id
    client.force_login(audrey)
    found = shown(
        client.get(RECORDS, {"object_type": "ACCOUNTS.USER", "object_id": wang_id, "action": "login"})
    )
    assert found == [trail["login"].seq]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"date_from": "2026-13-45"}, "date_from"),
        ({"date_to": "yesterday"}, "date_to"),
        ({"date_from": "9999-12-31"}, "date_from"),
        ({"date_to": "0001-01-01"}, "date_to"),
        ({"date_from": "2026-03-03", "date_to": "2026-03-01"}, "__all__"),
        ({"result": "bogus"}, "result"),
        ({"ip_address": "999.1.1.1"}, "ip_address"),
        ({"ip_address": "10.0.0.7'; DROP TABLE audit_auditrecord;--"}, "ip_address"),
        ({"username": "x" * 151}, "username"),
    ],
)
def test_a_bad_filter_value_gets_a_message_and_no_results_never_an_error(
    client, audrey, trail, params, field
):
    client.force_login(audrey)
    response = client.get(RECORDS, params)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert shown(response) == []
    assert "筛选条件有误" in response.content.decode()


def test_the_trail_is_paginated_by_fifty(client, audrey):
    for n in range(60):
        record("test.entry", detail=str(n))
    client.force_login(audrey)
    first = client.get(RECORDS, {"action": "test.entry"})
    assert len(first.context["page"].object_list) == 50
    assert first.context["page"].paginator.count == 60
    second = client.get(RECORDS, {"action": "test.entry", "page": 2})
    assert [e.detail for e in second.context["page"].object_list] == [str(n) for n in range(9, -1, -1)]
    assert "action=test.entry&amp;page=2" in first.content.decode()


def test_the_search_runs_the_same_number_of_queries_for_few_and_many(
    client, audrey, django_assert_num_queries
):
    record("test.entry")
    client.force_login(audrey)
    client.get(RECORDS)  # warm up
    # session, user, OTP device, the role check, the paginator's count, the page of records, the header's
    # unread count
    with django_assert_num_queries(7) as few:
        client.get(RECORDS, {"action": "test.entry"})
    for n in range(40):
        record("test.entry", detail=str(n), before={"n": n}, after={"n": n + 1})
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(RECORDS, {"action": "test.entry"})
    assert len(response.context["page"].object_list) == 41


def test_the_user_search_matches_part_of_a_name_in_any_case_and_takes_wildcards_literally(client, audrey):
    for name in ("zhang_san", "ZHANGxSAN", "li%si", "lisi"):
        record("test.entry", username=name, detail=name)
    client.force_login(audrey)

    def found(text: str) -> set[str]:
        return {e.username for e in client.get(RECORDS, {"username": text}).context["page"].object_list}

    assert found("ang_s") == {"zhang_san"}  # "_" is an underscore, not "any character"
    assert found("zhang") == {"zhang_san", "ZHANGxSAN"}
    assert found("I%S") == {"li%si"}
    assert found("nobody") == set()


def test_the_user_search_runs_the_same_number_of_queries_for_few_and_many(
    client, audrey, django_assert_num_queries
):
    record("test.entry", username="zhou")
    client.force_login(audrey)
    client.get(RECORDS)  # warm up
    # as the search by action, and one more: the names in the trail that contain the text (audit.filters)
    with django_assert_num_queries(8) as few:
        client.get(RECORDS, {"username": "zho"})
    for n in range(40):
        record("test.entry", username=f"zhou{n % 3}", detail=str(n))
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(RECORDS, {"username": "zho"})
    assert response.context["page"].paginator.count == 41


# ---------------------------------------------------------------- one record


def test_a_record_shows_every_field_and_its_before_and_after_as_a_table(client, audrey, trail):
    entry = trail["update"]
    client.force_login(audrey)
    response = client.get(reverse("audit:record", args=[entry.pk]))
    assert response.context["rows"] == [("project_name", "旧名称", "新名称"), ("requested_fen", "100", "250")]
    html = response.content.decode()
    assert entry.hash in html and entry.prev_hash in html
    assert "10.0.0.7" in html and "application.update" in html
    assert "2026-03-02 00:30:00" in html  # Shanghai time


def test_roles_and_object_types_are_named_in_words_not_codes(client, audrey, db):
    """The record keeps the codes (they are hashed into the chain); the pages show what they mean."""
    dora = UserFactory(username="dora", roles=[Role.COMMISSION_APPROVER, Role.EXPERT_REVIEWER])
    entry = record("user.update", obj=dora, user=dora)
    assert entry.roles == "commission_approver,expert_reviewer" and entry.object_type == "accounts.user"
    client.force_login(audrey)
    listing = client.get(RECORDS).content.decode()
    row = listing.split(f'id="record-{entry.seq}"', 1)[1].split("</tr>", 1)[0]
    assert "审定人员(区科委)、评审专家" in row and "commission_approver" not in row
    assert "用户 #" in row
    page = client.get(reverse("audit:record", args=[entry.pk])).content.decode()
    assert "审定人员(区科委)、评审专家" in page
    client.cookies["django_language"] = "en"
    english = client.get(reverse("audit:record", args=[entry.pk])).content.decode()
    assert "Approving officer (District Science and Technology Commission), Expert reviewer" in english


def test_a_record_with_only_an_after_side_shows_an_empty_before(client, audrey, db):
    entry = record("user.groups.add", after={"groups": ["applicant"]})
    client.force_login(audrey)
    response = client.get(reverse("audit:record", args=[entry.pk]))
    assert response.context["rows"] == [("groups", "", '["applicant"]')]


def test_an_unknown_record_is_not_found(client, audrey):
    client.force_login(audrey)
    assert client.get(reverse("audit:record", args=[999_999])).status_code == 404


def test_html_in_a_record_is_shown_as_text(client, audrey, db):
    entry = record("login", result=Result.FAILURE, username="<script>alert(1)</script>", detail="<b>x</b>")
    client.force_login(audrey)
    html = client.get(reverse("audit:record", args=[entry.pk])).content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "<b>x</b>" not in html


# ---------------------------------------------------------------- export


def export_rows(response) -> list[tuple]:
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert response["Content-Disposition"].startswith('attachment; filename="audit-')
    sheet = load_workbook(io.BytesIO(response.content)).active
    return list(sheet.iter_rows(values_only=True))


def test_the_export_holds_every_column_of_the_filtered_records_with_chinese_headers(client, audrey, trail):
    client.force_login(audrey)
    with at(2026, 3, 4, 9, 0):
        response = client.get(EXPORT, {"date_from": "2026-03-02", "date_to": "2026-03-02"})
    rows = export_rows(response)
    assert rows[0] == (
        "序号", "时间(北京时间)", "用户ID", "用户", "角色", "IP地址", "操作", "对象类型", "对象ID", "对象",
        "结果", "变更前", "变更后", "说明", "前一条哈希", "哈希",
    )  # fmt: skip
    update, failed = trail["update"], trail["failed"]
    assert [row[0] for row in rows[1:]] == [update.seq, failed.seq]
    assert rows[1][1] == "2026-03-02T00:30:00.000000+08:00"
    assert rows[1][6] == "application.update" and rows[1][10] == "成功"
    assert rows[1][11] == '{"project_name": "旧名称", "requested_fen": 100}'
    assert rows[1][12] == '{"project_name": "新名称", "requested_fen": 250}'
    assert (rows[1][14], rows[1][15]) == (update.prev_hash, update.hash)
    assert (rows[2][3], rows[2][5], rows[2][10]) == ("mallory", "203.0.113.9", "失败")


def test_the_export_is_recorded_with_its_filter(client, audrey, trail):
    client.force_login(audrey)
    client.get(EXPORT, {"action": "login", "result": "failure"})
    entry = AuditRecord.objects.get(action="audit.export")
    assert entry.username == "audrey"
    assert "导出 1 条" in entry.detail
    assert '"action": "login"' in entry.detail and '"result": "failure"' in entry.detail


def test_hostile_text_stays_text_in_the_export(client, audrey, db):
    record(
        "login", result=Result.FAILURE, username='=HYPERLINK("http://evil.example","x")', detail="a\x01b\x1bc"
    )
    client.force_login(audrey)
    rows = export_rows(client.get(EXPORT, {"action": "login", "result": "failure"}))
    assert rows[1][3] == '\'=HYPERLINK("http://evil.example","x")'  # shown as text, never run
    assert rows[1][13] == "a\\x01b\\x1bc"
    sheet = load_workbook(io.BytesIO(client.get(EXPORT, {"action": "login"}).content)).active
    assert sheet.cell(row=2, column=4).data_type == "s"


def test_an_export_with_a_bad_filter_goes_back_to_the_search_and_records_nothing(client, audrey, trail):
    client.force_login(audrey)
    response = client.get(EXPORT, {"date_from": "2026-02-30"})
    assert response.status_code == 302
    assert response.url == RECORDS + "?date_from=2026-02-30"
    page = client.get(response.url)
    assert "筛选条件有误" in page.content.decode() and "date_from" in page.context["form"].errors
    assert not AuditRecord.objects.filter(action="audit.export").exists()


def test_an_export_too_large_for_one_file_asks_to_narrow_it(client, audrey, trail, monkeypatch):
    monkeypatch.setattr("audit.exports.MAX_ROWS", 2)
    client.force_login(audrey)
    response = client.get(EXPORT, follow=True)
    assert "请缩小日期范围" in response.content.decode()
    assert not AuditRecord.objects.filter(action="audit.export").exists()


# ---------------------------------------------------------------- verifying the chain


def test_the_verify_page_only_explains_until_asked(client, audrey, trail):
    client.force_login(audrey)
    response = client.get(VERIFY)
    assert response.context["verdict"] is None and "开始校验" in response.content.decode()
    assert not AuditRecord.objects.filter(action="audit.verify").exists()


def test_an_intact_chain_is_reported_and_the_check_recorded(client, audrey, trail):
    client.force_login(audrey)
    count = AuditRecord.objects.count()
    response = client.post(VERIFY)
    assert response.context["verdict"].ok and response.context["verdict"].checked == count
    assert "哈希链完整" in response.content.decode()
    entry = AuditRecord.objects.get(action="audit.verify")
    assert entry.result == Result.SUCCESS and entry.username == "audrey"


def tamper(entry: AuditRecord, detail: str) -> None:
    """Change a record behind the ORM's back, as someone with database access would."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The append-only trigger refuses it; the table owner can switch it off (undone with the test).
            cursor.execute("ALTER TABLE audit_auditrecord DISABLE TRIGGER audit_record_append_only")
        cursor.execute("UPDATE audit_auditrecord SET detail = %s WHERE id = %s", [detail, entry.pk])


def test_a_tampered_record_is_named_and_the_failure_recorded(client, audrey, trail):
    tamper(trail["failed"], "无事发生")
    client.force_login(audrey)
    response = client.post(VERIFY)
    verdict = response.context["verdict"]
    assert not verdict.ok and verdict.first_break.seq == trail["failed"].seq
    html = response.content.decode()
    assert "哈希链断裂" in html and f"第 {trail['failed'].seq} 条" in html
    assert reverse("audit:record", args=[trail["failed"].pk]) in html
    entry = AuditRecord.objects.get(action="audit.verify")
    assert entry.result == Result.FAILURE and f"第 {trail['failed'].seq} 条" in entry.detail


def test_the_chain_check_covers_records_made_later_too(client, audrey, trail):
    with at(2026, 3, 5, 9, 0):
        later = record("test.entry")
    tamper(later, "changed")
    client.force_login(audrey)
    assert client.post(VERIFY).context["verdict"].first_break.seq == later.seq


def test_a_nul_byte_in_a_filter_is_refused_before_the_page_runs(client, audrey, trail):
    """A NUL byte reaches no query (PostgreSQL cannot compare it): changning_ai.middleware refuses it."""
    client.force_login(audrey)
    response = client.get(RECORDS, {"username": "wang\x00"})
    assert response.status_code == 400 and "请求无效" in response.content.decode()
