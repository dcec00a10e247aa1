"""生成全部拨付通知: the 资金拨付通知 of every award a payment batch pays, rendered by a Celery task (eager
here) in fresh child processes into one ZIP; the batch page shows done / total and names each notice that
failed; finance staff (the batch page's roles) start it and download the ZIP, nobody else (403), and a
job of another batch or not finished is 404."""

from __future__ import annotations

import os
import zipfile
from io import BytesIO

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.urls import reverse
from pypdf import PdfReader

import disbursement.tasks  # noqa: F401  registered on the real worker's app before its consumer starts
from accounts.models import Notification
from disbursement import notice_jobs
from disbursement.models import NoticeJob
from tests.disbursement.conftest import login
from tests.disbursement.payment_support import (
    approved_batch,
    bank,
    due_award,
    due_installment,
    service_budget,
)
from tests.documents.pdf_checks import assert_official
from tests.integration.test_celery_worker import redis_worker_app, wait_for  # noqa: F401  (a fixture)

pytestmark = pytest.mark.usefixtures("clock", "private_files", "archives")


@pytest.fixture
def archives(tmp_path):
    field = NoticeJob._meta.get_field("archive")
    original = field.storage
    field.storage = FileSystemStorage(location=tmp_path / "archives", base_url=None)
    yield field.storage
    field.storage = original


@pytest.fixture
def batch(approved_award, call, alice, org_a, bob, org_b, dora, fay, fred, frank):
    """An approved batch paying two awards: 甲公司's ¥600,000 and 乙公司's ¥300,000."""
    bank(alice, org_a)
    bank(bob, org_b, number="31050161393600000123")
    service_budget(dora, fay)
    other = due_award(bob, call, "300000", "乙公司云服务", approver=fred, dora=dora)
    return approved_batch(
        [due_installment(approved_award), due_installment(other)], officer=fay, approver=frank
    )


def start_url(batch):
    return reverse("disbursement:batch_notices", args=[batch.pk])


def download_url(job):
    return reverse("disbursement:batch_notices_download", args=[job.batch_id, job.pk])


def zipped_texts(content: bytes) -> dict[str, str]:
    """Each PDF of the ZIP by name, its text read back (passing every official document's checks)."""
    texts = {}
    with zipfile.ZipFile(BytesIO(content)) as bundle:
        for name in bundle.namelist():
            raw = "".join(page.extract_text() for page in PdfReader(BytesIO(bundle.read(name))).pages)
            assert_official(raw)
            texts[name] = raw.replace(" ", "").replace("\n", "")
    return texts


@pytest.mark.django_db(transaction=True)
def test_generate_all_zips_every_notice_of_the_batch_each_rendered_in_a_child(
    client, batch, fay, fred, monkeypatch
):
    monkeypatch.setattr(notice_jobs, "DOCUMENTS_PER_PROCESS", 1)  # two children, one notice each
    awards = sorted({i.award for i in batch.installments.select_related("award")}, key=lambda a: a.number)

    response = login(client, fay).post(start_url(batch))
    assert response.status_code == 302 and response["Location"].endswith("#notices")

    job = NoticeJob.objects.get(batch=batch)
    assert (job.status, job.done, job.total, job.failures) == (NoticeJob.Status.DONE, 2, 2, [])
    page = login(client, fred).get(reverse("disbursement:batch", args=[batch.pk])).content.decode()
    assert download_url(job) in page
    response = client.get(download_url(job))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Cache-Control"] == "private, no-store"
    texts = zipped_texts(b"".join(response.streaming_content))
    assert sorted(texts) == [f"资金拨付通知-{award.number}.pdf" for award in awards]
    first, second = (texts[f"资金拨付通知-{award.number}.pdf"] for award in awards)
    assert "资金拨付通知" in first and "¥600,000.00" in first and "甲公司" in first
    assert "¥300,000.00" in second and "乙公司" in second
    # The one who started it learns from the inbox that it is ready.
    assert Notification.objects.filter(recipient=fay, event="disbursement.batch_notices").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_notice_that_fails_is_named_and_the_others_are_still_zipped(client, batch, fay, monkeypatch):
    real = notice_jobs.award_notice_pdf

    def failing_for_600k(award):
        if award.amount_fen == 60_000_000:
            raise ValueError("模板出错")
        return real(award)

    monkeypatch.setattr(notice_jobs, "award_notice_pdf", failing_for_600k)  # inherited by the children
    login(client, fay).post(start_url(batch))

    job = NoticeJob.objects.get(batch=batch)
    failed = batch.installments.get(amount_fen=60_000_000).award
    assert job.status == NoticeJob.Status.DONE and job.done == 2
    assert job.failures == [{"award": failed.number, "error": "ValueError: 模板出错"}]
    page = client.get(reverse("disbursement:batch", args=[batch.pk])).content.decode()
    assert failed.number in page and "模板出错" in page
    texts = zipped_texts(b"".join(client.get(download_url(job)).streaming_content))
    assert list(texts) == [f"资金拨付通知-{batch.installments.get(amount_fen=30_000_000).award.number}.pdf"]


