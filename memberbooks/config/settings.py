"""Django settings for memberbooks.

Defaults suit a laptop: SQLite in ./var, DEBUG on. Production sets
MEMBERBOOKS_ENV=production (see `.env.example`), which turns DEBUG off, requires
a secret key and allowed hosts, and enables the HTTPS-only settings that
`manage.py check --deploy` looks for.
"""

import os
import tempfile
from pathlib import Path
from typing import Any

import django_stubs_ext

from memberbooks.config.env import database_from_url, env_bool, env_list, env_str

django_stubs_ext.monkeypatch()  # lets admin classes be written Generic[Model] for mypy

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("MEMBERBOOKS_VAR_DIR", str(BASE_DIR / "var")))

PRODUCTION = env_str("MEMBERBOOKS_ENV", "development") == "production"
DEBUG = env_bool("MEMBERBOOKS_DEBUG", default=not PRODUCTION)

_DEV_SECRET = "dev-only-insecure-key-change-me-memberbooks-0123456789abcdefghijklmnop"  # noqa: S105
SECRET_KEY = env_str("MEMBERBOOKS_SECRET_KEY", "" if PRODUCTION else _DEV_SECRET)
if PRODUCTION and not SECRET_KEY:
    raise RuntimeError("MEMBERBOOKS_SECRET_KEY must be set when MEMBERBOOKS_ENV=production")

ALLOWED_HOSTS = env_list(
    "MEMBERBOOKS_ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver"
)
CSRF_TRUSTED_ORIGINS = env_list("MEMBERBOOKS_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "memberbooks.tenancy",
    "memberbooks.ledger",
    "memberbooks.events",
    "memberbooks.imports",
    "memberbooks.web",
    "memberbooks.api",
    "memberbooks.demo",
    "memberbooks.audit",
    "memberbooks.mapping",
    "memberbooks.exports",
    "memberbooks.devtools",
    "memberbooks.connections",
    "memberbooks.sync",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "memberbooks.config.urls"
WSGI_APPLICATION = "memberbooks.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "memberbooks.web.context.organisation",
            ],
        },
    },
]

_database_url = env_str("DATABASE_URL")
if not _database_url:
    VAR_DIR.mkdir(parents=True, exist_ok=True)  # the SQLite file lives here; a fresh clone has none
DATABASES: dict[str, dict[str, Any]] = {
    "default": database_from_url(_database_url)
    if _database_url
    else {"ENGINE": "django.db.backends.sqlite3", "NAME": VAR_DIR / "memberbooks.sqlite3"}
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL lets the web app read while an import or a sync job writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # Tests use a file, not shared-cache memory, so concurrent writers wait for the
    # lock as they do in production instead of failing with "table is locked".
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"memberbooks-test-{os.getpid()}.sqlite3")
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Background jobs (memberbooks/config/tasks.py and docs/deploy.md; one block, keep it whole) ---
# MEMBERBOOKS_TASKS=database (default: a queue in this database, run by `memberbooks jobs worker`),
# celery (workers on a Redis or RabbitMQ broker) or immediate (in the caller; always under pytest).
from memberbooks.config import tasks as _tasks  # noqa: E402

TASKS_MODE = _tasks.mode()
TASKS = _tasks.backends(TASKS_MODE)
INSTALLED_APPS += _tasks.APPS
CELERY_BROKER_URL = env_str("MEMBERBOOKS_CELERY_BROKER_URL") or _tasks.DEFAULT_BROKER
CELERY_RESULT_BACKEND = _tasks.result_backend(
    CELERY_BROKER_URL, env_str("MEMBERBOOKS_CELERY_RESULT_BACKEND")
)
CELERY_RESULT_EXTENDED = True  # django-tasks-celery finds a job's task from its result
CELERY_IMPORTS = ["memberbooks.sync.jobs"]
CELERY_TASK_DEFAULT_QUEUE = env_str("MEMBERBOOKS_CELERY_QUEUE") or _tasks.CELERY_QUEUE
# A job is acknowledged when it ends, not when it starts, and a worker holds one job at a
# time: a worker that dies mid-sync leaves its job to another, which takes the sync over
# once the lease expires (the outbox makes the repeat send nothing twice).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# --- end of background jobs ---

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("MEMBERBOOKS_TIME_ZONE", "America/New_York")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

