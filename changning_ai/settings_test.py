"""Test settings: production settings with the few changes a test run needs.

Tests run with DEBUG off, like production; only the secret, HTTPS redirects, the manifest static storage
(which needs collectstatic) and the slow password hasher differ.
"""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("PORTAL_URL", "https://ai.changning.example.gov.cn")
os.environ.setdefault("DATABASE_URL", "sqlite://:memory:")

from policies.signing import self_signed

from .settings import *  # noqa: F403
from .settings import STORAGES

# Uploaded files of a test run go to a throw-away folder, never into the working tree.
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="changning-media-"))
# Each test process its own anchor file (tests that anchor point it at their tmp_path).
AUDIT_ANCHOR_FILE = Path(tempfile.mkdtemp(prefix="changning-anchor-")) / "audit-anchor.log"
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "private": {**STORAGES["private"], "OPTIONS": {"location": MEDIA_ROOT / "private", "base_url": None}},
}
# Documents are signed in tests as in production: a throw-away key and certificate for this run.
_signing = Path(tempfile.mkdtemp(prefix="changning-signing-"))
self_signed(_signing / "key.pem", _signing / "cert.pem", common_name="长宁区科学技术委员会(测试证书)")
DOCUMENT_SIGNING_KEY = str(_signing / "key.pem")
DOCUMENT_SIGNING_CERT = str(_signing / "cert.pem")
# Each test process keeps its own cache, emptied before every test (tests/conftest.py): rate-limit counters
# and queue markers of one test, or of another xdist worker, never reach the next. (Redis is exercised
# as Celery's broker by tests/integration.)
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Sessions in the database whether or not REDIS_URL is set: the query-count pins count the session's read,
# the same with and without a broker. (Production reads them from Redis: cached_db, one query fewer.)
SESSION_ENGINE = "django.contrib.sessions.backends.db"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
LANGUAGE_COOKIE_SECURE = False
CELERY_TASK_ALWAYS_EAGER = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