def test_the_page_shows_the_progress_and_a_second_click_starts_nothing(client, batch, fay, fred):
    job = NoticeJob.objects.create(
        batch=batch,
        requested_by=fay,
        status=NoticeJob.Status.RUNNING,
        total=2,
        done=1,
        created_at=batch.created_at,
    )
    page = login(client, fred).get(reverse("disbursement:batch", args=[batch.pk])).content.decode()
    assert "已完成 1 / 共 2 份" in page
    assert start_url(batch) not in page  # no second start while one is at work
    assert '<meta http-equiv="refresh"' in page  # the page updates itself; the user may also leave
    response = client.post(start_url(batch), follow=True)
    assert "本批次的拨付通知正在生成中" in response.content.decode()
    assert list(NoticeJob.objects.all()) == [job]


def test_a_finance_officer_starts_it_and_the_task_is_queued_on_commit(
    client, batch, fay, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = login(client, fay).post(start_url(batch), follow=True)
    assert "已开始生成 2 份拨付通知" in response.content.decode()
    job = NoticeJob.objects.get()
    assert (job.status, job.total, job.requested_by) == (NoticeJob.Status.QUEUED, 2, fay)
    assert len(callbacks) == 1


def test_nobody_else_starts_or_downloads_and_nothing_is_saved(client, batch, fay, outsiders, anna, dora):
    job = NoticeJob.objects.create(
        batch=batch,
        requested_by=fay,
        status=NoticeJob.Status.DONE,
        total=2,
        done=2,
        created_at=batch.created_at,
    )
    response = client.post(start_url(batch))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.get(download_url(job)).status_code == 302
    for user in [*outsiders, anna, dora]:
        login(client, user)
        assert client.post(start_url(batch)).status_code == 403, user.username
        assert client.get(download_url(job)).status_code == 403, user.username
    assert list(NoticeJob.objects.all()) == [job]


def test_another_batchs_job_or_an_unfinished_one_is_404(client, batch, call, alice, dora, fay, fred, frank):
    job = NoticeJob.objects.create(
        batch=batch, requested_by=fay, status=NoticeJob.Status.RUNNING, total=2, created_at=batch.created_at
    )
    login(client, fred)
    assert client.get(download_url(job)).status_code == 404  # not finished
    job.status = NoticeJob.Status.DONE
    job.save()
    assert client.get(download_url(job)).status_code == 404  # finished without a file: 404, not 500
    job.archive.save("notices.zip", ContentFile(b"PK\x05\x06" + bytes(18)))
    assert client.get(download_url(job)).status_code == 200
    other = approved_batch(
        [due_installment(due_award(alice, call, "200000", "甲公司云服务", approver=fred, dora=dora))],
        officer=fay,
        approver=frank,
    )
    elsewhere = reverse("disbursement:batch_notices_download", args=[other.pk, job.pk])
    assert client.get(elsewhere).status_code == 404  # the job is the other batch's
    assert client.post(reverse("disbursement:batch_notices", args=[other.pk + 1000])).status_code == 404


@pytest.mark.skipif(
    not os.environ.get("REDIS_URL"), reason="REDIS_URL is not set: no Redis broker (CI sets it)"
)
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("redis_worker_app")
def test_a_real_worker_renders_the_batchs_notices(client, batch, fay):
    """The task through a real Celery worker on Redis (tests/integration's worker): forking the rendering
    children from a worker works, and the job reports its end."""
    login(client, fay).post(start_url(batch))
    job = NoticeJob.objects.get(batch=batch)
    assert wait_for(lambda: not NoticeJob.objects.get(pk=job.pk).active, timeout=180)
    job.refresh_from_db()
    assert (job.status, job.done, job.total) == (NoticeJob.Status.DONE, 2, 2)
    assert len(zipped_texts(b"".join(client.get(download_url(job)).streaming_content))) == 2


@pytest.mark.django_db(transaction=True)
def test_a_child_that_dies_loses_only_its_own_notices(client, batch, fay, monkeypatch):
    monkeypatch.setattr(notice_jobs, "DOCUMENTS_PER_PROCESS", 1)
    real, parent = notice_jobs.award_notice_pdf, os.getpid()

    def killed_on_600k(award):
        if award.amount_fen == 60_000_000 and os.getpid() != parent:
            os._exit(9)  # as the kernel's OOM killer would: no answer at all
        return real(award)

    monkeypatch.setattr(notice_jobs, "award_notice_pdf", killed_on_600k)
    login(client, fay).post(start_url(batch))

    job = NoticeJob.objects.get(batch=batch)
    lost = batch.installments.get(amount_fen=60_000_000).award
    assert (job.status, job.done) == (NoticeJob.Status.DONE, 2)
    assert [failure["award"] for failure in job.failures] == [lost.number]
    assert "ended without an answer" in job.failures[0]["error"]
    assert len(zipped_texts(b"".join(client.get(download_url(job)).streaming_content))) == 1