# Largest CSV the import accepts; bigger files are refused before parsing.
IMPORT_MAX_BYTES = int(env_str("MEMBERBOOKS_IMPORT_MAX_BYTES", str(50 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# QuickBooks Online: which Intuit environment (production, sandbox) or the local emulator.
QBO_ENVIRONMENT = env_str("MEMBERBOOKS_QBO_ENVIRONMENT", "production" if PRODUCTION else "emulator")
if QBO_ENVIRONMENT not in {"production", "sandbox", "emulator"}:
    raise RuntimeError(
        f"MEMBERBOOKS_QBO_ENVIRONMENT={QBO_ENVIRONMENT!r}: use production, sandbox or emulator"
    )
# Shared rate limits for QuickBooks calls across workers (empty: per process).
REDIS_URL = env_str("MEMBERBOOKS_REDIS_URL")
QBO_EMULATOR_URL = env_str("MEMBERBOOKS_QBO_EMULATOR_URL", "http://127.0.0.1:8765")
# The emulator's `time_scale` knob shrinks QuickBooks' minute; memberbooks' own limiter and
# throttle waits shrink by the same factor, for emulator connections only (never for Intuit).
QBO_EMULATOR_TIME_SCALE = float(env_str("MEMBERBOOKS_QBO_EMULATOR_TIME_SCALE", "1"))
# QuickBooks' batch requests a minute per company: 40 in Intuit's reference pages; Intuit
# announced 120 for production from 2025-10-31 (docs/deploy.md). The limiter keeps to this.
QBO_BATCH_PER_MINUTE = int(env_str("MEMBERBOOKS_QBO_BATCH_PER_MINUTE", "40"))
# A sync's lease expires this long after its holder last renewed it (a dead worker's
# sync is taken over after at most this long).
SYNC_LEASE_SECONDS = float(env_str("MEMBERBOOKS_SYNC_LEASE_SECONDS", "60"))
QBO_CLIENT_ID = env_str("MEMBERBOOKS_QBO_CLIENT_ID")
QBO_CLIENT_SECRET = env_str("MEMBERBOOKS_QBO_CLIENT_SECRET")
# The fixed redirect URI registered with the Intuit app; empty: this site's /quickbooks/callback/.
QBO_REDIRECT_URI = env_str("MEMBERBOOKS_QBO_REDIRECT_URI")
QBO_ENDPOINTS = {
    "production": {
        "api_base": "https://quickbooks.api.intuit.com",
        "authorize_url": "https://appcenter.intuit.com/connect/oauth2",
        "token_url": "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer",
        "revoke_url": "https://developer.api.intuit.com/v2/oauth2/tokens/revoke",
    },
    "sandbox": {
        "api_base": "https://sandbox-quickbooks.api.intuit.com",
        "authorize_url": "https://appcenter.intuit.com/connect/oauth2",
        "token_url": "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer",
        "revoke_url": "https://developer.api.intuit.com/v2/oauth2/tokens/revoke",
    },
}
# Fernet keys (comma-separated, the first encrypts) for QuickBooks tokens and client secrets.
ENCRYPTION_KEYS = env_list("MEMBERBOOKS_ENCRYPTION_KEYS")
if PRODUCTION and not ENCRYPTION_KEYS:
    raise RuntimeError("MEMBERBOOKS_ENCRYPTION_KEYS must be set when MEMBERBOOKS_ENV=production")

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie.
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("MEMBERBOOKS_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("MEMBERBOOKS_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Django gives its own logger a console handler too: print each line once.
        "django": {"handlers": [], "propagate": True},
    },
}
