"""Audit history: every change to a person, plan or package is kept with who, when and why.

django-simple-history writes a historical row on each save; services call `save_audited` so the actor
and reason are recorded even outside a web request (commands, jobs). Reading the history back as
"what changed" is `change_log`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.db import models
from django.utils import timezone


def save_audited(instance: models.Model, *, actor, reason: str = "", **save_kwargs) -> None:
    instance._history_user = actor  # type: ignore[attr-defined]
    instance._change_reason = reason  # type: ignore[attr-defined]
    instance.save(**save_kwargs)


def delete_audited(instance: models.Model, *, actor, reason: str = "") -> None:
    instance._history_user = actor  # type: ignore[attr-defined]
    instance._change_reason = reason  # type: ignore[attr-defined]
    instance.delete()


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class ChangeEntry:
    at: datetime
    who: str
    record: str
    action: str  # "Created" | "Changed" | "Deleted"
    changes: tuple[FieldChange, ...]
    reason: str


_ACTIONS = {"+": "Created", "~": "Changed", "-": "Deleted"}
_HIDDEN_FIELDS = {"id", "created_at"}


def _display(model: type[models.Model], field_name: str, value) -> str:
    if value in (None, ""):
        return "(blank)"
    try:
        field = model._meta.get_field(field_name)
    except Exception:  # noqa: BLE001 - a field removed since the history row was written
        return str(value)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        return f"{timezone.localtime(value):%-d %b %Y %H:%M}"
    if isinstance(value, date):
        return f"{value:%-d %b %Y}"
    return str(value)


def change_log(history_rows: Iterable, *, describe) -> list[ChangeEntry]:
    """Turn historical rows (any tracked models) into entries, newest first.

    `describe(row)` names the record in words a council officer uses ("Package PKG000012 version 2").
    """
    entries: list[ChangeEntry] = []
    for row in history_rows:
        model = row.instance_type
        changes: list[FieldChange] = []
        if row.history_type == "~" and row.prev_record is not None:
            delta = row.diff_against(row.prev_record)
            for change in delta.changes:
                if change.field in _HIDDEN_FIELDS:
                    continue
                label = str(model._meta.get_field(change.field).verbose_name).capitalize()
                changes.append(
                    FieldChange(
                        label,
                        _display(model, change.field, change.old),
                        _display(model, change.field, change.new),
                    )
                )
            if not changes:
                continue  # a save that changed nothing is not worth a line
        user = row.history_user
        entries.append(
            ChangeEntry(
                at=row.history_date,
                who=(user.get_full_name() or user.username) if user else "System",
                record=describe(row),
                action=_ACTIONS[row.history_type],
                changes=tuple(changes),
                reason=row.history_change_reason or "",
            )
        )
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries
