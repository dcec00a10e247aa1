"""Settings fail loudly: production (DEBUG off) has no default secret."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _import_settings(**env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE", "PORTAL_URL"}
    }
    return subprocess.run(
        [sys.executable, "-c", "import changning_ai.settings as s; print(s.TIME_ZONE, s.LANGUAGE_CODE)"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_settings_refuse_to_start_without_a_secret_key():
    result = _import_settings(DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_debug_settings_start_with_shanghai_time_and_chinese():
    result = _import_settings(DEBUG="true")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["Asia/Shanghai", "zh-hans"]


def test_production_settings_start_with_a_secret_key():
    result = _import_settings(
        DEBUG="false", SECRET_KEY="a-real-secret-from-the-environment", PORTAL_URL="https://ai.example.gov.cn"
    )
    assert result.returncode == 0, result.stderr


def test_production_settings_refuse_to_start_without_the_portals_address():
    """E-mail links (password resets, notifications) are built from it, never from a request's Host."""
    result = _import_settings(DEBUG="false", SECRET_KEY="a-real-secret-from-the-environment")
    assert result.returncode != 0
    assert "PORTAL_URL must be set" in result.stderr
    result = _import_settings(
        DEBUG="false", SECRET_KEY="a-real-secret-from-the-environment", PORTAL_URL="ai.example.gov.cn"
    )
    assert result.returncode != 0 and "PORTAL_URL must start with https://" in result.stderr


def _celery_settings(**env: str) -> list[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DJANGO_SETTINGS_MODULE"}}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from changning_ai.celery import app; import django.conf as c;"
            "print(app.conf.task_always_eager, app.conf.broker_url.split(':')[0])",
        ],
        cwd=ROOT,
        env={**clean, "DEBUG": "true", "DJANGO_SETTINGS_MODULE": "changning_ai.settings", **env},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_celery_runs_tasks_eagerly_when_no_broker_is_configured():
    assert _celery_settings() == ["True", "memory"]


def test_celery_uses_redis_when_redis_url_is_set():
    assert _celery_settings(REDIS_URL="redis://127.0.0.1:6379/0") == ["False", "redis"]


def _run_with_settings(code: str, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DJANGO_SETTINGS_MODULE", "BEHIND_PROXY", "LOG_FORMAT", "AUDIT_TRUST_X_FORWARDED_FOR"}
    }
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "changning_ai.settings", "DEBUG": "true", **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_json_logs_are_one_object_per_line():
    code = "import django, logging; django.setup(); logging.getLogger('portal').warning('审计 %s', 7)"
    result = _run_with_settings(code, LOG_FORMAT="json")
    assert result.returncode == 0, result.stderr
    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert (line["level"], line["logger"], line["message"]) == ("WARNING", "portal", "审计 7")
    assert "time" in line


def test_an_unknown_log_format_refuses_to_start():
    result = _run_with_settings("import changning_ai.settings", LOG_FORMAT="xml")
    assert result.returncode != 0 and "LOG_FORMAT must be text or json" in result.stderr


def test_the_proxys_headers_are_believed_only_behind_a_proxy():
    code = "from django.conf import settings as s; print(getattr(s, 'SECURE_PROXY_SSL_HEADER', None))"
    assert _run_with_settings(code).stdout.strip() == "None"
    behind = _run_with_settings(code, BEHIND_PROXY="true").stdout.strip()
    assert behind == "('HTTP_X_FORWARDED_PROTO', 'https')"


S3 = {
    "PRIVATE_STORAGE": "s3",
    "S3_BUCKET": "changning-private",
    "S3_ENDPOINT_URL": "http://127.0.0.1:9000",
    "S3_ACCESS_KEY_ID": "portal",
    "S3_SECRET_ACCESS_KEY": "secret",
}


def test_private_materials_can_live_in_s3_compatible_storage():
    pytest.importorskip("storages", reason="the s3 extra (django-storages) is not installed")
    code = (
        "import django; django.setup(); from django.core.files.storage import storages as s; "
        "p = s['private']; print(type(p).__name__, p.bucket_name, p.default_acl, p.querystring_auth)"
    )
    result = _run_with_settings(code, **S3)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["S3Storage", "changning-private", "None", "True"]


def test_s3_storage_without_its_bucket_refuses_to_start():
    for missing in ({**S3, "S3_BUCKET": ""}, {k: v for k, v in S3.items() if k != "S3_BUCKET"}):
        result = _run_with_settings("import changning_ai.settings", **missing)
        assert result.returncode != 0 and "PRIVATE_STORAGE=s3 needs" in result.stderr
    assert _run_with_settings("import changning_ai.settings", PRIVATE_STORAGE="ftp").returncode != 0
