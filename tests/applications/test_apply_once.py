"""Apply once, lose nothing (issue 15): an upload keeps what was typed and says how it went where the user is;
withdrawn or returned applications are copied to a new draft (files copied, not shared); drafts are deleted
with their files; starting again offers the draft already being filled in; amounts typed any way are shown
formatted on pages, in the PDF and in e-mails.

alice (甲公司's administrator) and anna (a member) may do all of it for 甲公司; bob (乙公司), carol (intake),
sam (staff without an organisation) get a 404; an anonymous visitor is sent to log in.
"""

from __future__ import annotations

from datetime import datetime
from io import BytesIO
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from pypdf import PdfReader

from applications import services
from applications.models import Application, Attachment, Call, CallItem, StatusEvent
from audit.models import AuditRecord
from tests.applications.conftest import EXE, SHANGHAI, call_item, draft, pdf, submitted
from tests.documents.pdf_checks import assert_official

pytestmark = pytest.mark.usefixtures("clock", "private_files")

CODE = "project_plan"  # a required material of 7.1


def edit_url(application) -> str:
    return reverse("applications:edit", args=[application.pk])


def typed(**changes) -> dict[str, str]:
    """The wizard's fields as the browser posts them with a material button (the form attribute)."""
    data = {
        "with_draft": "1",
        "self_raised_investment": "2000000",
        "matter_type": "project",
        "matter_ref": "智能视觉平台研发",
        "project_name": "智能视觉平台研发",
        "description": "",
    }
    data.update(changes)
    return data


def stored_files(storage) -> list[Path]:
    return sorted(path for path in Path(storage.location).rglob("*") if path.is_file())


def result_region(html: str) -> str:
    start = html.index('id="upload-result"')
    return html[html.rindex("<", 0, start) : html.index("</p>", start)]


# ---------------------------------------------------------------- an upload keeps the typing


def test_an_upload_saves_what_was_typed_with_it_and_says_so_in_the_materials_card(client, alice, call):
    application = draft(alice, call)
    client.force_login(alice)
    data = typed(
        self_raised_investment="3,000,000", project_name="未保存就上传的项目名称", material_code=CODE
    )
    data[f"file-{CODE}"] = pdf("方案.pdf")
    response = client.post(reverse("applications:upload", args=[application.pk]), data)
    assert response.status_code == 302
    assert response["Location"] == edit_url(application) + "#upload-result"
    application.refresh_from_db()
    assert application.project_name == "未保存就上传的项目名称"
    assert application.facts["self_raised_investment"] == "3,000,000"
    assert application.attachments.get().original_name == "方案.pdf"
    html = client.get(response["Location"]).content.decode()
    region = result_region(html)
    assert 'role="status"' in region and 'tabindex="-1"' in region
    assert "已上传“方案.pdf”。填写的内容已一并保存。" in region
    # In the card of that material, not at the top of the page.
    assert html.index(f'id="material-{CODE}"') < html.index('id="upload-result"')
    assert '<ul class="messages"' not in html


def test_a_refused_upload_keeps_the_typing_and_gives_the_exact_refusal_as_an_alert(client, alice, call):
    application = draft(alice, call)
    client.force_login(alice)
    data = typed(project_name="改过的名称", material_code=CODE)
    data[f"file-{CODE}"] = pdf("方案.pdf", EXE)
    response = client.post(reverse("applications:upload", args=[application.pk]), data, follow=True)
    region = result_region(response.content.decode())
    assert 'role="alert"' in region
    assert "文件“方案.pdf”不是 PDF、JPG、PNG、OFD 格式" in region and "填写的内容已一并保存" in region
    application.refresh_from_db()
    assert application.project_name == "改过的名称"
    assert not Attachment.objects.exists()


def test_pressing_upload_without_a_file_still_keeps_the_typing(client, alice, call):
    application = draft(alice, call)
    client.force_login(alice)
    response = client.post(
        reverse("applications:upload", args=[application.pk]),
        typed(description="写了一半的简介", material_code=CODE),
        follow=True,
    )
    assert "请选择要上传的文件。" in result_region(response.content.decode())
    application.refresh_from_db()
    assert application.description == "写了一半的简介"


