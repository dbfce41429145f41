"""Which records are about a person: every model with a foreign-key path to Person, found from model meta.

Nothing here names a module's models, so a new module (quality, safeguarding, rostering …) is included in
subject access exports and disposals the moment its models point at a person, a package, a visit or any
other record that does. Each model is reached by its shortest path (preferring required keys), so every
query is a chain of indexed joins, never an OR across joins.

Historical tables (django-simple-history) are found the same way, through the keys they copy; the
person's own history, which holds their id rather than a key, is matched on that id.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.apps import apps
from django.db import models

from homecare.people.models import Person

# Apps whose rows are never "about a person" in this sense: the platform (the audit log holds references
# only, and is kept), and records itself (proposals name people by reference so they outlive disposal).
EXCLUDED_APPS = frozenset({"platform", "records"})
MAX_DEPTH = 6


@dataclass(frozen=True)
class Source:
    """One model that holds records about a person, and the ORM path from it to the person's id."""

    model: type[models.Model]
    path: str
    depth: int

    @property
    def label(self) -> str:
        return self.model._meta.label  # "visits.CallEvent"

    @property
    def record_class(self) -> str:
        """The retention class: the app that holds the records."""
        return self.model._meta.app_label

    @property
    def title(self) -> str:
        if self.is_history:
            return (
                f"{str(self.model.instance_type._meta.verbose_name_plural).capitalize()} (earlier versions)"
            )
        return str(self.model._meta.verbose_name_plural).capitalize()

    @property
    def is_history(self) -> bool:
        return getattr(self.model, "instance_type", None) is not None and hasattr(self.model, "history_id")

    @property
    def is_internal(self) -> bool:
        """A many-to-many link table: deleted with its rows, not shown as a section of its own."""
        return bool(self.model._meta.auto_created)

    @property
    def passes_through(self) -> frozenset[str]:
        """Labels of the models this source is, or is a history of, or is found through (for access)."""
        own = self.model.instance_type if self.is_history else self.model
        labels = {own._meta.label}
        model = self.model
        for name in self.path.split("__")[:-1]:
            model = model._meta.get_field(name).related_model
            labels.add(model._meta.label)
        return frozenset(labels)

    def rows(self, person_id: int) -> models.QuerySet:
        return self.model._base_manager.filter(**{self.path: person_id}).order_by("pk")


def _is_candidate(model: type[models.Model]) -> bool:
    return model.__module__.startswith("homecare.") and model._meta.app_label not in EXCLUDED_APPS


def _forward_keys(model: type[models.Model]):
    for field in model._meta.concrete_fields:
        if field.is_relation and (field.many_to_one or field.one_to_one) and field.related_model is not model:
            yield field


def _through_models() -> list[type[models.Model]]:
    return [
        m
        for m in apps.get_models(include_auto_created=True)
        if m._meta.auto_created and _is_candidate(m._meta.auto_created)
    ]


@cache
def person_sources() -> tuple[Source, ...]:
    """Every model holding rows about a person, with its shortest path to the person's id."""
    candidates = [m for m in apps.get_models() if _is_candidate(m)] + _through_models()
    paths: dict[type[models.Model], tuple[str, int]] = {Person: ("pk", 0)}
    for model in candidates:
        if getattr(model, "instance_type", None) is Person:
            paths[model] = ("id", 0)  # the person's own history rows carry their id, not a key
    for depth in range(1, MAX_DEPTH + 1):
        found: dict[type[models.Model], tuple[str, int]] = {}
        for model in candidates:
            if model in paths:
                continue
            # Required keys first, then by name, so the path is stable and follows what must exist.
            keys = sorted(_forward_keys(model), key=lambda f: (f.null, f.name))
            for field in keys:
                target = paths.get(field.related_model)
                if target is not None and target[1] == depth - 1:
                    via = field.name if target[0] == "pk" else f"{field.name}__{target[0]}"
                    found[model] = (via, depth)
                    break
        if not found:
            break
        paths |= found
    sources = [Source(model, path, depth) for model, (path, depth) in paths.items()]
    # Read as a file: the person and their plans and packages first, then module by module, each
    # record's earlier versions after the records themselves.
    return tuple(
        sorted(
            sources,
            key=lambda s: (s.record_class != "people", s.record_class, s.is_history, s.depth, s.label),
        )
    )
