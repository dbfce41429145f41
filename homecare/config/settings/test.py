"""Tests: DATABASE_URL picks PostgreSQL in CI's second run; otherwise SQLite."""

from .base import *  # noqa: F403
from .base import VAR_DIR

SECRET_KEY = "test-only-not-secret"
DEBUG = False
VAR_DIR.mkdir(exist_ok=True)
(VAR_DIR / "staticfiles").mkdir(exist_ok=True)
WHITENOISE_USE_FINDERS = True  # serve app static files without collectstatic
WHITENOISE_AUTOREFRESH = True
INSTALLED_APPS += ["homecare.demo"]  # noqa: F405
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed; tests only
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
JOBS_EAGER = True
RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 600, "ASYNC": False}}  # noqa: F405
LOGGING["root"]["level"] = "WARNING"  # noqa: F405 - quiet test output; caplog still sees what tests ask for