def test_typing_that_cannot_be_stored_comes_back_as_typed_and_the_file_is_left_alone(
    client, alice, call, private_files
):
    application = draft(alice, call)
    client.force_login(alice)
    too_long = "名" * 201
    data = typed(project_name=too_long, description="简介", material_code=CODE)
    data[f"file-{CODE}"] = pdf("方案.pdf")
    response = client.post(reverse("applications:upload", args=[application.pk]), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert too_long in html and "草稿未保存,请按提示更正。" in html
    assert "文件未处理:填写的内容有需要更正之处" in result_region(html)
    application.refresh_from_db()
    assert application.project_name == "智能视觉平台研发"  # a refusal changes nothing
    assert not Attachment.objects.exists() and stored_files(private_files) == []


def test_removing_a_file_saves_the_typing_too(client, alice, call):
    application = draft(alice, call)
    attachment = services.add_attachment(
        actor=alice, application=application, material_code=CODE, upload=pdf()
    )
    client.force_login(alice)
    url = reverse("applications:remove_attachment", args=[application.pk, attachment.pk])
    response = client.post(url, typed(project_name="删除时的新名称"), follow=True)
    assert "已删除“材料.pdf”。填写的内容已一并保存。" in result_region(response.content.decode())
    application.refresh_from_db()
    assert application.project_name == "删除时的新名称"


def test_the_material_controls_post_the_wizards_form(client, alice, call):
    application = draft(alice, call)
    services.add_attachment(actor=alice, application=application, material_code=CODE, upload=pdf())
    client.force_login(alice)
    html = client.get(edit_url(application)).content.decode()
    assert '<input type="hidden" name="with_draft" value="1">' in html
    assert f'name="file-{CODE}" form="application-form"' in html
    upload = reverse("applications:upload", args=[application.pk])
    assert f'form="application-form" formaction="{upload}" formenctype="multipart/form-data"' in html
    assert 'form="application-form" formaction="/applications/' in html.split("material__files")[1]


def test_an_upload_from_another_organisation_is_404_and_saves_nothing(client, alice, bob, call):
    application = draft(alice, call)
    client.force_login(bob)
    data = typed(project_name="乙公司写的", material_code=CODE)
    data[f"file-{CODE}"] = pdf()
    assert client.post(reverse("applications:upload", args=[application.pk]), data).status_code == 404
    application.refresh_from_db()
    assert application.project_name == "智能视觉平台研发"


# ---------------------------------------------------------------- copying


def copy_url(application) -> str:
    return reverse("applications:copy", args=[application.pk])


def withdrawn(user, call, **kwargs) -> Application:
    application = submitted(user, call, **kwargs)
    services.withdraw_application(actor=user, application=application, reason="材料需要重做")
    application.refresh_from_db()
    return application


def test_a_withdrawn_application_is_copied_with_facts_matter_project_and_file_copies(
    client, alice, call, private_files
):
    original = withdrawn(alice, call)
    client.force_login(alice)
    page = client.get(copy_url(original))
    assert page.status_code == 200
    html = page.content.decode()
    assert "将带入新草稿的内容" in html and "2,000,000.00 元" in html and "确认复制" in html
    response = client.post(copy_url(original))
    copy = Application.objects.exclude(pk=original.pk).get()
    assert response["Location"] == edit_url(copy)
    assert copy.status == Application.Status.DRAFT and copy.number is None
    assert copy.call_item == original.call_item and copy.created_by == alice
    assert copy.facts == original.facts
    for name in ("matter_type", "matter_ref", "project_name", "description"):
        assert getattr(copy, name) == getattr(original, name)
    originals = {a.material_code: a for a in original.attachments.filter(is_current=True)}
    copies = {a.material_code: a for a in copy.attachments.all()}
    assert set(copies) == set(originals)
    for code, duplicate in copies.items():
        assert duplicate.file.name != originals[code].file.name  # a copy in storage, not a shared reference
        assert (
            duplicate.sha256 == originals[code].sha256
            and duplicate.original_name == originals[code].original_name
        )
        with duplicate.file.open("rb") as a, originals[code].file.open("rb") as b:
            assert a.read() == b.read()
    assert len(stored_files(private_files)) == 2 * len(originals)
    event = StatusEvent.objects.get(application=copy)
    assert event.note == f"复制自申报 {original.number}"
    record = AuditRecord.objects.get(action="application.copy")
    assert (
        record.object_id == str(copy.pk) and original.number in record.detail and record.username == "alice"
    )
    assert "已复制为新的草稿" in client.get(response["Location"]).content.decode()


def test_deleting_the_copy_leaves_the_originals_files(
    client, alice, call, private_files, django_capture_on_commit_callbacks
):
    original = withdrawn(alice, call)
    copy = services.copy_application(actor=alice, application=original)
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_draft(actor=alice, application=copy)
    for attachment in original.attachments.all():
        with attachment.file.open("rb") as content:
            assert content.read()
    assert len(stored_files(private_files)) == original.attachments.count()


def test_a_returned_application_is_copied_by_a_member(client, alice, anna, carol, call):
    original = submitted(alice, call)
    services.return_for_correction(actor=carol, application=original, reasons="请补充审计报告")
    client.force_login(anna)
    response = client.post(copy_url(original))
    copy = Application.objects.exclude(pk=original.pk).get()
    assert response["Location"] == edit_url(copy) and copy.created_by == anna
    original.refresh_from_db()
    assert original.status == Application.Status.RETURNED  # the original is left as it was


def test_a_copy_goes_to_the_open_call_of_the_item_when_its_own_has_closed(client, alice, call, clock):
    original = withdrawn(alice, call)
    later = Call.objects.create(
        round=call.round,
        year=2026,
        title="2026 年度人工智能专项申报",
        opens_at=datetime(2026, 3, 1, 9, 0, tzinfo=SHANGHAI),
        closes_at=datetime(2026, 4, 30, 17, 0, tzinfo=SHANGHAI),
    )
    CallItem.objects.create(call=later, item=original.item)
    clock.move_to(datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI))
    client.force_login(alice)
    assert "2026 年度人工智能专项申报" in client.get(copy_url(original)).content.decode()
    client.post(copy_url(original))
    copy = Application.objects.exclude(pk=original.pk).get()
    assert copy.call_item.call == later and copy.queue_opens_at == later.opens_at


