"""Yachay settings: one module, read from the environment through small typed helpers.

Defaults give a working local set-up on SQLite with no services. Production
(``YACHAY_ENV=production``) refuses to start without the settings it needs.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("YACHAY_VAR_DIR", BASE_DIR / "var"))

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"Set the environment variable {name}.")
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    if raw.strip().lower() in _TRUE:
        return True
    if raw.strip().lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), not {raw!r}.")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}.") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


YACHAY_ENV = env_str("YACHAY_ENV", "development")
if YACHAY_ENV not in {"development", "production", "test"}:
    raise ImproperlyConfigured("YACHAY_ENV must be development, production or test.")
PRODUCTION = YACHAY_ENV == "production"


def _local_secret_key() -> str:
    """A per-checkout key kept in var/, so sessions survive restarts of `make run`."""
    path = VAR_DIR / "secret_key"
    if path.exists():
        return path.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    path.write_text(key)
    path.chmod(0o600)
    return key


SECRET_KEY = (
    env_str("SECRET_KEY") if PRODUCTION else os.environ.get("SECRET_KEY") or _local_secret_key()
)
DEBUG = env_bool("DEBUG", False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off in production.")
ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("Set ALLOWED_HOSTS in production.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "yachay.core",
    "yachay.accounts",
    "yachay.programs",
    "yachay.intake",
    "yachay.selection",
    "yachay.cohorts",
    "yachay.learning",
    "django_tasks",
    "django_tasks_db",
    "ninja",  # serves the API docs' Swagger UI from our own static files, not a CDN
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Innermost: a view that lost the database answers 503 "try again in a minute".
    "yachay.core.outage.DatabaseOutageMiddleware",
]

ROOT_URLCONF = "yachay.urls"
WSGI_APPLICATION = "yachay.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "yachay" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "yachay.core.context_processors.site",
            ],
            # Dates and percentages in one style on every page: no {% load %} needed.
            "builtins": ["yachay.core.templatetags.yachay_format"],
        },
    },
]

# SQLite by default (zero set-up); PostgreSQL through DATABASE_URL.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'yachay.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # WAL lets readers go on while one writer writes; IMMEDIATE avoids
    # "database is locked" upgrades inside write transactions.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DATABASES["default"].setdefault("TEST", {})

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
# Staff sign in with a password here; learners use emailed links (/entrar/). After sign-in
# each role lands on its own home (cohorts:home sends learners on to their page).
LOGIN_URL = "accounts:staff_login"
LOGIN_REDIRECT_URL = "cohorts:home"
LOGOUT_REDIRECT_URL = "/"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Shared cache (rate limits) in Redis when REDIS_URL is set; per-process memory otherwise.
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

LANGUAGE_CODE = "es"
LANGUAGES = [("es", _("Spanish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "yachay" / "locale"]
TIME_ZONE = "America/Lima"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed, compressed files; falls back to plain names before collectstatic (tests).
    "staticfiles": {"BACKEND": "yachay.core.storage.StaticStorage"},
}

# Email: console by default; SMTP when EMAIL_HOST is set.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
)
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Yachay <no-reply@yachay.local>")

# Rate limits per client address: "<count>/<seconds>"; 0 switches a limit off.
YACHAY_RATELIMIT_FORM = os.environ.get("YACHAY_RATELIMIT_FORM", "20/60")
YACHAY_RATELIMIT_API = os.environ.get("YACHAY_RATELIMIT_API", "600/60")
YACHAY_RATELIMIT_STATUS = os.environ.get("YACHAY_RATELIMIT_STATUS", "10/60")
# Check-in to a live session opens this many minutes before it starts and closes this many
# after it ends; a learner checking in more than LATE minutes after the start is "late".
YACHAY_CHECKIN_OPENS_MINUTES = env_int("YACHAY_CHECKIN_OPENS_MINUTES", 15)
YACHAY_CHECKIN_GRACE_MINUTES = env_int("YACHAY_CHECKIN_GRACE_MINUTES", 15)
YACHAY_CHECKIN_LATE_MINUTES = env_int("YACHAY_CHECKIN_LATE_MINUTES", 10)
# Wrong check-in codes one learner may type per window ("<count>/<seconds>"), whatever their
# address: a whole venue shares one address, and a 6-digit code must not be guessable.
YACHAY_CHECKIN_WRONG_CODES = os.environ.get("YACHAY_CHECKIN_WRONG_CODES", "5/600")
# How many reverse proxies in front of us append to X-Forwarded-For (0: use REMOTE_ADDR).
YACHAY_TRUSTED_PROXIES = env_int("YACHAY_TRUSTED_PROXIES", 0)

# Security headers; production hardening below.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
        raise ImproperlyConfigured("SECRET_KEY must be at least 50 random characters.")

# Never log request bodies or personal data; errors go to stderr.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"client_errors_without_traceback": {"()": "yachay.core.logs.ClientErrorsBrief"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    # A refused request (403, 400) is the client's doing: one warning line, no traceback.
    "loggers": {"django.request": {"filters": ["client_errors_without_traceback"]}},
}

# Background tasks (django.tasks API): a table in our own database, run by
# `manage.py worker` (make run starts one). "immediate" runs them in-process.
TASKS: dict[str, dict[str, Any]] = {
    "default": {
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend"
            if os.environ.get("YACHAY_TASKS", "db") == "immediate"
            else "django_tasks_db.DatabaseBackend"
        ),
        "QUEUES": [],
    }
}

# A task RUNNING for longer than this is taken for lost (its worker was killed) and run again
# by `manage.py worker`; every task is safe to run twice. Keep it above the longest task.
YACHAY_TASK_STALE_MINUTES = env_int("YACHAY_TASK_STALE_MINUTES", 15, minimum=1)

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 500

# The public address, for links in emails.
YACHAY_SITE_URL = os.environ.get("YACHAY_SITE_URL", "http://127.0.0.1:8000")

# Who runs the program: named as the controller of personal data in the privacy notice
# (Ley 29733), and the addresses people write to for help and for their data rights.
YACHAY_ORGANISER = os.environ.get("YACHAY_ORGANISER", "Programa Nacional de Habilidades en IA")
YACHAY_CONTACT_EMAIL = os.environ.get("YACHAY_CONTACT_EMAIL", "ayuda@yachay.local")
YACHAY_PRIVACY_EMAIL = os.environ.get("YACHAY_PRIVACY_EMAIL", "datos@yachay.local")
