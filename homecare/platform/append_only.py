"""Evidence rows that are written once and never changed: a correction is a new row."""

from __future__ import annotations

from django.db import models


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete a row that is kept as evidence."""


class AppendOnly(models.Model):
    """Refuses `save()` of an existing row and `delete()`.

    Rate cards, CQC ratings, declarations and status changes are what payments and brokerage decisions
    were based on; editing one would rewrite history. (QuerySet.update/delete bypass this guard, so
    services never use them on these models.)
    """

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} rows are never changed; add a new one instead")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{type(self).__name__} rows are never deleted")
