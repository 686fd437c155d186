"""SSB Tracker settings: everything comes from environment variables.

With nothing set it runs on a SQLite file, an embedded broker and mail
written to files under ``var/``. The helpers refuse malformed values instead
of guessing, so a typo in production fails at start-up, not at 3 a.m.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)  # SQLite file, embedded broker and mail files live here


def env_str(name: str, default: str = "") -> str:
    """The variable's value; set-but-empty counts as unset (``DATABASE_URL=`` means the default)."""
    return os.environ.get(name) or default


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean (use 1/0, true/false, yes/no)")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

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
    "rest_framework.authtoken",
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
                "subscriptions": "milestones.web.templatetags.subscriptions",
            },
        },
    },
]

DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'ssbtracker.sqlite3'}")
try:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_health_checks=True)}
except ValueError as error:
    raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {error}") from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's psycopg 3 pool: a process holds at most DB_POOL_MAX connections,
    # so gunicorn workers x DB_POOL_MAX must stay under max_connections.
    if env_bool("DB_POOL", True):
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        # With the pool, this makes Django check each connection as it leaves the pool,
        # so a database restart costs one reconnect, not an error per pooled connection.
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": env_int("DB_POOL_MIN", 1),
            "max_size": env_int("DB_POOL_MAX", 4),
            "timeout": env_int("DB_POOL_TIMEOUT", 10),
        }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

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
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Celery (namespace CELERY_) -------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Longer than the longest task (CELERY_TASK_TIME_LIMIT), so an acked-late
        # task is never redelivered while a worker is still running it.
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600),
    }
else:
    # Embedded broker: messages are files under var/, no server needed.
    _broker_dir = VAR_DIR / "broker"
    for _folder in ("out", "processed", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),  # else kombu writes ./control
        "store_processed": False,
    }
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 600)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 540)
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
CELERY_BEAT_SCHEDULE: dict = {}

# --- Mail ------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "SSB Tracker <noreply@ssbtracker.local>")
EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = str(VAR_DIR / "mail")

# --- REST framework ----------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Token first: an anonymous write then gets 401 with "WWW-Authenticate: Token", not 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
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
    # "<count>/<second|minute|hour|day>", checked in the REST API section below.
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("API_THROTTLE_ANON", "300/minute"),
        "user": env_str("API_THROTTLE_USER", "1200/minute"),
    },
    "EXCEPTION_HANDLER": "milestones.api.exceptions.api_exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "SSB Tracker API",
    "DESCRIPTION": "Who promised what in solid-state batteries, by when, and whether it happened.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Fields such as a milestone's target are written as a phrase but read as an object.
    "COMPONENT_SPLIT_REQUEST": True,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

# --- Reminders (issue 5) ------------------------------------------------------
from celery.schedules import crontab  # noqa: E402

from milestones.mail import email_settings  # noqa: E402

# One variable for outgoing mail: smtp://host:port, smtp+tls://user:pass@host:587,
# smtp+ssl://…; unset -> .eml files under var/mail.
EMAIL_URL = env_str("EMAIL_URL")
try:
    globals().update(email_settings(EMAIL_URL, file_path=str(VAR_DIR / "mail")))
except ValueError as error:
    raise ImproperlyConfigured(f"EMAIL_URL: {error}") from None

# Local hour (in TIME_ZONE) after which the scheduled scan sends a day's reminders.
REMINDER_SEND_HOUR = env_int("REMINDER_SEND_HOUR", 9)
if not 0 <= REMINDER_SEND_HOUR <= 23:
    raise ImproperlyConfigured("REMINDER_SEND_HOUR must be an hour from 0 to 23")
