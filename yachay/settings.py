"""Yachay settings: one module, read from the environment through small typed helpers.

Defaults give a working local set-up on SQLite with no services. Production
(``YACHAY_ENV=production``) refuses to start without the settings it needs.
"""

from __future__ import annotations

import os
import re
import secrets
from datetime import date, timedelta
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
    "yachay.certificates",
    "yachay.engagement",
    "yachay.surveys",
    "yachay.impact",
    "yachay.reports",
    "yachay.privacy",
    "yachay.demo",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
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
    "yachay.core.headers.SecurityHeadersMiddleware",  # CSP, Permissions-Policy: every response
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Past capacity a fast 503 "try again in a minute", before any session or database work
    # (static files, above, never wait for it): see core/overload.py.
    "yachay.core.overload.OverloadMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "yachay.core.caching.NoStoreForPersonalData",  # signed-in answers: Cache-Control no-store
    # django-otp's and Django's messages middleware, passed by for a partner's keyed API
    # request (no person signed in): see core/lanes.py.
    "yachay.core.lanes.OTPMiddleware",
    "yachay.accounts.middleware.SecondFactorMiddleware",
    "yachay.core.lanes.MessageMiddleware",
    "yachay.core.input_guard.ControlCharacterMiddleware",  # no NUL in a path, query or form
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Innermost: a view that lost the database answers 503 "try again in a minute".
    "yachay.core.outage.DatabaseOutageMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into our "too many attempts" page.
    "axes.middleware.AxesMiddleware",
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
            "builtins": [
                "yachay.core.templatetags.yachay_format",
                # {% url %} with each address reversed once per process (issue #17).
                "yachay.core.templatetags.yachay_urls",
            ],
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
# PostgreSQL: a pool of connections per web process (psycopg_pool, Django 5.2's "pool"
# option), shared by the process's threads; a request borrows one and gives it back when it
# ends. Sized for the requests a process lets in at once (YACHAY_OVERLOAD_ACTIVE) plus a
# margin: 5 processes × 4 = 20 connections at most, whatever the number of threads. A request
# that cannot get one within DB_POOL_TIMEOUT seconds answers 503 (core.outage).
# DB_POOL_MAX_SIZE=0 turns the pool off (persistent connections per thread, DB_CONN_MAX_AGE).
DB_POOL_MAX_SIZE = env_int("DB_POOL_MAX_SIZE", 4)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and DB_POOL_MAX_SIZE:
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps them; Django refuses both
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": min(env_int("DB_POOL_MIN_SIZE", 1), DB_POOL_MAX_SIZE),
        "max_size": DB_POOL_MAX_SIZE,
        "timeout": env_int("DB_POOL_TIMEOUT", 10, minimum=1),
        "max_idle": 300,
    }
# Prepared statements for the queries of the learner pages compiled once per process
# (core.compiled, issue #17): PostgreSQL plans each of them once per connection instead of on
# every run. Django's own queries bind on the client and are never prepared, whatever this
# says. Behind a pooler in transaction mode that does not carry prepared statements (PgBouncer
# before 1.21, or without max_prepared_statements), set DB_PREPARED_STATEMENTS=0.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "DB_PREPARED_STATEMENTS", True
):
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 2
DATABASES["default"].setdefault("TEST", {})

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
# Staff sign in with a password here; learners use emailed links (/entrar/). After sign-in
# each role lands on its own home (cohorts:home sends learners on to their page).
LOGIN_URL = "accounts:staff_login"
LOGIN_REDIRECT_URL = "cohorts:home"
# Where an emailed sign-in link lands: the learner's page (named here, not in accounts, which
# sits below cohorts and names none of its pages).
YACHAY_LEARNER_HOME = "cohorts:me"
LOGOUT_REDIRECT_URL = "/"

# django-axes first: it refuses a locked-out account or address before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, reading the signed-in user with compiled SQL (issue #17).
    "yachay.accounts.backends.ModelBackend",
]
# Django's database sessions, read with compiled SQL (issue #17).
SESSION_ENGINE = "yachay.core.sessions"

