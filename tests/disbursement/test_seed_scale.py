"""manage.py seed_scale: a benchmark world in the services' shapes, with a valid audit chain; refuses bad
input in one line with exit status 2."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from applications.models import Application
from audit.chain import verify_chain
from disbursement.models import Award, Installment, PaymentBatch
from reviews.models import Assignment, NoticeEntry, Score


@pytest.mark.django_db
def test_it_seeds_every_stage_and_the_audit_chain_still_verifies():
    call_command("seed_scale", applications=200, yes_really=True, notifications_per_application=1)
    assert Application.objects.count() == 200
    assert {s for s in Application.objects.values_list("status", flat=True)} >= {
        Application.Status.DRAFT,
        Application.Status.UNDER_REVIEW,
        Application.Status.RECOGNISED,
    }
    assert Assignment.objects.exists() and Score.objects.exists() and NoticeEntry.objects.exists()
    assert Award.objects.exists() and Installment.objects.filter(status="due").exists()
    assert PaymentBatch.objects.exists()
    verdict = verify_chain()
    assert verdict.ok and verdict.checked >= 200 * 10


@pytest.mark.django_db
def test_a_database_with_applications_needs_yes_really():
    call_command("seed_scale", applications=20, yes_really=True, audit_per_application=0)
    with pytest.raises(CommandError, match="--yes-really"):
        call_command("seed_scale", applications=20)


def test_bad_input_is_one_line_and_exit_status_2(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "changning_ai.settings_test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "PYTHONIOENCODING": "utf-8",
    }
    done = subprocess.run(
        [sys.executable, "manage.py", "seed_scale", "--applications", "many"],
        cwd=settings.BASE_DIR,
        env=env,
        encoding="utf-8",
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