def test_no_copy_while_no_call_of_the_item_is_open_and_the_page_says_why(client, alice, call, clock):
    original = withdrawn(alice, call)
    clock.move_to(datetime(2025, 5, 2, 10, 0, tzinfo=SHANGHAI))
    client.force_login(alice)
    html = client.get(copy_url(original)).content.decode()
    assert "项目 7.1 目前没有正在受理的申报批次,暂不能复制;批次开放后可再复制。" in html
    assert "确认复制" not in html
    response = client.post(copy_url(original), follow=True)
    assert "目前没有正在受理的申报批次" in response.content.decode()
    assert Application.objects.count() == 1


@pytest.mark.parametrize("state", ["draft", "submitted"])
def test_an_application_still_in_play_is_not_copied(client, alice, call, state):
    application = draft(alice, call) if state == "draft" else submitted(alice, call)
    client.force_login(alice)
    for response in (client.get(copy_url(application)), client.post(copy_url(application))):
        assert response.status_code == 302
        assert response["Location"] == reverse("applications:detail", args=[application.pk])
    assert Application.objects.count() == 1
    with pytest.raises(ValidationError, match="不能复制"):
        services.copy_application(actor=alice, application=application)


def test_copying_beside_an_open_draft_of_the_same_matter_offers_that_draft(client, alice, call):
    original = withdrawn(alice, call)
    existing = draft(alice, call, matter="智能视觉平台研发")
    client.force_login(alice)
    html = client.get(copy_url(original)).content.decode()
    assert "已有正在填写的同一申报" in html and f'href="{edit_url(existing)}"' in html
    assert "仍然复制为新的草稿" in html
    response = client.post(copy_url(original))
    assert response.status_code == 409 and f'href="{edit_url(existing)}"' in response.content.decode()
    assert Application.objects.count() == 2
    client.post(copy_url(original), {"duplicate_ok": "1"})
    assert Application.objects.count() == 3


