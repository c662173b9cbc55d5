"""Settings shared by every environment; values come from the environment (django-environ).

A bad value (say ``DEBUG=maybe``) stops the start with an error naming the variable.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()


def env_bool(name: str, default: bool) -> bool:
    """Read a boolean strictly: unknown spellings fail loudly instead of meaning False."""
    raw = env.str(name, default=None)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use true or false)")


def env_int(name: str, default: int) -> int:
    raw = env.str(name, default=None)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number") from None


def env_database(name: str, default: str) -> dict:
    raw = env.str(name, default=default)
    try:
        config = environ.Env.db_url_config(raw)
    except Exception as exc:
        raise ImproperlyConfigured(f"{name} is not a valid database URL: {exc}") from None
    if not config.get("ENGINE"):
        raise ImproperlyConfigured(f"{name} names an unknown database scheme")
    return config


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env.str("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "healthpov.accounts.axes_config.AxesConfig",
    "django_htmx",
    "import_export",
    "healthpov.places",
    "healthpov.accounts",
    "healthpov.operations",
    "healthpov.notifications",
    "households",
    "signing",
    "treatment",
    "coverage",
    "inspections",
    "remediation",
    "desk",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "healthpov.accounts.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "healthpov.accounts.middleware.IdleTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "healthpov.accounts.middleware.NoStoreForSignedInMiddleware",
    # Axes must be last so it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "desk.urls"
WSGI_APPLICATION = "healthpov.wsgi.application"
# Requests of one web process that run the application at once (0, the default: no limit),
# and after how many ms a running request gives its place to the next in line
# (healthpov/admission.py; off by default: docs/scaling.md "The admission limit").
WEB_ACTIVE_REQUESTS = env_int("WEB_ACTIVE_REQUESTS", 0)
WEB_LONG_REQUEST_MS = env_int("WEB_LONG_REQUEST_MS", 200)

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
            ],
            # {% url %} without arguments resolved once per process (docs/architecture.md
            # "Performance choices"). Django's cached template loader is on: no "loaders" here.
            "builtins": ["healthpov.accounts.templatetags.cached_url"],
            # {% static %} asks the storage once per file and process, {% translate %} of a
            # literal translates it once per process and language (the same section).
            "libraries": {
                "static": "healthpov.accounts.templatetags.cached_static",
                "i18n": "healthpov.accounts.templatetags.cached_i18n",
            },
        },
    }
]

VAR_DIR = Path(env.str("HEALTHPOV_VAR_DIR", default=str(BASE_DIR / "var")))
DATABASES = {"default": env_database("DATABASE_URL", f"sqlite:///{VAR_DIR / 'healthpov.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env_int("CONN_MAX_AGE", 0))
# DATABASE_POOLER=pgbouncer: the app reaches PostgreSQL through PgBouncer in transaction pooling
# mode (docs/scaling.md "Connection pooling"): a server connection belongs to the app only for
# one transaction, so no server-side cursors (a named cursor outlives the transaction that
# .iterator() opens it in) and no startup "options" (PgBouncer refuses unknown startup
# parameters; the server itself is then run with jit=off).
DATABASE_POOLER = env.str("DATABASE_POOLER", default="").strip().lower()
if DATABASE_POOLER not in {"", "pgbouncer"}:
    raise ImproperlyConfigured(f"DATABASE_POOLER={DATABASE_POOLER!r} is not known (use pgbouncer)")


#: What every PostgreSQL session of the app is started with (``postgres_tuned``); the compose
#: file's servers are started with the same, for sessions through PgBouncer.
SESSION_OPTIONS = "-c jit=off -c max_parallel_workers_per_gather=0 -c random_page_cost=1.1"


def postgres_tuned(config: dict) -> dict:
    """What every PostgreSQL connection of the app gets, primary and replica alike."""
    if DATABASE_POOLER == "pgbouncer":
        config["DISABLE_SERVER_SIDE_CURSORS"] = True
        return config
    # No JIT: PostgreSQL compiles a query whose estimated cost passes jit_above_cost, and the
    # signing work lists' correlated subqueries are estimated far above it, so pages paid far
    # more to compile than to run (docs/architecture.md "Performance choices").
    # Pages run short queries; JIT only pays off for long analytical ones.
    # No parallel workers either: a page's query is cheaper in one process, and where the
    # planner misjudged a scope it chose a parallel scan of a whole table (docs/scaling.md).
    # Index probes priced as reads from memory (random_page_cost 1.1, the default 4 being a
    # spinning disk's): a county's or a province's data is in RAM, and with the default the
    # planner of a ten-county database hashed every person instead of probing a township's
    # (docs/scaling.md "Session 15").
    options = config.setdefault("OPTIONS", {})
    options["options"] = f"{options.get('options', '')} {SESSION_OPTIONS}".strip()
    return config


if DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql"):
    postgres_tuned(DATABASES["default"])
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the in-process worker thread and web requests share the file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }

# A full recompute of a large installation runs its figures statement in parts, each on a
# connection of its own at the same time (PostgreSQL only; docs/scaling.md, "(c) The
# full recompute"): COVERAGE_PARTS of them (give the database server's cores), above
# COVERAGE_SPLIT_PERSONS persons.
COVERAGE_PARTS = env_int("COVERAGE_PARTS", 2)
COVERAGE_SPLIT_PERSONS = env_int("COVERAGE_SPLIT_PERSONS", 500_000)

# Reads of read-only pages on a PostgreSQL streaming replica (docs/scaling.md "Reads on a
# replica"). Without DATABASE_REPLICA_URL there is no "replica" alias and no router.
REPLICA_STICKY_SECONDS = env_int("REPLICA_STICKY_SECONDS", 10)
REPLICA_RETRY_SECONDS = env_int("REPLICA_RETRY_SECONDS", 30)
REPLICA_CONNECT_TIMEOUT = env_int("REPLICA_CONNECT_TIMEOUT", 2)
if env.str("DATABASE_REPLICA_URL", default="").strip():
    _replica = env_database("DATABASE_REPLICA_URL", "")
    if not (
        _replica["ENGINE"].startswith("django.db.backends.postgresql")
        and DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql")
    ):
        raise ImproperlyConfigured(
            "DATABASE_REPLICA_URL needs PostgreSQL for both DATABASE_URL and the replica"
        )
    _replica["ATOMIC_REQUESTS"] = False
    _replica.setdefault("CONN_MAX_AGE", DATABASES["default"]["CONN_MAX_AGE"])
    postgres_tuned(_replica)
    # A replica that does not answer costs a page at most this long, once per
    # REPLICA_RETRY_SECONDS (healthpov/db_routing.py).
    _replica_options = _replica.setdefault("OPTIONS", {})
    _replica_options.setdefault("connect_timeout", REPLICA_CONNECT_TIMEOUT)
    _replica_options.setdefault("application_name", "healthpov-replica-reads")
    DATABASES["replica"] = _replica
    DATABASE_ROUTERS = ["healthpov.db_routing.ReplicaRouter"]
    # Remembers, in a signed cookie, that the browser wrote in the last REPLICA_STICKY_SECONDS.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware"),
        "healthpov.db_routing.RecentWriteMiddleware",
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "healthpov.accounts.backends.UserBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Idle sessions end after 30 minutes. healthpov.accounts.middleware.IdleTimeoutMiddleware keeps
# the time of the user's last request (background polls do not count) and saves the session
# when it moves, at most once a minute; the stored session expires after the same time.
SESSION_IDLE_SECONDS = env_int("SESSION_IDLE_SECONDS", 30 * 60)
# Django's database sessions, read with one plain statement (healthpov/accounts/sessions.py).
SESSION_ENGINE = "healthpov.accounts.sessions"
SESSION_COOKIE_AGE = SESSION_IDLE_SECONDS
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # HTMX reads the token from the page, not the cookie.

# An inspector's access through an inspection group ends this many days after the group's
# campaign ends.
INSPECTION_ACCESS_GRACE_DAYS = env_int("INSPECTION_ACCESS_GRACE_DAYS", 30)

# Offices share one IP address, so lock by username only.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked.html"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS: list[Path] = []  # every app ships its own locale/ directory

STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"  # never served directly: media views check access first
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
IMPORT_MAX_FILE_BYTES = env_int("IMPORT_MAX_FILE_BYTES", 20 * 1024 * 1024)
# How much memory reading one import file may take (households/imports/memory.py).
IMPORT_MEMORY_LIMIT_MB = env_int("IMPORT_MEMORY_LIMIT_MB", 512)
if IMPORT_MEMORY_LIMIT_MB < 32:
    raise ImproperlyConfigured("IMPORT_MEMORY_LIMIT_MB must be at least 32 (megabytes)")
# An .xlsx is a zip: its members together may not inflate beyond this (a zip bomb otherwise).
IMPORT_MAX_UNCOMPRESSED_BYTES = env_int("IMPORT_MAX_UNCOMPRESSED_BYTES", 15 * IMPORT_MAX_FILE_BYTES)
# Rows times columns of the used range of a sheet; checked before anything is parsed.
IMPORT_MAX_CELLS = env_int("IMPORT_MAX_CELLS", 5_000_000)
# Evidence photos of inspection findings: largest accepted upload, and the longest side they are
# resized to before being stored.
EVIDENCE_PHOTO_MAX_BYTES = env_int("EVIDENCE_PHOTO_MAX_BYTES", 5 * 1024 * 1024)
EVIDENCE_PHOTO_MAX_SIDE = env_int("EVIDENCE_PHOTO_MAX_SIDE", 1600)
# Proof files of a refused major-illness treatment (PDF, PNG or JPEG): largest accepted upload.
TREATMENT_PROOF_MAX_BYTES = env_int("TREATMENT_PROOF_MAX_BYTES", 5 * 1024 * 1024)

# API tokens expire this many hours after they were issued (POST /api/token/ gives a new one);
# logout, lockout, deactivation and a change of role or place revoke them at once.
API_TOKEN_TTL_HOURS = env_int("API_TOKEN_TTL_HOURS", 12)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # The token class first: its WWW-Authenticate header makes anonymous calls a 401.
        "healthpov.accounts.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "healthpov.api_schema.document_error_answers",
    ],
    "TITLE": "healthpov API",
    "DESCRIPTION": (
        "County health-poverty case management. Every answer is scoped to the caller's places."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a "status"; name the registry's person status once.
    "ENUM_NAME_OVERRIDES": {"PersonStatusEnum": "households.models.PersonStatus"},
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
}

# Content-Security-Policy: no inline script anywhere; everything is served from 'self'.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Celery: with REDIS_URL a real broker and worker; without it every job runs in process.
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# The niceness of the worker's processes and of the long commands (import_roster): background
# work yields the CPU to page requests (healthpov/operations/priority.py); 0 leaves it alone.
WORKER_NICE = env_int("WORKER_NICE", 10)
# ... and, where Linux has it, under the SCHED_IDLE policy: the CPU only when no page wants it
# (docs/scaling.md "Background work and page latency").
WORKER_IDLE_POLICY = env_bool("WORKER_IDLE_POLICY", True)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 30 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 25 * 60)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A web request must never hang on a dead broker: fail fast and keep the job in the database.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "socket_timeout": 2,
    "socket_connect_timeout": 2,
    # A task whose worker died unacknowledged (acks_late) is handed out again after this many
    # seconds; it must exceed CELERY_TASK_TIME_LIMIT or running tasks would be run twice.
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600),
}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    # Jobs kept in the database while Redis was down (healthpov.operations.dispatch).
    "operations-dispatch-pending": {
        "task": "healthpov.operations.tasks.dispatch_pending",
        "schedule": 60.0,
    },
    # Apps add their periodic jobs here; the schedule lives in code so it is reviewed.
    "accounts-clear-expired-sessions": {
        "task": "healthpov.accounts.tasks.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=0),
    },
    "coverage-nightly-recompute": {
        "task": "coverage.tasks.recompute_all",
        "schedule": crontab(hour=1, minute=30),
    },
    "remediation-mark-overdue": {
        "task": "remediation.tasks.mark_overdue",
        "schedule": crontab(hour=0, minute=15),
    },
    "remediation-weekly-report": {
        "task": "remediation.tasks.build_weekly_report",
        "schedule": crontab(hour=12, minute=0, day_of_week="thu"),
    },
    "remediation-monthly-report": {
        "task": "remediation.tasks.build_monthly_report",
        "schedule": crontab(hour=6, minute=0, day_of_month="1"),
    },
    "remediation-revisits": {
        "task": "remediation.tasks.create_due_revisits",
        "schedule": crontab(hour=0, minute=45),
    },
    "desk-work-reminders": {
        "task": "desk.tasks.send_work_reminders",
        "schedule": crontab(hour=6, minute=30),
    },
}

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="healthpov@localhost")
EMAIL_NOTIFICATIONS = env_bool("EMAIL_NOTIFICATIONS", False)
# Only used with EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend.
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Township offices share one public IP address; locking by IP would lock out a whole office.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
# The static and i18n template libraries are replaced on purpose (TEMPLATES above), which
# Django's templates.W003 reports; healthpov.W001 (healthpov/checks.py) checks every other name.
SILENCED_SYSTEM_CHECKS += ["templates.W003"]