# Wrong passwords (staff sign-in and the admin's): after LIMIT failures within LOCKOUT minutes,
# the account and the address are each refused for LOCKOUT minutes, whichever worker or host
# answers (the count is a table in the database, django-axes).
YACHAY_SIGNIN_FAILURE_LIMIT = env_int("YACHAY_SIGNIN_FAILURE_LIMIT", 10, minimum=1)
YACHAY_SIGNIN_LOCKOUT_MINUTES = env_int("YACHAY_SIGNIN_LOCKOUT_MINUTES", 15, minimum=1)
# An address (a regional office behind one) may fail more often than one account, on any
# accounts, before it is locked: yachay.accounts.lockout.
YACHAY_SIGNIN_ADDRESS_FAILURE_LIMIT = env_int(
    "YACHAY_SIGNIN_ADDRESS_FAILURE_LIMIT", 5 * YACHAY_SIGNIN_FAILURE_LIMIT, minimum=1
)
AXES_FAILURE_LIMIT = YACHAY_SIGNIN_FAILURE_LIMIT
AXES_HANDLER = "yachay.accounts.lockout.AccountAndAddressHandler"
AXES_COOLOFF_TIME = timedelta(minutes=YACHAY_SIGNIN_LOCKOUT_MINUTES)
# Two separate counts: per account (from any address) and per address (for any account).
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
# A try during a lockout is refused without being counted, so the wait we announce holds.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "yachay.core.http.client_ip"  # the same address as our rate limits
AXES_LOCKOUT_CALLABLE = "yachay.accounts.views.locked_out"
AXES_DISABLE_ACCESS_LOG = True  # successful sign-ins are not kept with their address
AXES_VERBOSE = False

# Second factor (django-otp: TOTP apps and one-time recovery codes). Program admins and
# coordinators must use one when this is on: on by default in production, off for the local
# demo (`make run`); anyone who has set one up is asked for it either way.
YACHAY_REQUIRE_2FA = env_bool("YACHAY_REQUIRE_2FA", PRODUCTION)
OTP_TOTP_ISSUER = os.environ.get("YACHAY_2FA_ISSUER", "Yachay")

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

# Graceful overload (core/overload.py): requests of one web process in the application at
# once (0: no limit), and the longest a request may wait for a slot, counted from when the
# server took it, before it is answered 503 "try again in a minute".
YACHAY_OVERLOAD_ACTIVE = env_int("YACHAY_OVERLOAD_ACTIVE", 2)
YACHAY_OVERLOAD_WAIT_MS = env_int("YACHAY_OVERLOAD_WAIT_MS", 500)
# Requests of one process that may wait for a slot at once; the others are answered 503 at
# once (keep it below gunicorn's threads minus YACHAY_OVERLOAD_ACTIVE: threads left free
# answer the shed ones without delay).
YACHAY_OVERLOAD_QUEUE = env_int("YACHAY_OVERLOAD_QUEUE", 8)
# Behind a proxy that sets X-Request-Start (nginx: "t=${msec}"), count the wait from there.
YACHAY_OVERLOAD_TRUST_REQUEST_START = env_bool("YACHAY_OVERLOAD_TRUST_REQUEST_START", False)

# How long one process keeps an API key and a call it read for the intake API (seconds);
# a revoked key or an edited call takes effect in every process within this bound.
YACHAY_HOT_CACHE_SECONDS = env_int("YACHAY_HOT_CACHE_SECONDS", 5)

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


def env_rate(name: str, default: str) -> str:
    """A rate limit, "<count>/<seconds>" (at most count hits per window), or 0 for none."""
    raw = os.environ.get(name, default).strip()
    count, _, seconds = raw.partition("/")
    if raw not in {"", "0"} and not (count.isdigit() and seconds.isdigit() and int(seconds) > 0):
        raise ImproperlyConfigured(f"{name} must look like 20/60 (or 0: off), not {raw!r}.")
    return raw


