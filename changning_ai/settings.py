"""Settings for the 长宁区 AI subsidy portal.

Everything that differs between a laptop, CI and production comes from the environment
(django-environ); a bad value fails loudly at start-up rather than at the first request.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

# Production has no default secret: without DEBUG the key must come from the environment.
if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="insecure-development-key-only-for-debug")
else:
    try:
        SECRET_KEY = env.str("SECRET_KEY")
    except ImproperlyConfigured as exc:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.") from exc

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Demo accounts (make run) are created only when this is on; never set it in production.
DEMO_MODE = env.bool("DEMO_MODE", default=False)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "audit",
    "accounts",
    "policies",
    "applications",
    "reviews",
    "disbursement",
    "administration",
    "operations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # NUL bytes refused, Permissions-Policy, no-store for logged-in pages (changning_ai.middleware).
    "changning_ai.middleware.HardeningMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "changning_ai.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "audit.context.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Idle timeout, staff password expiry and the staff second factor (accounts.middleware).
    "accounts.middleware.AccountSecurityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a lockout raised during authentication into the lockout page.
    "axes.middleware.AxesMiddleware",
    # Turns a tripped @ratelimit into the 429 page (RATELIMIT_VIEW) before anything treats it as a 403.
    "django_ratelimit.middleware.RatelimitMiddleware",
]
RATELIMIT_VIEW = "changning_ai.ratelimit.limited"
# The rates of changning_ai.ratelimit.rate(name) (django-ratelimit syntax: count / period, e.g. "10/h",
# "60/10m"): per client (the address) and per target (the account or address a request is about). Sized so
# that a person never meets them and a script does: password spraying, reset floods, sign-up floods.
RATELIMITS = {
    "login-client": env.str("RATELIMIT_LOGIN_CLIENT", default="60/10m"),
    "reset-client": env.str("RATELIMIT_RESET_CLIENT", default="10/h"),
    "reset-target": env.str("RATELIMIT_RESET_TARGET", default="3/h"),
    "signup-client": env.str("RATELIMIT_SIGNUP_CLIENT", default="10/h"),
    "quote-client": env.str("RATELIMIT_QUOTE_CLIENT", default="120/m"),
    # Verification codes (SMS and e-mail): each one costs money and reaches a person's phone, so per number
    # (or address) a few an hour, per client a few more; a wrong code is counted per code (VERIFICATION_*).
    "code-target": env.str("RATELIMIT_CODE_TARGET", default="5/h"),
    "code-client": env.str("RATELIMIT_CODE_CLIENT", default="20/h"),
}

ROOT_URLCONF = "changning_ai.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.inbox",
                "accounts.context_processors.idle_timeout",
                "changning_ai.elder.elder_mode",
            ],
            # {{ obj|label:"status" }} everywhere: a choice's label translated once (changning_ai/labels.py).
            "builtins": ["changning_ai.labels"],
        },
    },
]

WSGI_APPLICATION = "changning_ai.wsgi.application"
ASGI_APPLICATION = "changning_ai.asgi.application"

# SQLite is only the embedded default of `make run`; CI and production set DATABASE_URL to PostgreSQL.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "accounts.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # 等级保护: three of the four character classes (upper, lower, digit, symbol).
    {"NAME": "accounts.password_validation.CharacterClassValidator", "OPTIONS": {"min_classes": 3}},
    # Not the username, the e-mail's mailbox name or the mobile number, in any case.
    {"NAME": "accounts.password_validation.UserIdentifierValidator"},
]

# Applicants log in by email or mobile number; staff made in the admin may still use their username.
# django-axes first: it refuses a locked account before any password is checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "accounts.backends.IdentifierBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "/accounts/organization/"
LOGOUT_REDIRECT_URL = "/"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded materials live outside the web root and are served only through permission-checked views.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Applicants' materials: not under any URL; only permission-checked views read them.
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT / "private", "base_url": None},
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# With several web hosts the private materials must be shared: PRIVATE_STORAGE=s3 keeps them in an
# S3-compatible bucket (MinIO, a cloud's object storage) through django-storages (the "s3" extra of
# pyproject.toml), never public (no ACL, URLs signed) and still served only through the permission-checked
# views. Local disk under MEDIA_ROOT stays the default.
PRIVATE_STORAGE = env.str("PRIVATE_STORAGE", default="local")
if PRIVATE_STORAGE == "s3":
    try:
        STORAGES["private"] = {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": env.str("S3_BUCKET"),
                "endpoint_url": env.str("S3_ENDPOINT_URL", default="") or None,
                "region_name": env.str("S3_REGION", default="") or None,
                "access_key": env.str("S3_ACCESS_KEY_ID"),
                "secret_key": env.str("S3_SECRET_ACCESS_KEY"),
                "location": env.str("S3_LOCATION", default="private"),
                "default_acl": None,
                "querystring_auth": True,
                "file_overwrite": False,
            },
        }
    except ImproperlyConfigured as exc:
        raise ImproperlyConfigured(f"PRIVATE_STORAGE=s3 needs {exc}") from exc
    if not STORAGES["private"]["OPTIONS"]["bucket_name"]:
        raise ImproperlyConfigured("PRIVATE_STORAGE=s3 needs S3_BUCKET")
elif PRIVATE_STORAGE != "local":
    raise ImproperlyConfigured(f"PRIVATE_STORAGE must be local or s3: {PRIVATE_STORAGE!r}")

# Email: console in development; SMTP (or any backend) from the environment in production.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://" if DEBUG else "smtp://localhost:25")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="长宁区科委 <noreply@example.gov.cn>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Text messages (verification codes) go through a backend like Django's e-mail backends (accounts.sms):
# with SMS_URL set, the HTTP adapter POSTs JSON to the provider's gateway with SMS_TOKEN as a bearer token;
# without it, the console backend writes them to the log (make run) and keeps them in accounts.sms.outbox.
SMS_URL = env.str("SMS_URL", default="")
SMS_TOKEN = env.str("SMS_TOKEN", default="")
SMS_SIGN_NAME = env.str("SMS_SIGN_NAME", default="长宁区科委")
SMS_TIMEOUT = env.float("SMS_TIMEOUT", default=10.0)
SMS_BACKEND = env.str(
    "SMS_BACKEND", default="accounts.sms.HttpSmsBackend" if SMS_URL else "accounts.sms.ConsoleSmsBackend"
)
# A verification code: 6 digits, valid 5 minutes, refused after 5 wrong tries (then a new one is needed).
VERIFICATION_CODE_TTL_SECONDS = env.int("VERIFICATION_CODE_TTL_SECONDS", default=5 * 60)
VERIFICATION_CODE_MAX_ATTEMPTS = env.int("VERIFICATION_CODE_MAX_ATTEMPTS", default=5)
# A hanging mail server must fail the attempt (and let the task retry) well inside the task's time limit.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
# Links in e-mails are absolute: the portal's address as its users reach it. Required in production: a
# link built from the request's Host header (Django's default for password resets) can be pointed anywhere.
if DEBUG:
    PORTAL_URL = env.str("PORTAL_URL", default="http://127.0.0.1:8000")
else:
    try:
        PORTAL_URL = env.str("PORTAL_URL")
    except ImproperlyConfigured as exc:
        raise ImproperlyConfigured("PORTAL_URL must be set when DEBUG is off.") from exc
if not PORTAL_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured(f"PORTAL_URL must start with https:// (or http://): {PORTAL_URL!r}")
PORTAL_URL = PORTAL_URL.rstrip("/")

# The payer of the bank file's header block (disbursement/exports.py): 区财政局's paying account. The
# defaults are demo values, marked as such, so a demo file can never be mistaken for a real instruction.
PAYER_ACCOUNT_NAME = env.str("PAYER_ACCOUNT_NAME", default="上海市长宁区财政局(演示)")
PAYER_ACCOUNT_NUMBER = env.str("PAYER_ACCOUNT_NUMBER", default="0000000000000000")
PAYER_BANK = env.str("PAYER_BANK", default="演示银行上海长宁支行")
# The bank's file layout: disbursement/bank_layouts/<name>.json. Another bank's template is a new file.
BANK_LAYOUT = env.str("BANK_LAYOUT", default="default")
if not (BASE_DIR / "disbursement" / "bank_layouts" / f"{BANK_LAYOUT}.json").is_file():
    raise ImproperlyConfigured(f"BANK_LAYOUT names no file in disbursement/bank_layouts/: {BANK_LAYOUT!r}")

# Official documents are signed (PAdES) with the commission's key and certificate, PEM files named here;
# `make run` makes a self-signed demo pair (manage.py demo_signing_certificate). Unset: unsigned, and said so.
DOCUMENT_SIGNING_KEY = env.str("DOCUMENT_SIGNING_KEY", default="")
DOCUMENT_SIGNING_CERT = env.str("DOCUMENT_SIGNING_CERT", default="")
DOCUMENT_SIGNING_PASSPHRASE = env.str("DOCUMENT_SIGNING_PASSPHRASE", default="")

# Celery: with no broker configured tasks run eagerly in process, so `make run` needs no Redis.
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_ACKS_LATE = True
# The queue tasks go to and workers read: one Redis may serve more than one portal (staging beside
# production, or parallel test runs), each on its own queue.
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
# Scheduled work (`celery -A changning_ai beat`), in Shanghai time (CELERY_TIMEZONE). Every task is
# idempotent, so a beat that fires twice, or a worker that retries, tells nobody twice.
CELERY_BEAT_SCHEDULE = {
    "remind-drafts": {  # drafts under calls closing within three days: once per call
        "task": "applications.tasks.remind_drafts",
        "schedule": crontab(hour=9, minute=0),
    },
    "close-due-notices": {  # 公示 windows that have passed: 认定, or back to decision
        "task": "reviews.tasks.close_due_notices",
        "schedule": crontab(minute="*/10"),
    },
    "remind-overdue-reviews": {  # assignments open longer than the call's review_overdue_days
        "task": "reviews.tasks.remind_overdue_reviews",
        "schedule": crontab(hour=9, minute=30),
    },
    "release-and-remind-installments": {  # installments whose year has come, and the due reminders
        "task": "disbursement.tasks.release_and_remind",
        "schedule": crontab(hour=7, minute=0),
    },
    "yearly-claim-windows": {  # 年度兑现: windows that open (the reminder) and close (the run ends)
        "task": "disbursement.tasks.yearly_claim_windows",
        "schedule": crontab(hour=7, minute=10),
    },
    "daily-digest": {  # staff who chose one digest instead of single e-mails
        "task": "accounts.tasks.send_daily_digest",
        "schedule": crontab(hour=8, minute=0),
    },
    "requeue-deliveries": {  # e-mails queued while the broker was unreachable
        "task": "accounts.tasks.requeue_deliveries",
        "schedule": crontab(minute="*/15"),
    },
    "audit-anchor": {  # the audit chain's head, written outside the database (audit.anchor)
        "task": "audit.tasks.anchor_audit_head",
        "schedule": crontab(minute="*/5"),
    },
}

# With REDIS_URL (every production host) the cache is Redis, shared by all web processes and hosts: rate-limit
# counters and cached sessions agree whichever gunicorn worker answers. Without it (make run),
# one process's memory.
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
# Sessions are read from Redis and written through to the database (cached_db): fast on every request, and
# a Redis restart logs nobody out.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db" if REDIS_URL else "django.contrib.sessions.backends.db"
)

# ---- 等级保护 2.0 (issue 7) ------------------------------------------------------------------------
# Accounts: five failed logins lock the account for 30 minutes — from that client (account and address
# together, issue 14): someone who only knows a username locks themselves out, not its owner logging in
# from elsewhere; and attempts during the lock do not restart it. Across clients, failures slow the account
# down instead (accounts.security.login_delay: a growing wait, at most LOGIN_DELAY_MAX_SECONDS). A locked
# owner unlocks with an e-mailed link (/accounts/unlock/); `manage.py unlock_account` is the break glass.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
LOGIN_DELAY_AFTER_FAILURES = 5
LOGIN_DELAY_MAX_SECONDS = 60
ACCOUNT_UNLOCK_LINK_MAX_AGE = timedelta(minutes=30)
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_USERNAME_CALLABLE = "accounts.security.axes_username"
AXES_LOCKOUT_CALLABLE = "accounts.security.lockout_response"
AXES_ENABLE_ADMIN = False  # the security administrator's page (/manage/security/locks/) shows and lifts locks
# Sessions end after 30 minutes without a request (accounts.middleware refreshes the expiry at most once a
# minute, so a page view does not write the session every time). Two minutes before, the page warns and
# offers 继续办理 (static/js/session.js, WCAG 2.2.1). Both readable from the environment so a browser test
# can use seconds instead of minutes.
SESSION_IDLE_SECONDS = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_IDLE_WARNING_SECONDS = env.int("SESSION_IDLE_WARNING_SECONDS", default=2 * 60)
if not 0 < SESSION_IDLE_WARNING_SECONDS < SESSION_IDLE_SECONDS:
    raise ImproperlyConfigured("SESSION_IDLE_WARNING_SECONDS must be above 0 and below SESSION_IDLE_SECONDS.")
# A few minutes longer than the idle limit, so the middleware (not a vanished session) ends an idle session
# and can say why.
SESSION_COOKIE_AGE = SESSION_IDLE_SECONDS + 5 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
STAFF_PASSWORD_MAX_AGE_DAYS = 90
# Staff must pass a second factor (TOTP, or a recovery code) before any page but the login pages.
OTP_REQUIRED_FOR_STAFF = True
OTP_TOTP_ISSUER = "长宁区AI政策平台"
# Approving a batch, confirming 一事一议 and changing bank details need the password (and code) again
# if the last proof is older than this.
REAUTH_MAX_AGE_SECONDS = 5 * 60
AUDIT_RETENTION_DAYS = 180
# The audit chain's HMAC key. Keep it outside the database (and its backups): without it an edit cannot be
# hidden by recomputing the chain. Changing it makes the existing chain fail verification.
AUDIT_HMAC_KEY = env.str("AUDIT_HMAC_KEY", default=SECRET_KEY)
AUDIT_ARCHIVE_DIR = Path(env.str("AUDIT_ARCHIVE_DIR", default=str(BASE_DIR / "var" / "audit-archive")))
# The chain's head, appended every few minutes outside the database (audit.anchor): put it where the
# application cannot rewrite it (chattr +a, another volume, or a log shipped off the host).
AUDIT_ANCHOR_FILE = Path(env.str("AUDIT_ANCHOR_FILE", default=str(BASE_DIR / "var" / "audit-anchor.log")))
# Every save and delete of these models is recorded with the changed fields before and after.
AUDITED_MODELS = [
    "accounts.User",
    "accounts.Organization",
    "accounts.Membership",
    "accounts.SecurityPolicy",
    "policies.PolicyRound",
    "policies.PolicyItem",
    "policies.RecordedAward",
    "applications.Call",
    "applications.CallItem",
    "applications.Application",
    "applications.Attachment",
    "reviews.IntakeCheck",
    "reviews.Assignment",
    "reviews.Score",
    "reviews.Decision",
    "reviews.Override",
    "reviews.QuorumException",
    "reviews.PublicNotice",
    "reviews.Objection",
    "reviews.Holiday",
    "disbursement.Budget",
    "disbursement.Award",
    "disbursement.Installment",
    "disbursement.BankAccount",
    "disbursement.PaymentBatch",
    "disbursement.PaymentRecord",
    "disbursement.Clawback",
    "disbursement.YearlyClaim",
    "disbursement.SupportAgreement",
]
CSRF_FAILURE_VIEW = "audit.denials.csrf_failure"
# Content-Security-Policy (django-csp): no inline script or style anywhere; everything from the portal.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
SECURE_REFERRER_POLICY = "same-origin"
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
# The health probes answer over plain HTTP on the host itself (a load balancer or systemd probing gunicorn
# directly); everything else is redirected to HTTPS.
SECURE_REDIRECT_EXEMPT = [r"^health/"]

# ---- Health (operations.health) ----------------------------------------------------------------------
# /health/ready/ fails below this much free disk under MEDIA_ROOT, and when no Celery worker answers a ping
# within this time (with a broker; tasks running eagerly need no worker).
HEALTH_MIN_FREE_DISK_MB = env.int("HEALTH_MIN_FREE_DISK_MB", default=1024)
HEALTH_CELERY_PING_TIMEOUT = timedelta(seconds=env.float("HEALTH_CELERY_PING_TIMEOUT", default=2.0))

# ---- Behind a reverse proxy (deploy/nginx/changning-ai.conf) ----------------------------------------
# Only when the portal is reachable solely through its own proxy may the proxy's headers be believed: the
# scheme (X-Forwarded-Proto, for HTTPS redirects and Secure cookies) and the client's address (X-Real-IP,
# read by audit.context.client_ip for audit records, django-axes and django-ratelimit alike). Without a
# proxy these headers are whatever the client chose to send, and are ignored.
# (AUDIT_TRUST_X_FORWARDED_FOR is the setting's former name, still read so an old .env keeps working.)
BEHIND_PROXY = env.bool("BEHIND_PROXY", default=env.bool("AUDIT_TRUST_X_FORWARDED_FOR", default=False))
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
AXES_CLIENT_IP_CALLABLE = "audit.context.client_ip"
RATELIMIT_IP_META_KEY = "audit.context.client_ip"
# Private downloads answered by the proxy (nginx X-Accel-Redirect to an internal location) instead of
# streamed by a gunicorn worker: the URL prefix of that internal location, e.g. "/_private/". Off (empty) by
# default, and ignored when the private storage is not on local disk. changning_ai.downloads reads it.
MEDIA_ACCEL_REDIRECT_PREFIX = env.str("MEDIA_ACCEL_REDIRECT_PREFIX", default="")
if MEDIA_ACCEL_REDIRECT_PREFIX and not (
    MEDIA_ACCEL_REDIRECT_PREFIX.startswith("/") and MEDIA_ACCEL_REDIRECT_PREFIX.endswith("/")
):
    raise ImproperlyConfigured(
        f"MEDIA_ACCEL_REDIRECT_PREFIX must start and end with '/': {MEDIA_ACCEL_REDIRECT_PREFIX!r}"
    )

# Logs go to stderr (journald under systemd). LOG_FORMAT=json writes one JSON object per line
# (python-json-logger) for a log collector; "text" (the default) is for people reading a terminal.
LOG_FORMAT = env.str("LOG_FORMAT", default="text")
if LOG_FORMAT not in {"text", "json"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be text or json: {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(process)d %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(process)d %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            "json_ensure_ascii": False,
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}

# Where already-awarded sums come from (policies.ledger); higher apps add their own sources here.
POLICY_AWARD_LEDGERS = [
    "policies.ledger.recorded_awards",
    "applications.ledger.portal_awards",
    "disbursement.ledger.yearly_claims",  # years 2 and 3 of a 连续补贴 run, each for its rent year
]
# Called inside reviews' close_notice transaction for each application it recognises (认定), with
# application= and actor=; reviews never imports the finance app (DESIGN.md: dependencies point one way).
RECOGNITION_HOOKS = ["disbursement.services.awards.create_award"]
# The calls open now, for the public pages of policies (home, calculator, 政策匹配), which never import the
# applications app: a function (at=None) → call items with call, call.round and item fetched.
OPEN_CALL_ITEMS = "applications.selectors.open_call_items"
# The money side of an application's timeline and dashboard row past 已认定 (applications.progress): the
# finance app derives it from its awards, installments, payments and yearly claims; applications never
# imports the finance app.
AWARD_PROGRESS = "disbursement.progress.award_progress"
# Art. 2 good standing beyond the organisation's own record (the ruling of 2026-12-02): each returns the
# reasons, in Chinese, why the organisation is not in good standing; policies never imports the finance app.
ORGANIZATION_STANDING_CHECKS = ["disbursement.selectors.unresolved_clawback_reasons"]

# Materials: PDF, JPG, PNG and OFD only, checked by content; at most 20 MB each.
MATERIAL_MAX_BYTES = 20 * 1024 * 1024
# Request size: a material is a file of at most MATERIAL_MAX_BYTES (nginx's client_max_body_size is that
# plus a margin for the form); everything else a form posts is small. A request body other than a file is
# refused above 2.5 MB, and an upload above 2.5 MB is spooled to a temporary file instead of held in memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# The largest forms post a few hundred fields (the batch form's chosen installments, the reviewer lists);
# beyond this a POST is refused (400) before any form code runs. One file per upload form.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000
DATA_UPLOAD_MAX_NUMBER_FILES = 5
