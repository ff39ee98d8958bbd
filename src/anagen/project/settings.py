"""Anagen settings, read from the environment.

Defaults run a local demo on SQLite under ./data. With ANAGEN_ENV=production the process refuses
to start until the secrets, allowed hosts and database URL are given.
"""

import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from anagen.project.env import env_bool, env_choice, env_int, env_list, env_path, env_str

PACKAGE_DIR = Path(__file__).resolve().parent.parent
ENVIRONMENT = env_choice("ANAGEN_ENV", "development", ("development", "production"))
PRODUCTION = ENVIRONMENT == "production"
DATA_DIR = env_path("ANAGEN_DATA_DIR", Path.cwd() / "data")


def _require_production_settings() -> None:
    missing = [
        name
        for name in (
            "ANAGEN_SECRET_KEY",
            "ANAGEN_AUDIT_KEY",
            "ANAGEN_ALLOWED_HOSTS",
            "DATABASE_URL",
        )
        if not env_str(name)
    ]
    if missing:
        raise ImproperlyConfigured(
            "ANAGEN_ENV=production needs these environment variables: " + ", ".join(missing)
        )
    if len(env_str("ANAGEN_SECRET_KEY")) < 50:
        raise ImproperlyConfigured("ANAGEN_SECRET_KEY must be at least 50 characters long")
    if len(env_str("ANAGEN_AUDIT_KEY")) < 32:
        raise ImproperlyConfigured("ANAGEN_AUDIT_KEY must be at least 32 characters long")
    if env_bool("ANAGEN_DEBUG", default=False):
        raise ImproperlyConfigured("ANAGEN_DEBUG must be off in production")


def _local_key(filename: str) -> str:
    """A random key kept in the data folder, so a demo keeps its sessions and audit chain."""
    path = DATA_DIR / filename
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


if PRODUCTION:
    _require_production_settings()
    SECRET_KEY = env_str("ANAGEN_SECRET_KEY")
    AUDIT_KEY = env_str("ANAGEN_AUDIT_KEY")
    ALLOWED_HOSTS = env_list("ANAGEN_ALLOWED_HOSTS")
else:
    SECRET_KEY = env_str("ANAGEN_SECRET_KEY") or _local_key("secret.key")
    AUDIT_KEY = env_str("ANAGEN_AUDIT_KEY") or _local_key("audit.key")
    ALLOWED_HOSTS = env_list("ANAGEN_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])

DEBUG = env_bool("ANAGEN_DEBUG", default=False)

_default_db = f"sqlite:///{DATA_DIR / 'anagen.sqlite3'}"
DATABASES: dict[str, Any] = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or _default_db, conn_max_age=env_int("ANAGEN_DB_CONN_MAX_AGE", 0)
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions serialise writers up front instead of failing half-way with
    # "database is locked"; WAL lets readers carry on while one writer works.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["TEST"] = {"NAME": None}
elif not DATABASES["default"]["ENGINE"].endswith("postgresql"):
    raise ImproperlyConfigured("DATABASE_URL must be a sqlite:// or postgres:// URL")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "anagen.audit",
    "anagen.clinics",
    "anagen.accounts",
    "anagen.patients",
    "anagen.consultations",
    "anagen.plans",
    "anagen.scheduling",
    "anagen.inventory",
    "anagen.consent",
    "anagen.sessions",
    "anagen.safety",
    "anagen.outcomes",
    "anagen.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "anagen.clinics.middleware.ClinicMiddleware",
    "anagen.accounts.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "anagen.project.urls"
WSGI_APPLICATION = "anagen.project.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

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
                "anagen.clinics.context_processors.clinic",
            ]
        },
    }
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
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
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# Lockout: five failures for one username from one address locks it for 15 minutes.
AXES_FAILURE_LIMIT = env_int("ANAGEN_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("ANAGEN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The login form posts the email as "username"; without this axes would look for a field named
# after USERNAME_FIELD ("email"), record failures under no name, and never lock anyone out.
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

OTP_TOTP_ISSUER = env_str("ANAGEN_OTP_ISSUER", "Anagen")

# Idle timeout: the session cookie is renewed on every request and dies after this much quiet.
SESSION_COOKIE_AGE = env_int("ANAGEN_IDLE_TIMEOUT_MINUTES", 30, minimum=1) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("ANAGEN_TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Production serves collected files (anagen serve runs collectstatic); development serves them
# straight from the apps through whitenoise's finders.
STATIC_ROOT = DATA_DIR / "static" if PRODUCTION else None
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
MEDIA_ROOT = DATA_DIR / "media"

EMAIL_BACKEND = env_str(
    "ANAGEN_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env_str("ANAGEN_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("ANAGEN_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("ANAGEN_EMAIL_USER")
EMAIL_HOST_PASSWORD = env_str("ANAGEN_EMAIL_PASSWORD")
EMAIL_USE_TLS = env_bool("ANAGEN_EMAIL_TLS", default=False)
DEFAULT_FROM_EMAIL = env_str("ANAGEN_EMAIL_FROM", "anagen@localhost")

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
CSRF_COOKIE_HTTPONLY = False
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("ANAGEN_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("ANAGEN_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if env_bool("ANAGEN_BEHIND_PROXY", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    CSRF_TRUSTED_ORIGINS = env_list("ANAGEN_CSRF_TRUSTED_ORIGINS")

NINJA_PAGINATION_PER_PAGE = 50

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("ANAGEN_LOG_LEVEL", "WARNING")},
}