# Rate limits per client address: "<count>/<seconds>"; 0 switches a limit off. Every limit
# in the code names one of these settings (yachay.core.http.rate_limited): none is hard-coded.
YACHAY_RATELIMIT_FORM = env_rate("YACHAY_RATELIMIT_FORM", "20/60")  # form submissions, sign-in
YACHAY_RATELIMIT_API = env_rate("YACHAY_RATELIMIT_API", "600/60")  # every API request
YACHAY_RATELIMIT_STATUS = env_rate("YACHAY_RATELIMIT_STATUS", "10/60")  # status, sign-in links
YACHAY_RATELIMIT_OFFER = env_rate("YACHAY_RATELIMIT_OFFER", "30/60")  # accept/decline, page + API
YACHAY_RATELIMIT_SURVEY = env_rate("YACHAY_RATELIMIT_SURVEY", "60/60")  # survey pages saved
YACHAY_RATELIMIT_CSP_REPORT = env_rate("YACHAY_RATELIMIT_CSP_REPORT", "20/60")  # /csp-report/
YACHAY_RATELIMIT_VERIFY = env_rate("YACHAY_RATELIMIT_VERIFY", "30/60")  # /verificar/, per IP
# Second-factor codes per address, on top of django-otp's growing delays per device.
YACHAY_RATELIMIT_2FA = env_rate("YACHAY_RATELIMIT_2FA", "10/300")
# Check-in to a live session opens this many minutes before it starts and closes this many
# after it ends; a learner checking in more than LATE minutes after the start is "late".
YACHAY_CHECKIN_OPENS_MINUTES = env_int("YACHAY_CHECKIN_OPENS_MINUTES", 15)
YACHAY_CHECKIN_GRACE_MINUTES = env_int("YACHAY_CHECKIN_GRACE_MINUTES", 15)
# How often the reports rebuild their summaries (learners' last activity), in minutes.
YACHAY_REPORTS_REFRESH_MINUTES = env_int("YACHAY_REPORTS_REFRESH_MINUTES", 10, minimum=1)
YACHAY_CHECKIN_LATE_MINUTES = env_int("YACHAY_CHECKIN_LATE_MINUTES", 10)
# Wrong check-in codes one learner may type per window ("<count>/<seconds>"), whatever their
# address: a whole venue shares one address, and a 6-digit code must not be guessable.
YACHAY_CHECKIN_WRONG_CODES = env_rate("YACHAY_CHECKIN_WRONG_CODES", "5/600")
# How many reverse proxies in front of us append to X-Forwarded-For (0: use REMOTE_ADDR).
YACHAY_TRUSTED_PROXIES = env_int("YACHAY_TRUSTED_PROXIES", 0)

# Security headers; production hardening below.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"


def env_csp_extra(name: str) -> dict[str, list[str]]:
    """Sources to add, "img-src https://cdn.example.pe; connect-src https://api.example.pe"."""
    extra: dict[str, list[str]] = {}
    for part in os.environ.get(name, "").split(";"):
        words = part.split()
        if not words:
            continue
        if not re.fullmatch(r"[a-z-]+-src(-elem|-attr)?|form-action|frame-ancestors", words[0]):
            raise ImproperlyConfigured(f"{name}: {words[0]!r} is not a source directive.")
        if len(words) < 2 or any("unsafe" in w for w in words):
            raise ImproperlyConfigured(f"{name}: give {words[0]} sources, never unsafe-*.")
        extra.setdefault(words[0], []).extend(words[1:])
    return extra


# Content-Security-Policy (yachay.core.headers; the shape of Django 6's SECURE_CSP): scripts
# and styles from our own files only, never inline (<script>, <style>, style="", on…=); see
# docs/development.md. Browsers report refusals to /csp-report/, which logs them.
# YACHAY_CSP_EXTRA adds sources; YACHAY_CSP_REPORT_ONLY=true only reports (to try a change).
_CSP: dict[str, list[str]] = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],  # data: for the inline icon in base.html
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
    "report-uri": ["/csp-report/"],
}
for _directive, _sources in env_csp_extra("YACHAY_CSP_EXTRA").items():
    _CSP[_directive] = [*_CSP.get(_directive, _CSP["default-src"]), *_sources]
