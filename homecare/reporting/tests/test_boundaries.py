"""Reporting reads every domain and writes only its own tables (ADR 0012): no write through another
app's model anywhere in the app's code."""

from __future__ import annotations

import ast
from pathlib import Path

from homecare.reporting import models

APP = Path(models.__file__).resolve().parent
WRITES = {"create", "bulk_create", "update", "delete", "get_or_create", "update_or_create", "bulk_update"}
OWN = {"MonthlyVisitAggregate", "KpiValue", "AggregateRefresh", "KpiComment"}


def foreign_writes(source: str) -> list[str]:
    """Writes in `source` through a model other than reporting's own: Model.objects….<write>(…), .save()."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr in WRITES:
            target = node.value
            while isinstance(target, ast.Call | ast.Attribute):
                target = target.func if isinstance(target, ast.Call) else target.value
            if isinstance(target, ast.Name) and target.id[:1].isupper() and target.id not in OWN:
                found.append(f"{node.lineno} {target.id}….{node.attr}")
        # A model's save() takes no positional argument (a workbook's save(file) does).
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "save":
            if not node.args:
                found.append(f"{node.lineno} .save()")
    return found


def test_reporting_writes_only_to_its_own_models():
    offenders = [
        f"{path.name}:{hit}"
        for path in APP.rglob("*.py")
        if "tests" not in path.parts and "migrations" not in path.parts
        for hit in foreign_writes(path.read_text())
    ]
    assert not offenders, offenders


def test_the_check_sees_a_write_to_another_domain_and_allows_its_own():
    assert foreign_writes("Visit.objects.filter(pk=1).update(status='missed')")
    assert foreign_writes("visit.save()")
    assert not foreign_writes("KpiValue.objects.filter(month=m).delete()")