def test_another_matters_draft_is_not_offered_as_the_same(client, alice, call):
    original = withdrawn(alice, call)
    draft(alice, call, matter="另一个项目")
    client.force_login(alice)
    assert "已有正在填写的同一申报" not in client.get(copy_url(original)).content.decode()


# ---------------------------------------------------------------- deleting drafts


def delete_url(application) -> str:
    return reverse("applications:delete", args=[application.pk])


def test_a_draft_is_deleted_after_confirmation_with_its_files(
    client, anna, alice, call, private_files, django_capture_on_commit_callbacks
):
    application = draft(alice, call)
    services.add_attachment(actor=alice, application=application, material_code=CODE, upload=pdf("方案.pdf"))
    client.force_login(anna)
    page = client.get(delete_url(application))
    html = page.content.decode()
    assert page.status_code == 200 and "方案.pdf" in html and "确认删除草稿" in html
    assert Application.objects.filter(pk=application.pk).exists()  # GET changes nothing
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(delete_url(application))
    assert response["Location"] == reverse("applications:dashboard")
    assert not Application.objects.filter(pk=application.pk).exists()
    assert not Attachment.objects.exists() and stored_files(private_files) == []
    actions = set(AuditRecord.objects.filter(username="anna").values_list("action", flat=True))
    assert {"application.delete", "attachment.delete"} <= actions
    assert "草稿已删除,其材料文件也已删除。" in client.get(response["Location"]).content.decode()


def test_the_detail_page_offers_delete_for_a_draft_and_copy_for_a_withdrawn_one(client, alice, call):
    application = draft(alice, call)
    client.force_login(alice)
    html = client.get(reverse("applications:detail", args=[application.pk])).content.decode()
    assert f'href="{delete_url(application)}"' in html and copy_url(application) not in html
    services.withdraw_application(actor=alice, application=application)
    html = client.get(reverse("applications:detail", args=[application.pk])).content.decode()
    assert f'href="{copy_url(application)}"' in html and delete_url(application) not in html
    dashboard = client.get(reverse("applications:dashboard")).content.decode()
    assert f'<a href="{copy_url(application)}">复制为新的草稿</a>' in dashboard


@pytest.mark.parametrize("state", ["submitted", "returned", "withdrawn"])
def test_an_application_once_submitted_or_withdrawn_is_never_deleted(client, alice, carol, call, state):
    application = submitted(alice, call)
    if state == "returned":
        services.return_for_correction(actor=carol, application=application, reasons="补正")
    elif state == "withdrawn":
        services.withdraw_application(actor=alice, application=application)
    client.force_login(alice)
    for response in (client.get(delete_url(application)), client.post(delete_url(application), follow=True)):
        assert response.status_code in (200, 302)
    assert "只能删除从未提交的草稿" in response.content.decode()
    assert Application.objects.filter(pk=application.pk).exists()
    assert application.attachments.exists()
    with pytest.raises(ValidationError, match="只能删除从未提交的草稿"):
        services.delete_draft(actor=alice, application=application)


# ---------------------------------------------------------------- who may


@pytest.mark.parametrize("who", ["bob", "carol", "sam"])
@pytest.mark.parametrize("page", ["copy", "delete"])
def test_nobody_outside_the_organisation_may_copy_or_delete(client, request, alice, call, who, page):
    application = withdrawn(alice, call) if page == "copy" else draft(alice, call)
    client.force_login(request.getfixturevalue(who))
    url = reverse(f"applications:{page}", args=[application.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"duplicate_ok": "1"}).status_code == 404
    assert Application.objects.count() == 1
    assert Application.objects.get().status == application.status


@pytest.mark.parametrize("page", ["copy", "delete"])
def test_an_anonymous_visitor_is_sent_to_log_in(client, alice, call, page):
    application = draft(alice, call)
    url = reverse(f"applications:{page}", args=[application.pk])
    for response in (client.get(url), client.post(url)):
        assert response.status_code == 302 and "/login" in response["Location"]
    assert Application.objects.filter(pk=application.pk).exists()