if env_bool("YACHAY_CSP_REPORT_ONLY", False):
    SECURE_CSP: dict[str, list[str]] = {}
    SECURE_CSP_REPORT_ONLY = _CSP
else:
    SECURE_CSP = _CSP
    SECURE_CSP_REPORT_ONLY = {}
# Browser features no page uses are off, for us and anything we might embed. Fullscreen stays
# for our own pages: the check-in projector offers it. No page uses the camera (learners scan
# the projector's QR code with their phone's own camera app) nor the microphone or location.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    "accelerometer": [], "autoplay": [], "camera": [], "display-capture": [],
    "encrypted-media": [], "fullscreen": ["self"], "geolocation": [], "gyroscope": [],
    "hid": [], "idle-detection": [], "magnetometer": [], "microphone": [], "midi": [],
    "payment": [], "picture-in-picture": [], "publickey-credentials-get": [],
    "screen-wake-lock": [], "serial": [], "usb": [], "xr-spatial-tracking": [],
    "browsing-topics": [],
}  # fmt: skip
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
# Sign-in links, offers and password resets carry a secret in their address: every handler
# scrubs it ("Not Found: /ofertas/[scrubbed]/"); gunicorn's access log is scrubbed by
# `--logger-class yachay.core.logs.GunicornLogger` (docs/operators.md).
LOG_LEVEL = os.environ.get("LOG_LEVEL", "WARNING")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "client_errors_without_traceback": {"()": "yachay.core.logs.ClientErrorsBrief"},
        "scrub_secrets": {"()": "yachay.core.logs.ScrubSecrets"},
    },
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["scrub_secrets"]},
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["scrub_secrets"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django's own handlers (a console when DEBUG, mail to ADMINS) do not scrub: its
        # records go to ours instead, through the root.
        "django": {"handlers": [], "level": LOG_LEVEL},
        # `runserver`'s request lines.
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        # A refused request (403, 400) is the client's doing: one warning line, no traceback.
        "django.request": {"filters": ["client_errors_without_traceback"]},
    },
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

# Exports (core/exports.py): where an XLSX is assembled before it is sent ("" = the system's
# temporary directory); it holds about the finished file's size while it is sent.
YACHAY_EXPORT_TMPDIR = os.environ.get("YACHAY_EXPORT_TMPDIR", "")
# Published tables (core/suppression.py, the transparency page and its open data): no cell
# counts fewer than this many people, and none can be recovered from the margins.
YACHAY_SMALL_CELL_K = env_int("YACHAY_SMALL_CELL_K", 10, minimum=1)
# How often the transparency page's aggregates are counted again (a background task); a
# snapshot older than a day is counted again by the first visitor when no worker runs.
YACHAY_TRANSPARENCY_REFRESH_MINUTES = env_int("YACHAY_TRANSPARENCY_REFRESH_MINUTES", 60, minimum=1)

# The public address, for links in emails.
YACHAY_SITE_URL = os.environ.get("YACHAY_SITE_URL", "http://127.0.0.1:8000")

