"""House rules as tests: scoped reads in views and APIs, no domain imports in platform, no dumping grounds."""

from __future__ import annotations

import ast
from pathlib import Path

HOMECARE = Path(__file__).resolve().parents[2]
DOMAIN_APPS = {
    "accounts",
    "people",
    "providers",
    "brokerage",
    "visits",
    "rostering",
    "finance",
    "quality",
    "market",
    "reporting",
    "outcomes",
    "records",
    "demo",
}


def _python_files(pattern: str):
    return [p for p in HOMECARE.rglob(pattern) if "migrations" not in p.parts and "tests" not in p.parts]


def test_views_and_apis_never_query_models_directly():
    offenders = []
    views = _python_files("views.py") + [p for p in _python_files("*.py") if p.parent.name == "views"]
    for path in views + _python_files("api.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr == "objects":
                offenders.append(f"{path.relative_to(HOMECARE)}:{node.lineno}")
    assert not offenders, f"Read through scoped selectors instead of Model.objects: {offenders}"


def test_platform_imports_no_domain_app():
    offenders = []
    for path in (HOMECARE / "platform").rglob("*.py"):
        if "tests" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            modules = []
            if isinstance(node, ast.ImportFrom) and node.module:
                modules = [node.module]
            elif isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            for module in modules:
                parts = module.split(".")
                if parts[0] == "homecare" and len(parts) > 1 and parts[1] in DOMAIN_APPS:
                    offenders.append(f"{path.relative_to(HOMECARE)}:{node.lineno} imports {module}")
    assert not offenders, offenders


def test_no_dumping_ground_modules():
    names = {"utils.py", "helpers.py", "misc.py", "core"}
    found = [str(p.relative_to(HOMECARE)) for p in HOMECARE.rglob("*") if p.name in names]
    assert not found, f"Give shared code a topic name: {found}"


def test_no_naive_datetimes_in_application_code():
    offenders = []
    for path in _python_files("*.py"):
        text = path.read_text()
        for bad in ("datetime.now()", "datetime.utcnow()", "date.today()", "dt.date.today()"):
            if bad in text:
                offenders.append(f"{path.relative_to(HOMECARE)}: {bad}")
    assert not offenders, f"Use django.utils.timezone (Europe/London): {offenders}"
