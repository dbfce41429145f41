"""Production: PostgreSQL, RQ workers on Redis, secrets from the environment (required)."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DATABASES, SECRET_KEY, env_bool, env_str

if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set in production")
if len(env_str("AUDIT_HMAC_KEY", "")) < 32:
    raise ImproperlyConfigured(
        "AUDIT_HMAC_KEY must be set in production (32 characters or more, kept apart from SECRET_KEY): "
        "it seals the audit log"
    )
if env_str("AUDIT_HMAC_KEY", "") == SECRET_KEY:
    raise ImproperlyConfigured("AUDIT_HMAC_KEY must differ from SECRET_KEY")
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("Production runs on PostgreSQL: set DATABASE_URL=postgres://...")
DEBUG = False
JOBS_EAGER = env_bool("JOBS_EAGER", False)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")  # set by the reverse proxy (README)
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
}
