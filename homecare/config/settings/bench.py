"""Benchmarks: production-like (DEBUG off) on their own SQLite file unless DATABASE_URL says otherwise."""

import os

from .base import *  # noqa: F403
from .base import DATABASES, VAR_DIR, dj_database_url

SECRET_KEY = "bench-only-not-secret"
DEBUG = False
VAR_DIR.mkdir(exist_ok=True)
INSTALLED_APPS += ["homecare.demo"]  # noqa: F405
if "DATABASE_URL" not in os.environ:
    DATABASES["default"].update(dj_database_url.parse(f"sqlite:///{VAR_DIR / 'bench.sqlite3'}"))
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ALLOWED_HOSTS = ["*"]
