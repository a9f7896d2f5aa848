"""Settings of Entrepairs, read from the environment.

With no environment at all the site refuses to start: SECRET_KEY and ENCRYPTION_KEYS are
required. With DEBUG=1 (the one-command demo) it runs on SQLite, with eager Celery and
e-mail printed on the console. With production values `manage.py check --deploy` is clean.
"""

import os
from pathlib import Path

# Disclosure control solves many small linear-algebra problems: BLAS threads would only
# contend for the cores (set before numpy is first imported, in every process).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import dj_database_url  # noqa: E402
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from coop.env import email_settings_from_url, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)

# The demo keys are public: they exist so that the one-command demo starts. A deployment
# without DEBUG must set its own (the "entrepairs" system checks refuse the demo ones).
DEMO_SECRET_KEY = "demo-only-not-secret-entrepairs-0000000000000000000000000000000000"  # noqa: S105
DEMO_ENCRYPTION_KEY = "ZGVtby1vbmx5LWtleS1ub3Qtc2VjcmV0LTAwMDAwMDA="

SECRET_KEY = env_str("SECRET_KEY", DEMO_SECRET_KEY if DEBUG else None)
# Fernet keys for data encrypted at rest: the first encrypts, all decrypt (key rotation).
ENCRYPTION_KEYS = env_list("ENCRYPTION_KEYS", [DEMO_ENCRYPTION_KEY] if DEBUG else [])
# Peer-support follow-ups closed this many years ago are anonymised by a daily task.
PEER_SUPPORT_RETENTION_YEARS = env_int("PEER_SUPPORT_RETENTION_YEARS", 2)
if PEER_SUPPORT_RETENTION_YEARS < 1:
    raise ImproperlyConfigured("PEER_SUPPORT_RETENTION_YEARS is at least 1 (years after closing).")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "auditlog",
    "django_filters",
    "localflavor",
    "rules",
    "coop",
    "members",
    "activities",
    "peer_support",
    "research",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "members.middleware.TwoFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
]

ROOT_URLCONF = "coop.urls"
WSGI_APPLICATION = "coop.wsgi.application"

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
                "coop.context_processors.navigation",
            ],
        },
    },
]

# Database: SQLite for the demo and quick tests, PostgreSQL (psycopg 3) for real.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A runaway query is stopped rather than holding a connection and its locks.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        f"-c statement_timeout={env_int('DATABASE_STATEMENT_TIMEOUT_MS', 30000)}"
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "members.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "members.backends.EmailBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# django-allauth: e-mail login, no open sign-up (people are invited), verified addresses.
ACCOUNT_ADAPTER = "members.adapters.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Entrepairs] "
# Links in e-mails use the scheme of SITE_URL (plain http only on a local setup).
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SITE_URL.startswith("https://") else "http"
# Five wrong passwords for one address lock it for five minutes; ten a minute per IP.
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/300s/key"}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Entrepairs"

# Internationalisation: French first, English available.
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# Documents and PDFs are never served as static files: only through views that check access.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Redis: broker of Celery and shared cache (rate limits must be shared by all processes).
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: eager in the demo (no Redis needed), a real worker and beat in production.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# When Redis is down, a web request gives up publishing quickly; the beat sweep catches up.
# A message taken by a worker that died (acks_late) is delivered again after the
# visibility timeout: longer than research.services.snapshots.STALE_AFTER, so that the
# redelivered build finds the dead worker's claim expired.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    "visibility_timeout": 3600,
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0}

# E-mail: every message is first stored as a row (coop.OutgoingEmail), then delivered by
# a task with retries through EMAIL_DELIVERY_* below; nothing is lost if SMTP is down.
EMAIL_BACKEND = "coop.mail.OutboxBackend"
_email = email_settings_from_url(env_str("EMAIL_URL", "console://"))
EMAIL_DELIVERY_BACKEND = _email["backend"]
EMAIL_HOST = _email.get("host", "localhost")
EMAIL_PORT = _email.get("port", 25)
EMAIL_HOST_USER = _email.get("user", "")
EMAIL_HOST_PASSWORD = _email.get("password", "")
EMAIL_USE_TLS = _email.get("use_tls", False)
EMAIL_USE_SSL = _email.get("use_ssl", False)
EMAIL_FILE_PATH = _email.get("file_path")
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = env_str(
    "DEFAULT_FROM_EMAIL", "Entrepairs <ne-pas-repondre@entrepairs.localhost>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Security. Off in the demo (plain http on 127.0.0.1), on by default otherwise.
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY", False) else None
)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 12
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy: only our own vendored assets; QR codes are data: images.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# Health endpoint: how long to wait for a Celery worker to answer a ping.
HEALTH_WORKER_TIMEOUT = 1.0

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # WeasyPrint narrates every rendering step at INFO; fontTools likewise.
    "loggers": {
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

AUDITLOG_INCLUDE_ALL_MODELS = False
