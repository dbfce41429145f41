"""Settings shared by every environment. Bad environment values fail loudly at start-up."""

from pathlib import Path

import dj_database_url
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured

from homecare.config.env import env_bool, env_int, env_str

BASE_DIR = Path(__file__).resolve().parents[3]
VAR_DIR = BASE_DIR / "var"

SECRET_KEY = env_str("SECRET_KEY", "")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = [h for h in env_str("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "simple_history",
    "django_rq",
    "ninja",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "homecare.platform",
    "homecare.govuk_forms",
    "homecare.accounts",
    "homecare.providers",
    "homecare.people",
    "homecare.brokerage",
    "homecare.visits",
    "homecare.finance",
    "homecare.quality",
    "homecare.records",
    "homecare.market",
    "homecare.reporting",
    "homecare.outcomes",
    "homecare.rostering",
]

MIDDLEWARE = [
    "homecare.platform.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "homecare.accounts.middleware.SessionLimitsMiddleware",
    "homecare.accounts.middleware.SecondFactorRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "homecare.platform.middleware.NoStoreMiddleware",
    "csp.middleware.CSPMiddleware",
    "homecare.platform.middleware.DeniedRequestLogMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "homecare.config.urls"
WSGI_APPLICATION = "homecare.config.wsgi.application"

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
                "homecare.accounts.context_processors.navigation",
            ],
        },
    },
]
FORM_RENDERER = "homecare.govuk_forms.renderers.GovukFormRenderer"

_database_url = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'homecare.sqlite3'}")
try:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
except ValueError as exc:  # pragma: no cover - start-up guard
    raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {exc}") from exc
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the worker and the web process read while one writes; a busy timeout avoids
    # "database is locked" under the development server's threads.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:sign-in"
LOGIN_REDIRECT_URL = "accounts:dashboard"
LOGOUT_REDIRECT_URL = "accounts:sign-in"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a locked-out username or address before checking
    "django.contrib.auth.backends.ModelBackend",
]
# Sessions (NHS DSPT / ASVS 3.3): signed out after 30 minutes idle and 12 hours at most, whatever happens.
SESSION_COOKIE_AGE = 12 * 60 * 60
SESSION_IDLE_SECONDS = env_int("SESSION_IDLE_SECONDS", 30 * 60)
SESSION_ABSOLUTE_SECONDS = env_int("SESSION_ABSOLUTE_SECONDS", 12 * 60 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Second factor: every staff role signs in with a single-use TOTP code before any personal data.
OTP_TOTP_ISSUER = "OpenHomecare"
OTP_TOTP_THROTTLE_FACTOR = 1
# Lockout (django-axes): 5 failed sign-ins lock that username, and separately that address, for 30 minutes.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_IPWARE_PROXY_COUNT = env_int("AXES_PROXY_COUNT", 0, minimum=0)
AXES_USERNAME_FORM_FIELD = "username"
# Content-Security-Policy: our own scripts and styles only; the one inline script carries a nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        # Inline style attributes (server-rendered SVG charts, QR codes) are allowed; scripts never are.
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "manifest-src": ["'self'"],
        "worker-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "no-reply@openhomecare.example")

# Background jobs: RQ on Redis. JOBS_EAGER runs them in-process (embedded default, tests).
REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
JOBS_EAGER = env_bool("JOBS_EAGER", True)
RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 600, "ASYNC": not JOBS_EAGER}}
# A job whose worker died is run again up to this many times (jobs are idempotent; ADR 0004).
JOBS_RETRIES = env_int("JOBS_RETRIES", 5)

# Brokerage defaults; a framework's own settings win where it has them.
BROKERAGE_RESPONSE_HOURS = 24
BROKERAGE_HARD_TO_PLACE_ROUNDS = 3
BROKERAGE_HARD_TO_PLACE_DAYS = 5
BROKERAGE_RANKING = ("continuity", "earliest_start", "provider_quality", "quality", "price")

PHONENUMBER_DEFAULT_REGION = "GB"
PHONENUMBER_DB_FORMAT = "E164"

# Structured logs: JSON lines with the request id (LOG_FORMAT=text for a terminal).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "homecare.platform.logs.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "homecare.platform.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": env_str("LOG_FORMAT", "json"),
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
if LOGGING["handlers"]["console"]["formatter"] not in LOGGING["formatters"]:
    raise ImproperlyConfigured("LOG_FORMAT must be json or text")

# Safeguarding: more than one similar concern about one person or provider within this many days is
# flagged to the team manager (quality app).
SAFEGUARDING_PATTERN_WINDOW_DAYS = env_int("SAFEGUARDING_PATTERN_WINDOW_DAYS", 90)

