"""Background jobs on RQ (Redis). With JOBS_EAGER the job runs in-process, at once (embedded default).

Jobs are thin wrappers around services (ARCHITECTURE.md); enqueue the dotted path of a module-level
function so the worker can import it. Arguments must be plain values (ids, strings), never model
instances, so a job sees the database as it is when it runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import django_rq
from django.conf import settings
from django.utils.module_loading import import_string


def enqueue(func: Callable[..., Any] | str, *args: Any, queue: str = "default", **kwargs: Any):
    """Queue `func(*args, **kwargs)`; returns the RQ job (already finished when eager). `func` may be a
    dotted path, so an app can start another app's job named in settings without importing it."""
    if settings.JOBS_EAGER:
        (import_string(func) if isinstance(func, str) else func)(*args, **kwargs)
        return None
    return django_rq.get_queue(queue).enqueue(func, *args, **kwargs)
