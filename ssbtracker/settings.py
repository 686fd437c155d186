"""SSB Tracker settings: everything comes from environment variables.

With nothing set it runs on a SQLite file, an embedded broker and mail
written to files under ``var/``. Values are parsed by ``ssbtracker.env``,
which refuses malformed ones instead of guessing. Importing this module has
no side effects: the folders under ``VAR_DIR`` are created when Django starts
(``MilestonesConfig.ready``), not here.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from ssbtracker.apischema import SPECTACULAR_SETTINGS as API_SCHEMA_SETTINGS
from ssbtracker.csp import CSP_PATH_OVERRIDES, content_security_policy  # noqa: F401
from ssbtracker.env import (
    env_bool,
    env_database,
    env_email,
    env_float,
    env_int,
    env_list,
    env_str,
)
from ssbtracker.logconfig import logging_config
from ssbtracker.sentry import sentry_init

BASE_DIR = Path(__file__).resolve().parent.parent
# The SQLite file, embedded broker, mail files, beat schedule and admin password live here.
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-do-not-use-in-production" if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Proxies in front of the app (0: forwarded headers are ignored); see milestones/http.py.
NUM_PROXIES = env_int("NUM_PROXIES", 0, minimum=0, maximum=10)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "knox",  # hashed API keys; the model is milestones.ApiToken (KNOX_TOKEN_MODEL)
    "axes",  # admin sign-in lockout
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "import_export",
    "django_htmx",
    "milestones",
]

MIDDLEWARE = [
    "milestones.web.middleware.RequestLogMiddleware",  # outermost: logs every request, redirects included
    "django.middleware.security.SecurityMiddleware",
    # Compresses what the views write (2.2 MiB timeline -> ~0.1 MiB), with Django's BREACH
    # padding; cached pages carry their gzip bytes already (web/caching.py), static files
    # WhiteNoise's precompressed ones.
    "django.middleware.gzip.GZipMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "milestones.web.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as axes asks: turns a lockout into its page
]

ROOT_URLCONF = "ssbtracker.urls"
WSGI_APPLICATION = "ssbtracker.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            # The reader pages' tags live with the web face, not in an app-level templatetags/.
            "libraries": {
                "timeline": "milestones.web.templatetags.timeline",
                "outlook": "milestones.web.templatetags.outlook",
                "subscriptions": "milestones.web.templatetags.subscriptions",
            },
        },
    },
]


# DATABASE_URL plus the per-engine options (PostgreSQL pool and timeouts, SQLite locking).
DATABASES = {"default": env_database("DATABASE_URL", f"sqlite:///{VAR_DIR / 'ssbtracker.sqlite3'}")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Axes first: it refuses a locked-out sign-in before any password is checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
# After LOGIN_FAILURE_LIMIT wrong passwords for one username from one client address, that
# pair may not sign in for LOGIN_LOCKOUT_MINUTES; each further try restarts the wait.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["ip_address", "username"]]
AXES_CLIENT_IP_CALLABLE = "milestones.admin.lockout.client_ip"  # the address throttles use too
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "milestones.admin.lockout.lockout_response"  # says how long, and what to do
AXES_VERBOSE = False  # no start-up banner; lockouts are still logged

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

REDIS_URL = env_str("REDIS_URL")
# Longer than the longest task (CELERY_TASK_TIME_LIMIT), so an acked-late
# task is never redelivered while a worker is still running it.
_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 3600, minimum=1)
# Without Redis, the embedded broker: messages are files under var/broker, no server
# needed. Its folders are made when Django starts (MilestonesConfig.ready).
CELERY_BROKER_URL = REDIS_URL or "filesystem://"
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {"visibility_timeout": _VISIBILITY_TIMEOUT}
    if REDIS_URL
    else {
        "data_folder_in": str(VAR_DIR / "broker" / "out"),
        "data_folder_out": str(VAR_DIR / "broker" / "out"),
        "processed_folder": str(VAR_DIR / "broker" / "processed"),
        "control_folder": str(VAR_DIR / "broker" / "control"),  # else kombu writes ./control
        "store_processed": False,
    }
)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 600, minimum=1)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 540, minimum=1)
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TIMEZONE = TIME_ZONE
# Publishing gives up quickly when the broker is down: everything a task would do
# is also recorded in the database, and the next beat tick picks it up.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 0.5,
}

DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "SSB Tracker <noreply@ssbtracker.local>")
# One variable for outgoing mail: smtp://host:port, smtp+tls://user:pass@host:587,
# smtp+ssl://…; unset -> .eml files under var/mail (Django's file backend makes the folder).
_MAIL = env_email("EMAIL_URL", file_path=str(VAR_DIR / "mail"))
EMAIL_BACKEND = _MAIL["EMAIL_BACKEND"]
EMAIL_FILE_PATH = _MAIL.get("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
# Django's own defaults unless EMAIL_URL names an SMTP server.
EMAIL_HOST = _MAIL.get("EMAIL_HOST", "localhost")
EMAIL_PORT = _MAIL.get("EMAIL_PORT", 25)
EMAIL_HOST_USER = _MAIL.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _MAIL.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _MAIL.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _MAIL.get("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = _MAIL.get("EMAIL_TIMEOUT")

# DRF's "<count>/<second|minute|hour|day>"; DRF itself would only fail on the first request.
_RATE = r"[1-9][0-9]*/(s|sec|second|m|min|minute|h|hour|d|day)"
_RATE_EXAMPLE = "300/minute or 10/second"
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Token first: an anonymous write then gets 401 with "WWW-Authenticate: Token", not 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "milestones.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.DjangoModelPermissionsOrAnonReadOnly"],
    "DEFAULT_RENDERER_CLASSES": [
        "milestones.api.renderers.OrjsonRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "milestones.api.parsers.OrjsonParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "milestones.api.pagination.KeysetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": [
        "milestones.api.throttling.AnonThrottle",
        "milestones.api.throttling.UserThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("API_THROTTLE_ANON", "300/minute", pattern=_RATE, example=_RATE_EXAMPLE),
        "user": env_str("API_THROTTLE_USER", "1200/minute", pattern=_RATE, example=_RATE_EXAMPLE),
    },
    "EXCEPTION_HANDLER": "milestones.api.exceptions.api_exception_handler",
    "NUM_PROXIES": NUM_PROXIES,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# API keys are kept as SHA-512 hashes (knox) and never expire by themselves: editors revoke them.
KNOX_TOKEN_MODEL = "milestones.ApiToken"
# knox's own migrations would create its default token table even though ours replaces it.
MIGRATION_MODULES = {"knox": None}
REST_KNOX = {"TOKEN_TTL": None, "AUTH_HEADER_PREFIX": "Token", "TOKEN_PREFIX": "ssb_"}
SPECTACULAR_SETTINGS = API_SCHEMA_SETTINGS  # ssbtracker/apischema.py

# One JSON object per line in production, a text line while DEBUG; every record carries the request id.
LOG_FORMAT = env_str("LOG_FORMAT", "text" if DEBUG else "json", choices=("json", "text"))
LOGGING = logging_config(
    LOG_FORMAT,
    env_str("LOG_LEVEL", "INFO", choices=("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")),
)

# Local hour (in TIME_ZONE) after which the scheduled scan sends a day's reminders.
REMINDER_SEND_HOUR = env_int("REMINDER_SEND_HOUR", 9, minimum=0, maximum=23)
REMINDER_SCAN_SECONDS = env_int("REMINDER_SCAN_SECONDS", 300, minimum=1)  # how often beat runs the scan
# A scan also writes reminders that fell due this many days ago (beat was down).
REMINDER_CATCHUP_DAYS = env_int("REMINDER_CATCHUP_DAYS", 7, minimum=0)
REMINDER_BATCH_SIZE = env_int("REMINDER_BATCH_SIZE", 50, minimum=1)  # addresses per send task
REMINDER_MAX_BATCHES = env_int("REMINDER_MAX_BATCHES", 200, minimum=1)  # send tasks enqueued per scan
REMINDER_QUEUE = env_str("REMINDER_QUEUE", "celery")
# A claim's lease outlives the task's hard time limit, so a live sender never
# loses its rows to another; a killed one's rows are reclaimed after it.
REMINDER_LEASE_SECONDS = env_int("REMINDER_LEASE_SECONDS", CELERY_TASK_TIME_LIMIT + 60)
if REMINDER_LEASE_SECONDS <= CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured("REMINDER_LEASE_SECONDS must exceed CELERY_TASK_TIME_LIMIT")
REMINDER_MAX_ATTEMPTS = env_int("REMINDER_MAX_ATTEMPTS", 8, minimum=1)
REMINDER_RETRY_BASE_SECONDS = env_float("REMINDER_RETRY_BASE_SECONDS", 60, minimum=0)
REMINDER_RETRY_CAP_SECONDS = env_float("REMINDER_RETRY_CAP_SECONDS", 1800, minimum=0)
if REDIS_URL and _VISIBILITY_TIMEOUT <= REMINDER_RETRY_CAP_SECONDS:
    # A retry countdown beyond the visibility timeout would be redelivered again and again.
    raise ImproperlyConfigured("REMINDER_RETRY_CAP_SECONDS must stay below CELERY_VISIBILITY_TIMEOUT")
# Double opt-in links expire; unsubscribe links never do.
SUBSCRIPTION_CONFIRM_MAX_AGE = env_int("SUBSCRIPTION_CONFIRM_MAX_AGE", 7 * 24 * 3600, minimum=1)
# Sign-ups per client IP per hour (form and API together), and confirmation
# mails per address per hour, so the form cannot be used to flood an inbox.
SUBSCRIBE_RATE_PER_IP = env_int("SUBSCRIBE_RATE_PER_IP", 10, minimum=1)
SUBSCRIBE_RATE_PER_EMAIL = env_int("SUBSCRIBE_RATE_PER_EMAIL", 3, minimum=1)

# A confirmation still unsent after this long is sent by the next tick (broker was down).
CONFIRMATION_GRACE_SECONDS = env_int("CONFIRMATION_GRACE_SECONDS", 60, minimum=0)

# Webhooks (README, "Webhooks"): public https addresses only, unless WEBHOOK_ALLOW_PRIVATE (closed
# networks, tests); each call is cut off after WEBHOOK_TIMEOUT_SECONDS.
WEBHOOK_ALLOW_PRIVATE = env_bool("WEBHOOK_ALLOW_PRIVATE", False)
WEBHOOK_TIMEOUT_SECONDS = env_float("WEBHOOK_TIMEOUT_SECONDS", 10, minimum=0.05, maximum=60)
WEBHOOK_THREADS = env_int("WEBHOOK_THREADS", 4, minimum=1, maximum=64)  # concurrent calls per sender
WEBHOOK_BATCH_SIZE = env_int("WEBHOOK_BATCH_SIZE", 100, minimum=1, maximum=1000)  # deliveries per claim
WEBHOOK_TICK_SECONDS = env_int("WEBHOOK_TICK_SECONDS", 10, minimum=1)  # beat: due retries, overdue scan
# Finished deliveries (and their attempts) are kept this long for the log; over a week, so an
# overdue event's once-only key outlives the scan's look-back.
WEBHOOK_LOG_DAYS = env_int("WEBHOOK_LOG_DAYS", 30, minimum=8)
# Like reminders: a live sender's claim outlasts its task; a killed one's rows are taken after it.
WEBHOOK_LEASE_SECONDS = env_int("WEBHOOK_LEASE_SECONDS", CELERY_TASK_TIME_LIMIT + 60, minimum=1)
if WEBHOOK_LEASE_SECONDS <= CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured("WEBHOOK_LEASE_SECONDS must exceed CELERY_TASK_TIME_LIMIT")

CELERY_BEAT_SCHEDULE = {
    "reminders-scan": {
        "task": "milestones.tasks.reminders_tick",
        "schedule": float(REMINDER_SCAN_SECONDS),
        # A scan that could not run in time is superseded by the next one.
        "options": {"expires": float(REMINDER_SCAN_SECONDS), "queue": REMINDER_QUEUE},
    },
    "webhooks-tick": {
        "task": "milestones.tasks.webhooks_tick",
        "schedule": float(WEBHOOK_TICK_SECONDS),
        "options": {"expires": float(WEBHOOK_TICK_SECONDS)},
    },
    "editor-digest-weekly": {
        "task": "milestones.tasks.editor_digests_tick",
        "schedule": crontab(day_of_week="mon", hour=REMINDER_SEND_HOUR, minute=0),
    },
}

# Throttle counts must be shared by all gunicorn workers: Redis when there is one.
CACHES = {
    "default": {
        # Errors become misses: an outage of Redis must not take pages and the API down.
        "BACKEND": "ssbtracker.cache.ResilientRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "ssb"),
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

# Heavy reader pages (timeline, lists) are cached whole, keyed by a fingerprint of
# the data they show (milestones/web/caching.py says when an edit shows; 0 turns it off).
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 0 if DEBUG else 300, minimum=0)
# How long a cached page is served without even checking the data: edits show within this.
PAGE_CACHE_FRESH_SECONDS = env_int("PAGE_CACHE_FRESH_SECONDS", 10, minimum=0)
# A changed page confirmed current less than this long ago is served to anonymous readers
# while it is redrawn after the response (0: every reader waits for the redraw).
PAGE_CACHE_STALE_SECONDS = env_int("PAGE_CACHE_STALE_SECONDS", 20, minimum=0)
OUTLOOK_CACHE_SECONDS = env_int("OUTLOOK_CACHE_SECONDS", 600, minimum=0)  # outside view, while claims hold
# Pages may not be framed; only the /embed/ views opt out (xframe_options_exempt).
X_FRAME_OPTIONS = "DENY"

IMPORT_EXPORT_USE_TRANSACTIONS = True  # a file applies entirely or not at all
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "change"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"

# Everything below is strict when DEBUG is off and relaxed enough with DEBUG on
# that plain http://127.0.0.1 keeps working. Each value can be overridden.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# Load balancers probe /healthz over plain HTTP; a redirect would read as "down".
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Only behind a proxy that sets this header itself (e.g. X-Forwarded-Proto): a
# client could forge it otherwise, so it is off unless configured.
_PROXY_SSL_HEADER = env_str(
    "SECURE_PROXY_SSL_HEADER", pattern=r"([A-Za-z0-9-]+)?", example="X-Forwarded-Proto"
)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_" + _PROXY_SSL_HEADER.upper().replace("-", "_"), "https") if _PROXY_SSL_HEADER else None
)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 365 * 24 * 3600, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = env_str("SECURE_REFERRER_POLICY", "strict-origin-when-cross-origin")
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# No inline script anywhere (ssbtracker/csp.py); /embed/, ReDoc and the browsable API differ by path.
CONTENT_SECURITY_POLICY = content_security_policy(
    upgrade_insecure=SECURE_SSL_REDIRECT, report_uri=env_str("CSP_REPORT_URI") or None
)

# Capacity: gunicorn workers x DB_POOL_MAX (+ Celery and maintenance) must stay
# well under PostgreSQL's max_connections; milestones/checks.py warns otherwise.
# 0: ask the server (manage.py check --database default).
DB_MAX_CONNECTIONS = env_int("DB_MAX_CONNECTIONS", 0, minimum=0)
DB_RESERVED_CONNECTIONS = env_int("DB_RESERVED_CONNECTIONS", 20, minimum=0)  # Celery, beat, psql, migrations

# Error reports go to Sentry only when SENTRY_DSN is set (ssbtracker/sentry.py).
SENTRY_DSN = env_str("SENTRY_DSN")
if SENTRY_DSN:
    sentry_init(SENTRY_DSN, debug=DEBUG)
