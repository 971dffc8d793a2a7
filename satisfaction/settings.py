"""Settings for Thước đo, read from environment variables.

With no variables set, the portal runs in its embedded mode: SQLite under var/, Celery tasks
eagerly in-process, DEBUG on. Production sets DATABASE_URL (PostgreSQL), CELERY_BROKER_URL
(Redis), SECRET_KEY, ALLOWED_HOSTS and DEBUG=false. No value in this file is a secret.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)

_DEV_SECRET = "dev-only-insecure-secret-key-for-the-embedded-mode-0123456789abcdef"
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Absolute base of links printed on receipts and QR codes (no trailing slash).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "agencies",
    "surveys",
    "reports",
    "feedback",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "satisfaction.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "satisfaction.middleware.VietnameseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # After the language is known (its page is in the visitor's language), before any view or query.
    "satisfaction.middleware.InputBoundsMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "satisfaction.middleware.PrivateNoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Innermost but for axes: it chooses where the view reads and reads again if the replica fails.
    "satisfaction.replica.ReplicaReadsMiddleware",
    # Last, as django-axes requires: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "satisfaction.urls"
WSGI_APPLICATION = "satisfaction.wsgi.application"

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
                "satisfaction.context_processors.navigation",
                "satisfaction.freshness.data_as_of",
            ],
        },
    },
]

# Database: SQLite under var/ by default; PostgreSQL in production via DATABASE_URL.
VAR_DIR.mkdir(exist_ok=True)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL lets the dashboards read while a rollup or a submission writes.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault("init_command", "PRAGMA journal_mode=WAL;")
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 20)
else:
    # Without persistent connections a submit costs about 4x more (DESIGN.md, Performance).
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# A pooler in transaction mode (PgBouncer, docs/operations.md): a server connection serves one
# transaction at a time, so nothing may outlive a transaction on it. Django's server-side cursors
# (.iterator() on PostgreSQL) are named cursors that would: off. psycopg2 prepares no statements.
# Persistent connections (CONN_MAX_AGE) stay on: they are to PgBouncer, which is cheap to hold.
DATABASE_POOLER = env.str("DATABASE_POOLER", default="")  # "pgbouncer-transaction" or empty
if DATABASE_POOLER == "pgbouncer-transaction":
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
elif DATABASE_POOLER:
    raise ImproperlyConfigured("DATABASE_POOLER is 'pgbouncer-transaction' or empty.")

# Read replica (satisfaction/replica.py): a PostgreSQL hot standby for the pages that only show
# scores. Without DATABASE_REPLICA_URL everything reads from the primary.
REPLICA_READ_PATHS = env.list(
    "REPLICA_READ_PATHS", default=["/dashboard/", "/units/", "/compare/", "/open-data/", "/api/v1/scores/"]
)
REPLICA_MAX_LAG_SECONDS = env.float("REPLICA_MAX_LAG_SECONDS", default=30.0)
REPLICA_CHECK_SECONDS = env.float("REPLICA_CHECK_SECONDS", default=5.0)
# Read-your-own-writes: after a write, the client reads from the primary this long.
REPLICA_PIN_SECONDS = env.int("REPLICA_PIN_SECONDS", default=60)
if env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    DATABASES["replica"]["CONN_MAX_AGE"] = DATABASES["default"].get("CONN_MAX_AGE", 0)
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
    # A standby that is gone must cost a page little: give up connecting after this long.
    DATABASES["replica"].setdefault("OPTIONS", {})["connect_timeout"] = env.int("REPLICA_CONNECT_TIMEOUT", default=2)
    DATABASES["replica"]["DISABLE_SERVER_SIDE_CURSORS"] = DATABASE_POOLER == "pgbouncer-transaction"
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["satisfaction.replica.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sign-in lockout (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one username from
# one client, that pair waits AXES_COOLOFF_MINUTES; other staff and other clients are unaffected.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "satisfaction.security.lockout_response"
AXES_CLIENT_IP_CALLABLE = "satisfaction.security.axes_client_ip"  # NUM_PROXIES-aware, valid IPs only
AXES_SENSITIVE_PARAMETERS = ["password"]
# Staff sessions end after SESSION_IDLE_MINUTES without a request (each request renews the cookie).
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_MINUTES", default=30) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/dashboard/"
LOGOUT_REDIRECT_URL = "/"

# Languages: Vietnamese first, English complete.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_BACKEND",
            default="django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}
MEDIA_ROOT = env.str("MEDIA_ROOT", default=str(VAR_DIR / "media"))
# Exports (reports.export_jobs): one whose estimated rows reach this is built by a worker on the
# `exports` queue and downloaded by a private link; smaller ones are answered at once. The link
# and its file (under MEDIA_ROOT/exports/, shared by web and export workers) live this long.
EXPORT_BACKGROUND_MIN_ROWS = env.int("EXPORT_BACKGROUND_MIN_ROWS", default=1000)
EXPORT_TTL_HOURS = env.int("EXPORT_TTL_HOURS", default=24)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Celery: no broker configured means the embedded mode, tasks run eagerly in-process.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# Queues (docs/operations.md, Celery queues): each kind of work has its own queue so that it can get
# its own workers on its own machines; a worker started without -Q consumes all of them (one
# machine), `-Q rollup` only the rollup. Tasks are routed by name; a task whose name fits no
# pattern goes to `default` and fails satisfaction/tests/test_celery_routing.py until routed.
TASK_QUEUE_NAMES = ("rollup", "abuse", "exports", "notifications", "default")
CELERY_TASK_QUEUES = [Queue(name, routing_key=name) for name in TASK_QUEUE_NAMES]
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "reports.tasks.rollup_*": {"queue": "rollup"},
    "reports.tasks.detect_abuse": {"queue": "abuse"},
    "*.tasks.export_*": {"queue": "exports"},
    "*.tasks.notify_*": {"queue": "notifications"},
    "*.tasks.send_*": {"queue": "notifications"},
    "*.tasks.*digest*": {"queue": "notifications"},
    "*.tasks.*alert*": {"queue": "notifications"},
    # Feedback: what follows a rollup (topics, alert detection) and mail go with notifications;
    # monthly PDFs are heavy and go with exports.
    "feedback.tasks.after_rollup": {"queue": "notifications"},
    "feedback.tasks.tag_comments": {"queue": "notifications"},
    "feedback.tasks.monthly_report*": {"queue": "exports"},
}
# Redelivery is harmless because every task is idempotent (each task's docstring says why), so a
# task is acknowledged only when it has finished: a worker machine that dies mid-task leaves the
# message to be delivered again. A worker child killed by the OS (out of memory) is not re-queued
# (reject_on_worker_lost off): a task that kills its worker would otherwise loop; beat's next run
# converges instead. One message per worker process at a time, so a long rollup holds no others.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = False
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Time limits: soft raises in the task (its transaction rolls back), hard kills the child.
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=600)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=660)
# The full (nightly) and window rollups recompute the whole tree: allow them longer.
ROLLUP_TIME_LIMIT = env.int("ROLLUP_TIME_LIMIT", default=3600)
CELERY_TASK_ANNOTATIONS = {
    name: {"soft_time_limit": ROLLUP_TIME_LIMIT - 60, "time_limit": ROLLUP_TIME_LIMIT}
    for name in ("reports.tasks.rollup_nightly", "reports.tasks.rollup_window")
}
# Redis hands an unacknowledged message to another worker after the visibility timeout. It must
# be longer than the longest task may run, or a rollup still running would be started twice.
BROKER_VISIBILITY_TIMEOUT = max(CELERY_TASK_TIME_LIMIT, ROLLUP_TIME_LIMIT) + 600
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # A submission must never wait long on a broker that is down (DESIGN.md, Integrity).
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "visibility_timeout": BROKER_VISIBILITY_TIMEOUT,
}
ROLLUP_INCREMENTAL_MINUTES = env.int("ROLLUP_INCREMENTAL_MINUTES", default=5)
ROLLUP_NIGHTLY_HOUR = env.int("ROLLUP_NIGHTLY_HOUR", default=2)
# The incremental rollup re-reads responses changed this long before its last watermark, so an
# answer whose transaction committed late is never missed (recomputing a key is idempotent).
ROLLUP_WATERMARK_OVERLAP_SECONDS = env.int("ROLLUP_WATERMARK_OVERLAP_SECONDS", default=600)
# With a broker, a burst of answers or moderations sends one rollup message while one is waiting,
# and at most one per this many seconds (reports.queueing); 0 sends one message per request.
ROLLUP_QUEUE_DEBOUNCE = env.int("ROLLUP_QUEUE_DEBOUNCE", default=5)
CELERY_BEAT_SCHEDULE = {
    "export-cleanup": {"task": "reports.tasks.export_cleanup", "schedule": timedelta(hours=1)},
    "rollup-incremental": {
        "task": "reports.tasks.rollup_incremental",
        "schedule": timedelta(minutes=ROLLUP_INCREMENTAL_MINUTES),
    },
    "rollup-nightly": {
        "task": "reports.tasks.rollup_nightly",
        "schedule": crontab(hour=ROLLUP_NIGHTLY_HOUR, minute=15),
    },
    # feedback: alerts are detected after each rollup; these catch up and send (outbox with backoff).
    "feedback-after-rollup": {"task": "feedback.tasks.after_rollup", "schedule": timedelta(minutes=15)},
    "feedback-send-alerts": {"task": "feedback.tasks.send_alerts", "schedule": timedelta(minutes=1)},
    "feedback-monthly-reports": {
        "task": "feedback.tasks.monthly_reports_all",
        "schedule": crontab(day_of_month=2, hour=3, minute=30),
    },
    "feedback-weekly-digest": {
        "task": "feedback.tasks.weekly_digest",
        "schedule": crontab(day_of_week="mon", hour=env.int("DIGEST_HOUR", default=7), minute=0),
    },
}

# E-mail (alerts, digests): an SMTP server from the environment, e.g.
# EMAIL_URL=smtp+tls://user:password@smtp.example.org:587; the embedded default prints mails to the console.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Thước đo <no-reply@localhost>")
# A server that does not answer must not hold a worker for long; the outbox retries later.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
# API input bounds: a larger body or deeper JSON is refused with 400 before it is parsed.
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=16 * 1024)
API_MAX_JSON_DEPTH = env.int("API_MAX_JSON_DEPTH", default=8)

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PARSER_CLASSES": ["satisfaction.api_parsers.BoundedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Thước đo API",
    "DESCRIPTION": "Receipts for the one-stop software; satisfaction scores for BI tools.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from our own static files, never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Two choice sets are both called `channel`: how a dossier was handled (receipts) and how an
    # answer arrived (responses); each gets its own schema name.
    "ENUM_NAME_OVERRIDES": {
        "ReceiptChannelEnum": "surveys.models.Receipt.Channel",
        "ResponseChannelEnum": "surveys.models.Response.Channel",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "surveys.api.strict_request_bodies",
    ],
}

# Content-Security-Policy (django-csp 4): scripts and styles only from our own static files, so an
# injected <script> or on*= attribute never runs. Data URIs only for images (Bootstrap's SVG icons).
# frame-ancestors 'self': the authoring preview frames a page of the portal; nobody else may.
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
        "frame-ancestors": ["'self'"],
    },
}

# Domain settings.
RECEIPT_EXPIRY_DAYS = env.int("RECEIPT_EXPIRY_DAYS", default=30)
# While an address cools down after too many wrong codes, one code is still checked every this many
# seconds, so that citizens with valid codes behind a shared address (NAT, office Wi-Fi) get through.
CODE_TRICKLE_SECONDS = env.int("CODE_TRICKLE_SECONDS", default=6)
# Overrides of the citizen pages' rate limits (surveys.ratelimit.LIMITS), as JSON
# {"code"|"link"|"kiosk": [tries, window seconds, cooldown seconds]}; {} keeps the defaults.
SURVEY_RATE_LIMITS = env.json("SURVEY_RATE_LIMITS", default={})
# Printed receipts (batches from /manage/receipts/ or issue_receipts) a unit may issue per local day.
RECEIPT_BATCH_DAILY_CAP = env.int("RECEIPT_BATCH_DAILY_CAP", default=2000)
MIN_RESPONSES_FOR_RANKING = env.int("MIN_RESPONSES_FOR_RANKING", default=30)
# Anonymity against insiders (docs/privacy.md): a comment's or moderation row's procedure and mean
# rating are shown only when at least this many responses share its unit, procedure and day.
ANONYMITY_K = env.int("ANONYMITY_K", default=5)
INCLUDE_OPEN_LINK_IN_SCORES = env.bool("INCLUDE_OPEN_LINK_IN_SCORES", default=False)
# Response-rate floor (0–1): a unit whose receipts were answered less often than this is marked
# on the dashboards, since its index may not represent its visitors (reports.coverage).
RESPONSE_RATE_FLOOR = env.float("RESPONSE_RATE_FLOOR", default=0.3)
# /healthz answers everyone up/down only; its details go to administrators and to callers sending
# `Authorization: Bearer <HEALTHZ_TOKEN>` (monitoring). Empty: no token is accepted.
HEALTHZ_TOKEN = env.str("HEALTHZ_TOKEN", default="")
# Reverse proxies in front of the app; the client address for rate limits is read from
# X-Forwarded-For accordingly (0: REMOTE_ADDR). Only a salted hash of it is ever kept.
NUM_PROXIES = env.int("NUM_PROXIES", default=0)

# Abuse review (reports.abuse): answers in a burst from one client or kiosk, or many identical answer
# sets at one unit, are flagged for a manager's review; they keep counting until someone decides.
ABUSE_BURST_COUNT = env.int("ABUSE_BURST_COUNT", default=5)
ABUSE_BURST_MINUTES = env.int("ABUSE_BURST_MINUTES", default=10)
ABUSE_KIOSK_BURST_COUNT = env.int("ABUSE_KIOSK_BURST_COUNT", default=8)
ABUSE_KIOSK_BURST_MINUTES = env.int("ABUSE_KIOSK_BURST_MINUTES", default=3)
ABUSE_IDENTICAL_COUNT = env.int("ABUSE_IDENTICAL_COUNT", default=10)
ABUSE_IDENTICAL_MINUTES = env.int("ABUSE_IDENTICAL_MINUTES", default=60)
ABUSE_LOOKBACK_MINUTES = env.int("ABUSE_LOOKBACK_MINUTES", default=180)

# Rate limits live in the cache: per-process memory by default, Redis in production.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://thuocdo")}

# Production hardening; all of it is switched on by DEBUG=false.
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
    X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}
