"""Settings, all from the environment (see README "Configuration").

With no environment the project runs embedded: SQLite under var/, Celery tasks executed
eagerly, console e-mail. DATABASE_URL and REDIS_URL switch to PostgreSQL and real workers.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SWITCHBOARD_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise RuntimeError("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is false")
    SECRET_KEY = "insecure-dev-key-only-for-the-embedded-demo-000000000000000000"
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "accounts.admin_site.SwitchboardAdminConfig",  # django.contrib.admin, open to managers by role
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "django_tables2",
    "django_filters",
    "ninja",  # its templates and static files: /api/v1/docs serves Swagger UI from here, not a CDN
    "csp",
    "accounts",
    "skills",
    "dispatch",
    "psa",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.timezones.ViewerTimeZoneMiddleware",  # times in the viewer's zone (docs/ui.md, Times)
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "accounts.context_processors.roles",
            ],
        },
    }
]

DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "switchboard.sqlite3"),
            # Writers queue on the lock (busy timeout, seconds) instead of failing with "database is
            # locked", and take it when their transaction starts (IMMEDIATE), so two approvals of one
            # ticket serialise as they do on PostgreSQL: one 200, then 409 (tests/dispatch/test_sqlite_concurrency.py).
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
            # Tests use a file too: Django's default in-memory test database shares one cache
            # between connections, where a second writer fails at once ("table is locked")
            # instead of waiting as it does on the real file.
            "TEST": {"NAME": str(VAR_DIR / "test_switchboard.sqlite3")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
FORMS_URLFIELD_ASSUME_HTTPS = True  # the Django 6 default, opted into now

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
AUTHENTICATION_BACKENDS = ["accounts.backends.RoleBackend"]
LOGIN_REDIRECT_URL = "dispatch:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
# One date format on every page (config/formats/en/formats.py; `when` in accounts/templatetags/times.py).
FORMAT_MODULE_PATH = ["config.formats"]
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Celery: eager (in-process) unless a broker is configured.
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TIMEZONE = "UTC"
# One queue per deployment (or per test session: tests/integration), so a stray worker of
# another checkout on the same Redis cannot take its tasks.
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "celery")
# Assignment pushes have a queue of their own, served by its own worker (`-Q push`), so an
# approval never waits behind a long sync. A worker started without -Q consumes both queues.
# A deployment with its own CELERY_QUEUE gets its own push queue too ("<queue>.push").
PSA_PUSH_QUEUE = os.environ.get("CELERY_PUSH_QUEUE") or (
    "push" if CELERY_TASK_DEFAULT_QUEUE == "celery" else f"{CELERY_TASK_DEFAULT_QUEUE}.push"
)
CELERY_TASK_ROUTES = {"psa.tasks.push_assignment": {"queue": PSA_PUSH_QUEUE}}
CELERY_TASK_QUEUES = (Queue(CELERY_TASK_DEFAULT_QUEUE), Queue(PSA_PUSH_QUEUE))

# The assignment push (psa/outbox.py). The environment overrides exist for the worker tests.
PSA_PUSH_TIMEOUT = float(os.environ.get("PSA_PUSH_TIMEOUT", "30"))  # seconds per PSA request
PSA_PUSH_MAX_ATTEMPTS = int(os.environ.get("PSA_PUSH_MAX_ATTEMPTS", "5"))
PSA_PUSH_BACKOFF = float(os.environ.get("PSA_PUSH_BACKOFF", "5"))  # first retry delay (s), doubling up to 300
# A claim older than this belongs to a dead worker. It must exceed push_assignment's hard time
# limit (120 s), so a live worker's claim is never taken from it while it is still pushing.
PSA_PUSH_STALE_CLAIM = float(os.environ.get("PSA_PUSH_STALE_CLAIM", "300"))
# A due push that entered the broker longer ago than this and is still pending was lost (a Redis
# restart) or is stuck behind a busy worker: the sweeper enqueues it again. Younger ones it leaves
# alone, so a backlog does not grow by a duplicate per row at every sweep.
PSA_PUSH_REQUEUE_AFTER = float(os.environ.get("PSA_PUSH_REQUEUE_AFTER", "120"))

CACHES = (
    {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    if REDIS_URL
    else {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
)

EMAIL_BACKEND = os.environ.get("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "switchboard@localhost")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))

# Where trained models and other artefacts live.
MODEL_DIR = Path(os.environ.get("SWITCHBOARD_MODEL_DIR", VAR_DIR / "models"))
# Fernet key for PSA credentials stored in the database (derived from SECRET_KEY when unset).
PSA_CREDENTIALS_KEY = os.environ.get("PSA_CREDENTIALS_KEY", "")
# Public base URL used when registering PSA webhooks.
SWITCHBOARD_PUBLIC_URL = os.environ.get("SWITCHBOARD_PUBLIC_URL", "http://127.0.0.1:8000")

if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_CONTENT_TYPE_NOSNIFF = True

# Request size: bodies over this answer 413 on the API (its error document) and 400 elsewhere.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("DJANGO_DATA_UPLOAD_MAX_MEMORY_SIZE", 2_621_440))
# Workspace files (upload page and import_workspace): at most this many bytes (docs/workspace.md).
WORKSPACE_MAX_BYTES = int(os.environ.get("SWITCHBOARD_WORKSPACE_MAX_BYTES", 5_000_000))
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# Content-Security-Policy (django-csp): every script and style is served from here; style
# attributes (the score bars' widths) need 'unsafe-inline' for styles, never for scripts.
# 'unsafe-eval': htmx compiles trigger filters (the queue's `every 5s [Queue.canPoll()]`) with
# Function(); no inline or foreign script runs either way.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, "'unsafe-eval'"],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Where PSA connections may send credentials (psa/hosts.py). Empty: any host (the embedded
# demo and development); production sets the vendors' cloud domains plus, explicitly, any
# simulator or on-premise host. Comma-separated; ".example.com" allows its subdomains.
PSA_ALLOWED_HOSTS = [h.strip().lower() for h in os.environ.get("PSA_ALLOWED_HOSTS", "").split(",") if h.strip()]
if not DEBUG and "PSA_ALLOWED_HOSTS" not in os.environ:
    PSA_ALLOWED_HOSTS = [
        ".myconnectwise.net", ".connectwise.com", ".connectwisedev.com",  # ConnectWise Manage cloud
        ".autotask.net",  # Autotask zones (webservicesN.autotask.net)
        ".halopsa.com", ".haloitsm.com", ".haloservicedesk.com",  # HaloPSA hosted instances
    ]  # fmt: skip

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # A refused request (403) is one line, not a traceback: PermissionDenied is the role check
    # working, not an error. Django's own console handler on "django" is removed (its records
    # reach ours through the root), so a record is written once, not twice.
    "filters": {"forbidden_one_line": {"()": "config.logfilters.ForbiddenOneLine"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["forbidden_one_line"]}
    },
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"handlers": [], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
    },
}