REMINDER_SCAN_SECONDS = env_int("REMINDER_SCAN_SECONDS", 300)  # how often beat runs the scan
# A scan also writes reminders that fell due this many days ago (beat was down).
REMINDER_CATCHUP_DAYS = env_int("REMINDER_CATCHUP_DAYS", 7)
REMINDER_BATCH_SIZE = env_int("REMINDER_BATCH_SIZE", 50)  # addresses per send task
REMINDER_MAX_BATCHES = env_int("REMINDER_MAX_BATCHES", 200)  # send tasks enqueued per scan
REMINDER_QUEUE = env_str("REMINDER_QUEUE", "celery")
# A claim's lease outlives the task's hard time limit, so a live sender never
# loses its rows to another; a killed one's rows are reclaimed after it.
REMINDER_LEASE_SECONDS = env_int("REMINDER_LEASE_SECONDS", CELERY_TASK_TIME_LIMIT + 60)
if REMINDER_LEASE_SECONDS <= CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured("REMINDER_LEASE_SECONDS must exceed CELERY_TASK_TIME_LIMIT")
REMINDER_MAX_ATTEMPTS = env_int("REMINDER_MAX_ATTEMPTS", 8)
REMINDER_RETRY_BASE_SECONDS = float(env_str("REMINDER_RETRY_BASE_SECONDS", "60"))
REMINDER_RETRY_CAP_SECONDS = float(env_str("REMINDER_RETRY_CAP_SECONDS", "1800"))
_visibility_timeout = CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 3600)
if REDIS_URL and _visibility_timeout <= REMINDER_RETRY_CAP_SECONDS:
    # A retry countdown beyond the visibility timeout would be redelivered again and again.
    raise ImproperlyConfigured("REMINDER_RETRY_CAP_SECONDS must stay below CELERY_VISIBILITY_TIMEOUT")
# Double opt-in links expire; unsubscribe links never do.
SUBSCRIPTION_CONFIRM_MAX_AGE = env_int("SUBSCRIPTION_CONFIRM_MAX_AGE", 7 * 24 * 3600)
# Sign-ups per client IP per hour (form and API together), and confirmation
# mails per address per hour, so the form cannot be used to flood an inbox.
SUBSCRIBE_RATE_PER_IP = env_int("SUBSCRIBE_RATE_PER_IP", 10)
SUBSCRIBE_RATE_PER_EMAIL = env_int("SUBSCRIBE_RATE_PER_EMAIL", 3)

# A confirmation still unsent after this long is sent by the next tick (broker was down).
CONFIRMATION_GRACE_SECONDS = env_int("CONFIRMATION_GRACE_SECONDS", 60)
CELERY_BEAT_SCHEDULE["reminders-scan"] = {
    "task": "milestones.tasks.reminders_tick",
    "schedule": float(REMINDER_SCAN_SECONDS),
    # A scan that could not run in time is superseded by the next one.
    "options": {"expires": float(REMINDER_SCAN_SECONDS), "queue": REMINDER_QUEUE},
}
CELERY_BEAT_SCHEDULE["editor-digest-weekly"] = {
    "task": "milestones.tasks.editor_digests_tick",
    "schedule": crontab(day_of_week="mon", hour=REMINDER_SEND_HOUR, minute=0),
}

# --- REST API (issue 3) ---------------------------------------------------------
_THROTTLE_RATE = re.compile(r"^[1-9][0-9]*/(s|sec|second|m|min|minute|h|hour|d|day)$")
for _scope, _rate in REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"].items():
    if not _THROTTLE_RATE.match(_rate):
        raise ImproperlyConfigured(
            f"API_THROTTLE_{_scope.upper()}={_rate!r} is not a rate such as 300/minute or 10/second"
        )
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

# --- Reader pages and feeds (issue 4) ---
# Heavy reader pages (timeline, lists) are cached whole, keyed by a fingerprint of
# the data they show, so an edit is visible on the next request (0 turns it off).
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 0 if DEBUG else 300)
# How long a cached page is served without even checking the data: edits show within this.
PAGE_CACHE_FRESH_SECONDS = env_int("PAGE_CACHE_FRESH_SECONDS", 10)
# Pages may not be framed; only the /embed/ views opt out (xframe_options_exempt).
X_FRAME_OPTIONS = "DENY"


# --- Curation: import and export (issue 7) ------------------------------------
IMPORT_EXPORT_USE_TRANSACTIONS = True  # a file applies entirely or not at all
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "change"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"