# Uploaded files (issuers' logos), outside git; not served by the site.
MEDIA_ROOT = Path(os.environ.get("YACHAY_MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
MEDIA_URL = "/media/"

# Certificate PDFs rendered when issued (Spanish, the one the learner downloads): files named by
# verification code, outside MEDIA_ROOT (never served as static files); about 40 KB each.
YACHAY_CERTIFICATE_PDF_DIR = Path(
    os.environ.get("YACHAY_CERTIFICATE_PDF_DIR", str(VAR_DIR / "certificates"))
)

# Ed25519 keys that sign the Open Badges credentials (docs/certificates.md): PEM files in this
# directory, never in the database or in git; the newest signs, all are published in did.json.
YACHAY_SIGNING_KEYS_DIR = Path(
    os.environ.get("YACHAY_SIGNING_KEYS_DIR", str(BASE_DIR / "var" / "signing-keys"))
)

# Who runs the program: named as the controller of personal data in the privacy notice
# (Ley 29733), and the addresses people write to for help and for their data rights.
YACHAY_ORGANISER = os.environ.get("YACHAY_ORGANISER", "Programa Nacional de Habilidades en IA")
YACHAY_CONTACT_EMAIL = os.environ.get("YACHAY_CONTACT_EMAIL", "ayuda@yachay.local")
YACHAY_PRIVACY_EMAIL = os.environ.get("YACHAY_PRIVACY_EMAIL", "datos@yachay.local")

# Personal data (docs/privacy.md). Applications of people who got no place are anonymised this
# many months after their call closes, unless the call has its own retention rule.
YACHAY_RETENTION_MONTHS = env_int("YACHAY_RETENTION_MONTHS", 12, minimum=1)
# The cancellation log that a restore from a backup re-applies (privacy_replay): ids and
# keyed hashes only. Keep it OUTSIDE the database's backups' reach: on other storage, backed
# up on its own (docs/operators.md).
YACHAY_PRIVACY_LOG = Path(
    os.environ.get("YACHAY_PRIVACY_LOG", str(VAR_DIR / "privacy" / "cancellations.jsonl"))
)
# The key of the log's hashes of DNIs and emails; SECRET_KEY when empty. Set it (and keep it)
# before rotating SECRET_KEY, or the log's hashes stop matching.
YACHAY_PRIVACY_HASH_KEY = os.environ.get("YACHAY_PRIVACY_HASH_KEY", "")
# ARCO requests (Ley 29733; docs/privacy.md). The answer terms in business days (días hábiles,
# Peru's holidays) are the values commonly cited for access and for rectification,
# cancellation and opposition; docs/privacy.md says which were not verified against the
# regulation's text. A term runs from the day after the person confirmed the request.
YACHAY_ARCO_DAYS_ACCESS = env_int("YACHAY_ARCO_DAYS_ACCESS", 20, minimum=1)
YACHAY_ARCO_DAYS_OTHER = env_int("YACHAY_ARCO_DAYS_OTHER", 10, minimum=1)
# A request sent from the site is confirmed by a link to the email on file, valid this long.
YACHAY_ARCO_CONFIRM_HOURS = env_int("YACHAY_ARCO_CONFIRM_HOURS", 48, minimum=1)
# An access answer can be downloaded from its link for this many days.
YACHAY_ARCO_DOWNLOAD_DAYS = env_int("YACHAY_ARCO_DOWNLOAD_DAYS", 14, minimum=1)
# Non-working days decreed by the government (YYYY-MM-DD, comma separated), on top of the
# national holidays the `holidays` package knows.
YACHAY_EXTRA_NON_WORKING_DAYS = frozenset(
    date.fromisoformat(d) for d in env_list("YACHAY_EXTRA_NON_WORKING_DAYS", [])
)
YACHAY_RATELIMIT_ARCO = env_rate("YACHAY_RATELIMIT_ARCO", "10/60")  # ARCO request forms, per IP

# Surveys as code (yachay.surveys; docs/survey-format.md): the folders `surveys_import` reads.
YACHAY_SURVEYS_DIR = Path(
    os.environ.get("YACHAY_SURVEYS_DIR", str(BASE_DIR / "content" / "surveys"))
)
# Off: the periodic job invites nobody (links already sent keep working).
YACHAY_SURVEYS_ENABLED = env_bool("YACHAY_SURVEYS_ENABLED", True)
# Applications received in the last this many days are invited to the baseline survey.
YACHAY_SURVEYS_BASELINE_DAYS = env_int("YACHAY_SURVEYS_BASELINE_DAYS", 30, minimum=1)

# Messages and nudges (yachay.engagement; docs/engagement.md, docs/operators.md).
# The rules: one YAML file each, reviewed in git like the courses.
YACHAY_NUDGE_RULES_DIR = Path(
    os.environ.get("YACHAY_NUDGE_RULES_DIR", str(BASE_DIR / "content" / "nudges"))
)
# Off: the periodic evaluation makes no messages (the rules can still be read and checked).
YACHAY_NUDGES_ENABLED = env_bool("YACHAY_NUDGES_ENABLED", True)
YACHAY_NUDGE_EVERY_MINUTES = env_int("YACHAY_NUDGE_EVERY_MINUTES", 15, minimum=1)
# At most this many nudges (rules with nudge: true) per person in 7 days; reminders of a
# session, an offer's deadline and a certificate are not counted.
YACHAY_NUDGE_WEEKLY_CAP = env_int("YACHAY_NUDGE_WEEKLY_CAP", 3)
# The hold-out draw: sha256(seed, rule, person) < the rule's share. Changing the seed draws a
# new comparison group; it is recorded with every run's audit row.
YACHAY_NUDGE_HOLDOUT_SEED = os.environ.get("YACHAY_NUDGE_HOLDOUT_SEED", "yachay-holdout-1")
# Channels: console (default, nothing leaves the machine), file:<path> (one JSON line per
# message), or a real provider.
YACHAY_SMS_BACKEND = os.environ.get("YACHAY_SMS_BACKEND", "console")  # or twilio
YACHAY_WHATSAPP_BACKEND = os.environ.get("YACHAY_WHATSAPP_BACKEND", "console")  # or cloud_api
YACHAY_TWILIO_API_URL = os.environ.get("YACHAY_TWILIO_API_URL", "https://api.twilio.com")
YACHAY_TWILIO_ACCOUNT_SID = os.environ.get("YACHAY_TWILIO_ACCOUNT_SID", "")
YACHAY_TWILIO_AUTH_TOKEN = os.environ.get("YACHAY_TWILIO_AUTH_TOKEN", "")
YACHAY_TWILIO_FROM = os.environ.get("YACHAY_TWILIO_FROM", "")
YACHAY_TWILIO_MESSAGING_SERVICE_SID = os.environ.get("YACHAY_TWILIO_MESSAGING_SERVICE_SID", "")
YACHAY_WHATSAPP_API_URL = os.environ.get("YACHAY_WHATSAPP_API_URL", "https://graph.facebook.com")
YACHAY_WHATSAPP_API_VERSION = os.environ.get("YACHAY_WHATSAPP_API_VERSION", "v21.0")
YACHAY_WHATSAPP_PHONE_NUMBER_ID = os.environ.get("YACHAY_WHATSAPP_PHONE_NUMBER_ID", "")
YACHAY_WHATSAPP_TOKEN = os.environ.get("YACHAY_WHATSAPP_TOKEN", "")
# The app secret that signs the Cloud API's webhooks (X-Hub-Signature-256), and the token of
# its subscription check (hub.verify_token).
YACHAY_WHATSAPP_APP_SECRET = os.environ.get("YACHAY_WHATSAPP_APP_SECRET", "")
YACHAY_WHATSAPP_VERIFY_TOKEN = os.environ.get("YACHAY_WHATSAPP_VERIFY_TOKEN", "")
YACHAY_PROVIDER_CONNECT_TIMEOUT = env_int("YACHAY_PROVIDER_CONNECT_TIMEOUT", 5, minimum=1)
YACHAY_PROVIDER_READ_TIMEOUT = env_int("YACHAY_PROVIDER_READ_TIMEOUT", 15, minimum=1)
# django-anymail: a provider's settings (ANYMAIL = {...}) come with its EMAIL_BACKEND; the
# shared secret of its status webhooks (basic auth "user:password").
ANYMAIL = {"WEBHOOK_SECRET": os.environ.get("ANYMAIL_WEBHOOK_SECRET", "")}
