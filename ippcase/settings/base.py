"""Settings shared by every environment; everything deployment-specific comes from the env."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_htmx",
    "template_partials",
    "rules.apps.AutodiscoverRulesConfig",
    "pgtrigger",
    "pghistory",
    "pghistory.admin",
    "axes",  # sign-in throttling (docs/security.md)
    "csp",  # Content-Security-Policy header (docs/security.md)
    "mozilla_django_oidc",  # optional single sign-on; only used when OIDC_ENABLED
    "ippcase",
    "recall",
    "parole",
    "ippcase.quality",
]

MIDDLEWARE = [
    # A request id (and the user's id) on every log record; first, so that every response has it.
    "ippcase.platform.middleware.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A control character in the path (/cases/%00/) is a 404 before any view or query (issue 18).
    "ippcase.platform.middleware.ControlCharacterPathMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # A body no form can read (too large, not a form, e.g. JSON) is refused with a GOV.UK page.
    "ippcase.platform.input_guard.FormInputMiddleware",
    # Records the acting user and URL in the context of every audit (pghistory) event.
    "pghistory.middleware.HistoryMiddleware",
    # The read audit: a case page served is written down (ippcase/cases/audit.py).
    "ippcase.cases.audit.ReadAuditMiddleware",
    # Turns a sign-in lockout into the lockout page; django-axes wants it last.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ippcase.urls"
WSGI_APPLICATION = "ippcase.wsgi.application"

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
                "ippcase.platform.context_processors.navigation",
                "ippcase.platform.context_processors.unread_notifications",
            ],
            # {% page_title %}: "Error: " in front of the title of any page with errors (base.html).
            "libraries": {"page_title": "ippcase.platform.page_title"},
        },
    }
]

DB_CONN_MAX_AGE = int(os.environ.get("DB_CONN_MAX_AGE", "60"))
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", "postgresql://localhost/ippcase"),
        conn_max_age=DB_CONN_MAX_AGE,
        conn_health_checks=True,
    )
}
# Every pghistory audit trigger first asks django-pgtrigger whether it is ignored; while the
# ``pgtrigger.ignore`` setting is undefined, that check raises and catches an error per row, which
# made a 10,000-person import 2.5 times slower. An empty list means what "undefined" means (ignore
# nothing) without the error; ``pgtrigger.ignore()`` still overrides it where used.
# jit=off: PostgreSQL's JIT compiles any plan whose estimated cost passes jit_above_cost; the
# header search over 10,000 people crossed it and spent about 600 ms compiling a 20 ms query on
# its first run in a connection (issue 16). Our statements are short, so compiling never pays.
DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c pgtrigger.ignore={} -c jit=off"
# A reporting replica (issue 17, docs/performance.md "Reporting replica"): with
# DATABASE_REPLICA_URL set, dashboards, reports and their CSVs read from this PostgreSQL streaming
# replica (inside ippcase.core.replica.reporting_reads); every other read and every write goes
# to the primary (the router). The replica takes the primary's options (and its URL's). In tests
# it mirrors the default database, so the suite never needs a second test database.
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"],
        conn_max_age=DB_CONN_MAX_AGE,
        conn_health_checks=True,
    )
    DATABASES["replica"]["OPTIONS"] = {
        **DATABASES["default"]["OPTIONS"],
        **DATABASES["replica"].get("OPTIONS", {}),  # the URL's own (?sslmode=, ?connect_timeout=)
    }
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["ippcase.platform.db_router.ReportingReplicaRouter"]
# work_mem for the statements of a reporting scope (sorts and hashes of the dashboards' and
# reports' queries stay in memory); every other statement keeps the server's own setting.
REPORTING_WORK_MEM = os.environ.get("REPORTING_WORK_MEM", "64MB")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "ippcase.User"

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # First: refuses any sign-in attempt while its username + IP address is locked out.
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"  # each role's own home page (docs/home-pages.md)
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
DATE_FORMAT = "j F Y"
SHORT_DATE_FORMAT = "j M Y"

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / ".data" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]

# --- Evidence files (issue 15; docs/recall-paperwork.md) ----------------------------------------
# Uploaded evidence is stored under the data folder by default, or in S3-compatible object
# storage (django-storages) when EVIDENCE_S3_BUCKET is set. Files are never served from a public
# URL: downloads go through a permission-checked, audited view.
DATA_DIR = Path(os.environ.get("IPPCASE_DATA_DIR", str(BASE_DIR / ".data")))
EVIDENCE_MAX_BYTES = int(os.environ.get("EVIDENCE_MAX_MB", "20")) * 1024 * 1024


def evidence_storage() -> dict[str, object]:
    """The ``STORAGES["evidence"]`` entry the environment asks for."""
    bucket = os.environ.get("EVIDENCE_S3_BUCKET", "").strip()
    if not bucket:
        location = os.environ.get("EVIDENCE_DIR") or str(DATA_DIR / "evidence")
        return {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": location, "base_url": None},
        }
    options: dict[str, object] = {
        "bucket_name": bucket,
        "default_acl": "private",
        "querystring_auth": True,
        "file_overwrite": False,
    }
    for option, name in (
        ("endpoint_url", "EVIDENCE_S3_ENDPOINT_URL"),
        ("region_name", "EVIDENCE_S3_REGION"),
        ("access_key", "EVIDENCE_S3_ACCESS_KEY_ID"),
        ("secret_key", "EVIDENCE_S3_SECRET_ACCESS_KEY"),
    ):
        if os.environ.get(name):
            options[option] = os.environ[name]
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "evidence": evidence_storage(),
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_IDLE_SECONDS", str(60 * 60)))
SESSION_SAVE_EVERY_REQUEST = True  # idle expiry: the age restarts on every request
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# --- Office hours (docs/permissions.md, "Duty managers") ----------------------------------------
# On a working day (Monday to Friday except England and Wales bank holidays and the
# administrator's extra holidays) between these Europe/London times only the managers of the
# case's PDU may countersign; outside them a duty manager from another PDU may. "HH:MM-HH:MM".
OFFICE_HOURS = tuple(os.environ.get("OFFICE_HOURS", "09:00-17:00").split("-", 1))

# --- Sign-in throttling (django-axes; docs/security.md) ----------------------------------------
# Locks a username + IP address pair after SIGNIN_FAILURE_LIMIT failures for SIGNIN_LOCKOUT_MINUTES.
# Unknown usernames are counted and locked the same way, so a lockout says nothing about whether
# an account exists. Attempts are kept in the database (axes' tables, visible in the admin).
AXES_ENABLED = env_bool("SIGNIN_THROTTLING", True)
AXES_FAILURE_LIMIT = int(os.environ.get("SIGNIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("SIGNIN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# A fixed lockout window: more attempts while locked do not extend it (the page says how long).
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "ippcase.platform.signin.lockout_response"
# Axes' own log lines name the username, IP address and browser: log the path only.
AXES_VERBOSE = False
AXES_CLIENT_STR_CALLABLE = "ippcase.platform.signin.client_str"
# Behind N trusted proxies the client's address is the Nth from the right of X-Forwarded-For.
SIGNIN_TRUSTED_PROXY_COUNT = int(os.environ.get("SIGNIN_TRUSTED_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "ippcase.platform.signin.client_ip"

# --- Content Security Policy (django-csp; docs/security.md) ------------------------------------
# No inline script or style anywhere: GOV.UK Frontend, MoJ Frontend, htmx and the app's own code
# are files under static/, and htmx's inline indicator style is switched off in base.html.
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

# --- Optional single sign-on over OpenID Connect (mozilla-django-oidc; docs/security.md) -------
# Off unless OIDC_ENABLED is true; then the sign-in page also offers "Sign in with <provider>".
# Accounts are matched; a first sign-in creates an account with no role and no team, waiting for
# an administrator (ippcase.platform.signin.OIDCBackend.create_user).
OIDC_ENABLED = env_bool("OIDC_ENABLED", False)
OIDC_PROVIDER_NAME = os.environ.get("OIDC_PROVIDER_NAME", "HMPPS Auth")
OIDC_RP_CLIENT_ID = os.environ.get("OIDC_RP_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("OIDC_RP_CLIENT_SECRET", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("OIDC_OP_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("OIDC_OP_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = os.environ.get("OIDC_OP_USER_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = os.environ.get("OIDC_OP_JWKS_ENDPOINT", "")
OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_RP_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = os.environ.get("OIDC_RP_SCOPES", "openid profile email")
# "username": the claim named by OIDC_USERNAME_CLAIM must equal an account's username (any case);
# "email": the verified email claim must equal an account's email (any case).
OIDC_MATCH_ON = os.environ.get("OIDC_MATCH_ON", "username")
OIDC_USERNAME_CLAIM = os.environ.get("OIDC_USERNAME_CLAIM", "preferred_username")
OIDC_CREATE_USER = True  # a waiting account: no role, no team, sees nothing
OIDC_USE_PKCE = True
OIDC_CALLBACK_CLASS = "ippcase.platform.signin.OIDCCallbackView"
LOGIN_REDIRECT_URL_FAILURE = "/sign-in/"
if OIDC_ENABLED:
    _OIDC_REQUIRED = {
        "OIDC_RP_CLIENT_ID": OIDC_RP_CLIENT_ID,
        "OIDC_RP_CLIENT_SECRET": OIDC_RP_CLIENT_SECRET,
        "OIDC_OP_AUTHORIZATION_ENDPOINT": OIDC_OP_AUTHORIZATION_ENDPOINT,
        "OIDC_OP_TOKEN_ENDPOINT": OIDC_OP_TOKEN_ENDPOINT,
        "OIDC_OP_USER_ENDPOINT": OIDC_OP_USER_ENDPOINT,
        "OIDC_OP_JWKS_ENDPOINT": OIDC_OP_JWKS_ENDPOINT,
    }
    _missing = sorted(name for name, value in _OIDC_REQUIRED.items() if not value)
    if _missing:
        raise ImproperlyConfigured(f"OIDC_ENABLED is set but these are empty: {_missing}")
    if OIDC_MATCH_ON not in {"username", "email"}:
        raise ImproperlyConfigured("OIDC_MATCH_ON must be 'username' or 'email'")
    AUTHENTICATION_BACKENDS.append("ippcase.platform.signin.OIDCBackend")

# Without SMTP, each message is a file under EMAIL_FILE_PATH and the log says only how many:
# the console backend printed names, CRNs and invitation links into the logs (issue 18).
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "ippcase.platform.mail.FileEmailBackend")
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(DATA_DIR / "mail"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "ippcase@localhost")
# The outbox (ippcase/core/notifications.py): a message that cannot be sent is tried again after
# 1, 2, 4… minutes (at most NOTIFICATION_RETRY_MAX_DELAY apart) and given up after this many
# attempts, for an administrator to try again (docs/operations.md).
NOTIFICATION_MAX_ATTEMPTS = int(os.environ.get("NOTIFICATION_MAX_ATTEMPTS", "8"))
NOTIFICATION_RETRY_BASE_DELAY = timedelta(minutes=1)
NOTIFICATION_RETRY_MAX_DELAY = timedelta(hours=1)
# The service's address, for the link in a notification email ("something is waiting: sign in").
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

CELERY_BROKER_URL = REDIS_URL
# A web request that enqueues work must not hang when Redis is down: fail fast (the work is in the
# database — outbox rows, queued dossiers — and beat sweeps pick it up once Redis is back).
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_RESULT_BACKEND = REDIS_URL
# Sending a task also subscribes to its result in Redis, and Celery's default retries that for
# about 20 s while Redis is down, holding the web request that enqueued it: give up as fast as the
# publish does (tests/test_faults.py, docs/operations.md).
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"retry_policy": CELERY_TASK_PUBLISH_RETRY_POLICY}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 2
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Replace the pool process after this many tasks: rendering PDFs (WeasyPrint) grows a worker's
# memory by a fraction of a MiB each (docs/performance.md, "Load test"), so it cannot grow forever.
CELERY_WORKER_MAX_TASKS_PER_CHILD = int(os.environ.get("CELERY_MAX_TASKS_PER_CHILD", "200"))
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "worker-heartbeat": {"task": "ippcase.heartbeat", "schedule": 60.0},
    # Catch-up sweep of the notification outbox (normally sent as soon as a change commits).
    "send-notifications": {"task": "ippcase.send_notifications", "schedule": 60.0},
    # Recall report reminders, each weekday morning (Europe/London); the scan itself skips bank
    # holidays, and catches up after an outage because it is derived from the database.
    # Builds dossiers whose request could not reach the broker (the request itself never fails).
    "build-pending-dossiers": {"task": "recall.build_pending_dossiers", "schedule": 60.0},
    "recall-report-reminders": {
        "task": "recall.send_report_reminders",
        "schedule": crontab(hour=7, minute=0, day_of_week="mon-fri"),
    },
    # Parole reminders (hearings, untold adjournments, termination eligibility), each weekday
    # morning after the report scan; the scan skips bank holidays and catches up (docs/parole.md).
    "parole-reminders": {
        "task": "parole.send_parole_reminders",
        "schedule": crontab(hour=7, minute=10, day_of_week="mon-fri"),
    },
}

# Audit: every event table refuses UPDATE and DELETE (a database trigger, not a convention).
PGHISTORY_APPEND_ONLY = True
PGHISTORY_CREATED_AT_FUNCTION = "clock_timestamp()"

# Personal data never goes into logs: log records carry ids, never names (docs/operations.md).
# One JSON object per line on stderr (LOG_FORMAT=plain for a readable console): time, level,
# logger, message, request_id, user_id, task_id, and only a whitelist of other fields. Paths
# (which hold CRNs) become route patterns and exception messages are withheld
# (ippcase/platform/logs.py).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "context": {"()": "ippcase.platform.logs.ContextFilter"},
        "redact_paths": {"()": "ippcase.platform.logs.RedactPathFilter"},
        "celery_task": {"()": "ippcase.platform.logs.CeleryTaskFilter"},
    },
    "formatters": {
        "json": {"()": "ippcase.platform.logs.JsonFormatter"},
        "plain": {"()": "ippcase.platform.logs.PlainFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain" if os.environ.get("LOG_FORMAT") == "plain" else "json",
            "filters": ["context", "redact_paths"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's defaults give "django" a console handler (when DEBUG) and mail_admins, and
        # runserver's "django.server" its own handler: each would print paths unfiltered. With
        # no handlers of their own, their records reach the root's filtered handler (issue 18).
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": [], "level": "INFO", "propagate": True},
        "django.db.backends": {"level": "WARNING"},
        # redis-py gives "push_response" its own unfiltered stdout handler unless the logger
        # already exists (redis.utils._set_info_logger): declared here, it goes through the root.
        "push_response": {"handlers": [], "level": "INFO", "propagate": True},
        # Celery quotes a failed task's exception in the message itself.
        "celery.app.trace": {"filters": ["celery_task"]},
        # WeasyPrint narrates every layout step at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

CASELOAD_PAGE_SIZE = 25