def test_a_user_of_another_organisation_cannot_copy_or_delete_through_the_services(alice, bob, call):
    application = draft(alice, call)
    with pytest.raises(Exception, match="只有本单位的成员"):
        services.delete_draft(actor=bob, application=application)
    services.withdraw_application(actor=alice, application=application)
    with pytest.raises(Exception, match="只有本单位的成员"):
        services.copy_application(actor=bob, application=application)


@pytest.mark.parametrize("page", ["copy", "delete"])
def test_an_id_that_does_not_exist_is_404(client, alice, page):
    client.force_login(alice)
    assert client.get(reverse(f"applications:{page}", args=[999999])).status_code == 404


# ---------------------------------------------------------------- starting twice


def start_url(call, code="7.1") -> str:
    return reverse("applications:start", args=[call_item(call, code).pk])


def test_starting_again_offers_the_draft_being_filled_in(client, alice, call):
    existing = draft(alice, call)
    client.force_login(alice)
    html = client.get(start_url(call)).content.decode()
    assert "本单位已有该项目正在填写的申报" in html
    assert f'href="{edit_url(existing)}"' in html and "继续填写“智能视觉平台研发”" in html
    assert "仍然新建草稿" in html and 'name="duplicate_ok"' in html
    response = client.post(start_url(call))  # a form of an older page, with no duplicate_ok
    assert response.status_code == 409 and f'href="{edit_url(existing)}"' in response.content.decode()
    assert Application.objects.count() == 1
    response = client.post(start_url(call), {"duplicate_ok": "1"})
    assert Application.objects.count() == 2
    assert response["Location"] == edit_url(Application.objects.exclude(pk=existing.pk).get())


def test_no_offer_for_another_item_or_another_organisations_draft(client, alice, bob, call):
    draft(alice, call, code="8.3", facts={"total_investment": "1"})
    draft(bob, call)
    client.force_login(alice)
    html = client.get(start_url(call)).content.decode()
    assert "本单位已有该项目正在填写的申报" not in html and "开始申报" in html
    assert client.post(start_url(call)).status_code == 302


def test_a_withdrawn_or_submitted_application_is_not_offered_as_a_draft(client, alice, call):
    withdrawn(alice, call)
    client.force_login(alice)
    assert "本单位已有该项目正在填写的申报" not in client.get(start_url(call)).content.decode()


# ---------------------------------------------------------------- amounts formatted everywhere


def test_facts_typed_any_way_are_shown_formatted_on_the_pages(client, alice, call):
    application = draft(alice, call, facts={"self_raised_investment": "２００万"})
    client.force_login(alice)
    html = client.get(reverse("applications:detail", args=[application.pk])).content.decode()
    assert "2,000,000.00 元" in html and "２００万" not in html
    autosave = client.post(
        reverse("applications:autosave", args=[application.pk]), typed(self_raised_investment="1.5亿")
    )
    assert autosave.json()["quote"]["amount"] == "3000000.00"  # 30% of 150,000,000, at most 3,000,000


def test_the_application_pdf_prints_a_fact_typed_in_wan_as_the_grouped_amount(client, alice, call):
    application = submitted(alice, call, facts={"self_raised_investment": "200万"})
    client.force_login(alice)
    response = client.get(reverse("applications:document", args=[application.pk, "application"]))
    assert response.status_code == 200
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(response.content)).pages)
    assert_official(text)  # no raw 2000000 元, no template syntax, no None
    flat = text.replace(" ", "").replace("\n", "")
    assert "2,000,000.00元" in flat and "200万" not in flat
    assert "¥600,000.00" in flat


def test_e_mails_carry_the_formatted_amount(django_capture_on_commit_callbacks, alice, call):
    from reviews import notifications

    application = submitted(alice, call)
    decision = SimpleNamespace(pk=1, recommended=True, amount_fen=200_000_000, reasons="符合条件")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        notifications.application_decided(application, decision)
    assert mail.outbox and all("¥2,000,000.00" in m.body for m in mail.outbox)
    assert not any("2000000" in m.body for m in mail.outbox)