# Periodic jobs, enqueued by `manage.py run_scheduler` (see homecare/platform/schedule.py).
SCHEDULE = [
    {"job": "homecare.platform.jobs.requeue_abandoned", "every_minutes": 1},  # jobs of dead workers
    {"job": "homecare.visits.tasks.flag_late_visits_job", "every_minutes": 5},
    {"job": "homecare.brokerage.tasks.expire_offer_rounds", "every_minutes": 5},
    {"job": "homecare.visits.tasks.generate_visits_job", "daily_at": "02:00"},
    {"job": "homecare.market.tasks.send_sitrep_reminders_job", "every_minutes": 15},
    {"job": "homecare.reporting.tasks.refresh_aggregates_job", "daily_at": "03:00"},
    {"job": "homecare.outcomes.tasks.raise_budget_alerts_job", "daily_at": "03:00"},
    {"job": "homecare.outcomes.tasks.create_due_surveys_job", "daily_at": "03:15"},
]

# Call monitoring (frameworks set their own alert minutes; these apply where no framework does).
# Jobs run (by dotted path, after commit) whenever a package starts, pauses, resumes, ends or gets a new
# version: call monitoring re-plans its visits. People does not import the apps that listen.
PACKAGE_CHANGED_JOBS = ["homecare.visits.tasks.regenerate_package_job"]
VISITS_HORIZON_DAYS = env_int("VISITS_HORIZON_DAYS", 28)
VISITS_LATE_ALERT_MINUTES = 30
VISITS_LATE_ESCALATION_MINUTES = 30
VISITS_CHECK_IN_RADIUS_M = env_int("VISITS_CHECK_IN_RADIUS_M", 150)

# Outcome-based homecare (ADR 0014): a budget alert when delivery runs under/over the weekly budget for
# this many complete weeks in a row; feedback due this many weeks after care starts, then every N months.
OUTCOMES_ALERT_WEEKS = env_int("OUTCOMES_ALERT_WEEKS", 3)
OUTCOMES_UNDER_PERCENT = env_int("OUTCOMES_UNDER_PERCENT", 80)
OUTCOMES_OVER_PERCENT = env_int("OUTCOMES_OVER_PERCENT", 110)
OUTCOMES_FEEDBACK_FIRST_WEEKS = env_int("OUTCOMES_FEEDBACK_FIRST_WEEKS", 6)
OUTCOMES_FEEDBACK_EVERY_MONTHS = env_int("OUTCOMES_FEEDBACK_EVERY_MONTHS", 6)
# The quality score counts feedback only from this many responses in its 12 months (fewer are noise).
OUTCOMES_FEEDBACK_MIN_RESPONSES = env_int("OUTCOMES_FEEDBACK_MIN_RESPONSES", 5)

# Tamper-evident audit log (ADR 0009): entries are chained with HMAC-SHA256 under this key. Unset, a key
# is derived from SECRET_KEY (development, tests); production refuses to start without one. Never change
# it on a live system: entries sealed with the old key would no longer verify.
AUDIT_HMAC_KEY = env_str("AUDIT_HMAC_KEY", "")
# Retention, in whole years after care ends, per record class (the app that holds the records). A
# person's records are proposed for disposal once every class they have is past its period; "default"
# covers any module not named. Nothing is destroyed until a named council administrator approves.
RECORDS_RETENTION_YEARS = {
    "default": 8,
    "people": 8,
    "brokerage": 8,
    "visits": 8,
    "finance": 8,
}
# Subject access exports include these models (and everything found through them) only when made by
# one of the roles named: safeguarding records by a safeguarding lead (ADR 0008). Others' exports list
# them as not searched.
SUBJECT_ACCESS_RESTRICTED = {
    "quality.SafeguardingConcern": ["safeguarding_lead"],
    "quality.PatternAlert": ["safeguarding_lead"],
}
# Backups (`make backup`): where they go.
BACKUP_DIR = Path(env_str("BACKUP_DIR", str(VAR_DIR / "backups")))

# Rota planner (ADR 0013). Travel times come from the straight-line model unless an OSRM server is named.
ROSTERING_ROUTING_URL = env_str("ROSTERING_ROUTING_URL", "")
ROSTERING_ROUTING_TIMEOUT = env_int("ROSTERING_ROUTING_TIMEOUT", 5, minimum=1)
ROSTERING_ROUTING_MAX_LOCATIONS = env_int("ROSTERING_ROUTING_MAX_LOCATIONS", 100, minimum=2)
ROSTERING_MAX_TIME_LIMIT = env_int("ROSTERING_MAX_TIME_LIMIT", 300, minimum=1)
# Re-planning after sickness: visits starting within this many minutes stay with their carer; moving any
# other published assignment costs this many minutes of travel in the planner's objective.
ROSTERING_REPLAN_FREEZE_MINUTES = env_int("ROSTERING_REPLAN_FREEZE_MINUTES", 120, minimum=0)
ROSTERING_CHANGE_WEIGHT = env_int("ROSTERING_CHANGE_WEIGHT", 60, minimum=0)