# --- Production hardening (issue 6) ---
# Everything below is strict when DEBUG is off and relaxed enough with DEBUG on
# that plain http://127.0.0.1 keeps working. Each value can be overridden.
from csp import constants as _csp  # noqa: E402  (underscored: not a setting)

SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# Load balancers probe /healthz over plain HTTP; a redirect would read as "down".
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Only behind a proxy that sets this header itself (e.g. X-Forwarded-Proto): a
# client could forge it otherwise, so it is off unless configured.
_PROXY_SSL_HEADER = env_str("SECURE_PROXY_SSL_HEADER")
if _PROXY_SSL_HEADER:
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _PROXY_SSL_HEADER.upper().replace("-", "_"), "https")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 365 * 24 * 3600)
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

# No inline script anywhere: scripts come from our static files. The nonce is only
# added to the header when a template asks for one (Swagger UI's init script).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [_csp.SELF],
        "script-src": [_csp.SELF, _csp.NONCE],
        "style-src": [_csp.SELF, _csp.NONCE],
        "img-src": [_csp.SELF, "data:"],
        "font-src": [_csp.SELF],
        "connect-src": [_csp.SELF],
        "object-src": [_csp.NONE],
        "base-uri": [_csp.SELF],
        "form-action": [_csp.SELF],
        "frame-ancestors": [_csp.NONE],
        "upgrade-insecure-requests": SECURE_SSL_REDIRECT,
        "report-uri": env_str("CSP_REPORT_URI") or None,
    },
}
# Per path prefix, directives that replace the site policy (ContentSecurityPolicyMiddleware).
CSP_PATH_OVERRIDES = {
    # The embeddable timeline may be framed by any site; X-Frame-Options is lifted by its view.
    "/embed/": {"frame-ancestors": ["*"]},
    # ReDoc injects its styles at run time and searches in a blob: worker.
    "/api/v1/redoc/": {"style-src": [_csp.SELF, _csp.UNSAFE_INLINE], "worker-src": [_csp.SELF, "blob:"]},
}

# A PostgreSQL that does not answer must fail fast (healthz, a restarting server), not hang.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env_int("DB_CONNECT_TIMEOUT", 5)
    )

# Capacity: gunicorn workers x DB_POOL_MAX (+ Celery and maintenance) must stay
# well under PostgreSQL's max_connections; milestones/checks.py warns otherwise.
DB_MAX_CONNECTIONS = env_int(
    "DB_MAX_CONNECTIONS", 0
)  # 0: ask the server (manage.py check --database default)
DB_RESERVED_CONNECTIONS = env_int("DB_RESERVED_CONNECTIONS", 20)  # Celery, beat, psql, migrations

# One JSON object per line (LOG_FORMAT=text for humans); every record carries the request id.
LOG_FORMAT = env_str("LOG_FORMAT", "json")
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(f"LOG_FORMAT={LOG_FORMAT!r} must be json or text")
LOGGING["filters"] = {"request_id": {"()": "milestones.web.middleware.RequestIdLogFilter"}}
LOGGING["formatters"] = {
    "json": {
        "()": "pythonjsonlogger.json.JsonFormatter",
        "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
        "rename_fields": {"asctime": "time", "levelname": "level"},
    },
    "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
}
LOGGING["handlers"]["console"].update(formatter=LOG_FORMAT, filters=["request_id"])

# Error reports go to Sentry only when SENTRY_DSN is set; nothing is sent otherwise.
SENTRY_DSN = env_str("SENTRY_DSN")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.utils import BadDsn

    try:
        sentry_sdk.init(
            dsn=SENTRY_DSN,
            environment=env_str("SENTRY_ENVIRONMENT", "development" if DEBUG else "production"),
            release=env_str("SENTRY_RELEASE") or None,
            traces_sample_rate=float(env_str("SENTRY_TRACES_SAMPLE_RATE", "0")),
            send_default_pii=False,  # no emails, cookies or IPs of readers and subscribers
        )
    except (BadDsn, ValueError) as error:
        raise ImproperlyConfigured(f"SENTRY_DSN / SENTRY_TRACES_SAMPLE_RATE: {error}") from None
