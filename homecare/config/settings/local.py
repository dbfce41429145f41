"""Embedded default: SQLite in var/, jobs in-process, console e-mail. For `make run`."""

from .base import *  # noqa: F403
from .base import VAR_DIR, env_str

DEBUG = True
SECRET_KEY = env_str("SECRET_KEY", "local-development-only-not-secret")
VAR_DIR.mkdir(exist_ok=True)
(VAR_DIR / "staticfiles").mkdir(exist_ok=True)
WHITENOISE_USE_FINDERS = True  # serve app static files without collectstatic
WHITENOISE_AUTOREFRESH = True
INSTALLED_APPS += ["homecare.demo"]  # noqa: F405
